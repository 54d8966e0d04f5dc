#include "shopcast/config/flags.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, test_listen_addr, "127.0.0.1:1", "address");
ABSL_FLAG(int, test_pool_size, 4, "pool size");

TEST_CASE("environment variable names follow SHOPCAST_<SERVICE>_<FLAG>") {
  CHECK(shopcast::config::EnvName("product-inventory", "db_dsn") ==
        "SHOPCAST_PRODUCT_INVENTORY_DB_DSN");
}

TEST_CASE("environment sets flags and the command line overrides it") {
  setenv("SHOPCAST_DEMO_TEST_LISTEN_ADDR", "0.0.0.0:50051", 1);
  setenv("SHOPCAST_DEMO_TEST_POOL_SIZE", "16", 1);
  char arg0[] = "demo";
  char arg1[] = "--test_pool_size=32";
  char arg2[] = "positional";
  char* argv[] = {arg0, arg1, arg2};
  auto rest = shopcast::config::ParseFlagsWithEnv("demo", 3, argv);
  REQUIRE(rest.ok());
  CHECK(absl::GetFlag(FLAGS_test_listen_addr) == "0.0.0.0:50051");
  CHECK(absl::GetFlag(FLAGS_test_pool_size) == 32);
  CHECK(rest->size() == 2);
  CHECK((*rest)[1] == "positional");
  unsetenv("SHOPCAST_DEMO_TEST_LISTEN_ADDR");
  unsetenv("SHOPCAST_DEMO_TEST_POOL_SIZE");
}

TEST_CASE("an environment value that does not parse is an error naming the variable") {
  setenv("SHOPCAST_DEMO_TEST_POOL_SIZE", "sixteen", 1);
  char arg0[] = "demo";
  char* argv[] = {arg0};
  auto rest = shopcast::config::ParseFlagsWithEnv("demo", 1, argv);
  unsetenv("SHOPCAST_DEMO_TEST_POOL_SIZE");
  REQUIRE_FALSE(rest.ok());
  CHECK(rest.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(rest.status().message()).find("SHOPCAST_DEMO_TEST_POOL_SIZE") !=
        std::string::npos);
}
