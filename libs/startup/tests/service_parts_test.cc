#include "shopcast/startup/service_parts.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "shopcast/testing/temp_dir.h"

namespace {

namespace startup = shopcast::startup;

}  // namespace

TEST_CASE("a failed step's error names the step and keeps the code") {
  absl::Status s = startup::AtStep("migrate", absl::UnavailableError("no database"));
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(s.message() == "migrate: no database");
  CHECK(startup::AtStep("migrate", absl::OkStatus()).ok());
}

TEST_CASE("listener options come from the shared settings") {
  startup::ServiceConfig c;
  c.grpc_addr = "127.0.0.1:0";
  c.metrics_addr = "";
  c.internal_grpc_addr = "127.0.0.1:0";
  c.db_pool_size = 12;
  c.drain_timeout = absl::Seconds(3);
  c.shutdown_unready_delay = absl::Seconds(1);
  shopcast::server::HostOptions o = startup::HostOptionsFor("svc", c, shopcast::auth::ServiceTls{});
  CHECK(o.service_name == "svc");
  CHECK(o.grpc_addr == "127.0.0.1:0");
  CHECK(o.internal_grpc_addr == "127.0.0.1:0");
  CHECK(o.executor_threads == 12);
  CHECK(o.drain_timeout == absl::Seconds(3));
  CHECK(o.unready_delay == absl::Seconds(1));
}

TEST_CASE("page tokens need a key file of at least 32 bytes") {
  CHECK(startup::LoadPageTokens("").status().message() == "page_token_key_file is required");
  shopcast::testing::TempDir dir;
  CHECK(!startup::LoadPageTokens(dir.File("missing.key")).ok());
  std::ofstream(dir.File("short.key")) << "too short";
  CHECK(!startup::LoadPageTokens(dir.File("short.key")).ok());
  std::ofstream(dir.File("page.key")) << std::string(32, 'k');
  auto codec = startup::LoadPageTokens(dir.File("page.key"));
  REQUIRE(codec.ok());
  CHECK(*codec != nullptr);
}

TEST_CASE("revocations: optional without an address, an error when required") {
  startup::ServiceConfig c;
  shopcast::auth::RevocationList revoked;
  auto optional = startup::MakeRevocationSync(c, shopcast::auth::ServiceTls{}, revoked, nullptr);
  REQUIRE(optional.ok());
  CHECK(*optional == nullptr);
  auto required = startup::MakeRevocationSync(c, shopcast::auth::ServiceTls{}, revoked, nullptr,
                                              /*required=*/true);
  CHECK(!required.ok());
}
