#include "shopcast/startup/startup.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "nlohmann/json.hpp"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace {

namespace startup = shopcast::startup;

}  // namespace

TEST_CASE("the command defaults to serve and keeps the words after it") {
  char prog[] = "svc";
  char cmd[] = "create-user";
  char a1[] = "alice";
  char a2[] = "admin";
  char* none[] = {prog};
  auto line = startup::ParseCommandLine("svc", 1, none);
  REQUIRE(line.has_value());
  CHECK(line->command == "serve");
  CHECK(line->args.empty());

  char* some[] = {prog, cmd, a1, a2};
  line = startup::ParseCommandLine("svc", 4, some);
  REQUIRE(line.has_value());
  CHECK(line->command == "create-user");
  CHECK(line->args == std::vector<std::string>{"alice", "admin"});
}

TEST_CASE("a failed start-up is one error line naming the step, and exit code 1") {
  std::string text;
  shopcast::log::CaptureForTesting(&text);
  const int code = startup::Fail("db_pool", absl::UnavailableError("cannot open a connection"));
  shopcast::log::CaptureForTesting(nullptr);
  CHECK(code == 1);
  auto j = nlohmann::json::parse(text);
  CHECK(j["event"] == "startup_failed");
  CHECK(j["level"] == "error");
  CHECK(j["step"] == "db_pool");
  CHECK(j["detail"] == "cannot open a connection");
}

TEST_CASE("verify keys are the given ones followed by each file's public key") {
  shopcast::testing::TempDir dir;
  auto key = shopcast::auth::GenerateSigningKey("k1");
  REQUIRE(key.ok());
  std::ofstream(dir.File("k.pem")) << key->private_pem;

  auto keys = startup::LoadVerifyKeys({dir.File("k.pem")}, {{"current", "pem"}});
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].kid == "current");
  CHECK((*keys)[1].public_pem == key->public_pem);

  auto missing = startup::LoadVerifyKeys({dir.File("k.pem"), dir.File("absent.pem")});
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}
