// The pins flag: max_pins defaults to 3 and a value outside 1..20 stops the start with a line
// naming it.
#include <catch2/catch.hpp>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "app/config.h"

ABSL_DECLARE_FLAG(std::string, db_dsn);
ABSL_DECLARE_FLAG(std::string, verify_key_files);
ABSL_DECLARE_FLAG(int, max_pins);

namespace shopcast::product_inventory {
namespace {

TEST_CASE("pins config: max_pins defaults to 3 and must be 1..20") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=product_inventory");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  auto c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->max_pins == 3);

  absl::SetFlag(&FLAGS_max_pins, 20);
  c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->max_pins == 20);

  for (int bad : {0, -1, 21}) {
    INFO(bad);
    absl::SetFlag(&FLAGS_max_pins, bad);
    c = LoadConfig();
    REQUIRE_FALSE(c.ok());
    CHECK(absl::StrContains(c.status().message(), "max_pins"));
  }
  absl::SetFlag(&FLAGS_max_pins, 3);
}

}  // namespace
}  // namespace shopcast::product_inventory
