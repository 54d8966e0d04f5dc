// product-inventory's configuration: secrets never travel as flags, event sinks parse as
// destination=address pairs, and bad price rules stop the start with a line naming them.
#include "app/config.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"

ABSL_DECLARE_FLAG(std::string, db_dsn);
ABSL_DECLARE_FLAG(std::string, verify_key_files);
ABSL_DECLARE_FLAG(std::string, event_sinks);
ABSL_DECLARE_FLAG(int, buy_now_min_premium_percent);
ABSL_DECLARE_FLAG(double, buy_now_suggest_multiplier);

namespace shopcast::product_inventory {
namespace {

void Valid() {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=product_inventory");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_event_sinks, "");
  absl::SetFlag(&FLAGS_buy_now_min_premium_percent, 20);
  absl::SetFlag(&FLAGS_buy_now_suggest_multiplier, 2.0);
}

TEST_CASE("config: no flag carries a secret") {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    INFO(name);
    if (absl::EndsWith(name, "_file") || absl::EndsWith(name, "_files")) continue;
    CHECK_FALSE(absl::StrContains(name, "password"));
    CHECK_FALSE(absl::StrContains(name, "secret"));
  }
}

TEST_CASE("config: event sinks are destination=address pairs") {
  Valid();
  absl::SetFlag(&FLAGS_event_sinks, "realtime_push=127.0.0.1:50055,order=dns:///order:50061");
  auto c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->event_sinks.at("realtime_push") == "127.0.0.1:50055");
  CHECK(c->event_sinks.at("order") == "dns:///order:50061");
  CHECK(c->grpc_addr == "0.0.0.0:50058");
  CHECK(c->internal_grpc_addr == "0.0.0.0:50059");
  absl::SetFlag(&FLAGS_event_sinks, "realtime_push");
  CHECK_FALSE(LoadConfig().ok());
}

TEST_CASE("config: price rules out of range stop the start") {
  Valid();
  REQUIRE(LoadConfig().ok());
  absl::SetFlag(&FLAGS_buy_now_min_premium_percent, -1);
  auto c = LoadConfig();
  REQUIRE_FALSE(c.ok());
  CHECK(absl::StrContains(c.status().message(), "buy_now_min_premium_percent"));
  Valid();
  absl::SetFlag(&FLAGS_buy_now_suggest_multiplier, 0.5);
  CHECK_FALSE(LoadConfig().ok());
  Valid();
  absl::SetFlag(&FLAGS_db_dsn, "host=x password=y");
  CHECK_FALSE(LoadConfig().ok());
}

}  // namespace
}  // namespace shopcast::product_inventory
