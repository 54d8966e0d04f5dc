// ServiceCore's start-up steps, up to the first one that needs a database: each failure names
// its step, and a part a service does not ask for is not required. The whole core, with its
// database and listeners, is exercised by every service's app and integration tests.

#include "shopcast/startup/service_core.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "shopcast/auth/keys.h"
#include "shopcast/testing/temp_dir.h"

namespace {

namespace startup = shopcast::startup;

struct World {
  shopcast::testing::TempDir dir;
  startup::ServiceConfig config;
  World() {
    auto key = shopcast::auth::GenerateSigningKey("k1");
    REQUIRE(key.ok());
    std::ofstream(dir.File("k.pem")) << key->public_pem;
    config.verify_key_files = {dir.File("k.pem")};
    config.token_issuer = "shopcast";
    config.token_audience = "shopcast";
    config.service_tls = {dir.File("ca.pem"), dir.File("svc.pem"), dir.File("svc.key")};
    config.db_dsn = "host=127.0.0.1 port=1 dbname=none";
  }
};

startup::ServiceCoreOptions Options(bool page_tokens) {
  startup::ServiceCoreOptions o;
  o.service = "svc";
  o.page_tokens = page_tokens;
  return o;
}

}  // namespace

TEST_CASE("a service core that cannot start names the step") {
  World w;
  SECTION("an unreadable verifying key") {
    w.config.verify_key_files = {w.dir.File("absent.pem")};
    auto core = startup::ServiceCore::Create(w.config, Options(true));
    CHECK(core.status().code() == absl::StatusCode::kNotFound);
    CHECK(std::string(core.status().message()).rfind("verify_keys: ", 0) == 0);
  }
  SECTION("no page-token key for a service that pages lists") {
    auto core = startup::ServiceCore::Create(w.config, Options(true));
    CHECK(std::string(core.status().message()).rfind("page_token_key: ", 0) == 0);
  }
  SECTION("a service that pages nothing needs no page-token key: it gets as far as its identity") {
    auto core = startup::ServiceCore::Create(w.config, Options(false));
    CHECK(std::string(core.status().message()).rfind("service_tls: ", 0) == 0);
  }
}
