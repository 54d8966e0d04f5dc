#include "shopcast/db/pool.h"

#include <catch2/catch.hpp>
#include <string>

namespace shopcast::db {
namespace {

TEST_CASE("Pool::Create refuses unusable options") {
  PoolOptions empty;
  CHECK(Pool::Create(empty).status().code() == absl::StatusCode::kInvalidArgument);
  PoolOptions zero;
  zero.dsn = "host=127.0.0.1";
  zero.size = 0;
  CHECK(Pool::Create(zero).status().code() == absl::StatusCode::kInvalidArgument);
  PoolOptions malformed;
  malformed.dsn = "host=127.0.0.1 password='s3cret";
  auto s = Pool::Create(malformed).status();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()).find("s3cret") == std::string::npos);
}

}  // namespace
}  // namespace shopcast::db
