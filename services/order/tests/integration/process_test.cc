// The order binary itself: configured from the environment, serves health, SIGTERM drains and
// exits 0; a bad configuration exits non-zero with one clear line.

#include "shopcast/testing/process.h"

#include <catch2/catch.hpp>
#include <csignal>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "support/app_fixture.h"

namespace shopcast::order::testing {
namespace {

std::vector<std::string> Env(const AppFixture& f, const std::string& pi_addr = "127.0.0.1:1",
                             const std::string& vi_addr = "127.0.0.1:1") {
  const std::string p = "SHOPCAST_ORDER_";
  auto tls = f.pki().FilesOf("order");
  return {p + "GRPC_ADDR=127.0.0.1:0",
          p + "METRICS_ADDR=127.0.0.1:0",
          p + "INTERNAL_GRPC_ADDR=127.0.0.1:0",
          p + "SERVICE_CA_FILE=" + tls.ca_file,
          p + "SERVICE_CERT_FILE=" + tls.cert_file,
          p + "SERVICE_KEY_FILE=" + tls.key_file,
          p + "DB_DSN=" + f.dsn(),
          p + "DB_POOL_SIZE=4",
          p + "VERIFY_KEY_FILES=" + f.verify_key_file(),
          p + "PAGE_TOKEN_KEY_FILE=" + f.page_token_key_file(),
          p + "PRODUCT_INVENTORY_ADDR=" + pi_addr,
          p + "VIDEO_INGEST_ADDR=" + vi_addr,
          p + "DRAIN_TIMEOUT=5s"};
}

TEST_CASE("process: serves health from its environment and drains on SIGTERM", "[process]") {
  AppFixture f;
  shopcast::testing::ChildProcess proc({SHOPCAST_ORDER_BIN, "serve"}, Env(f), f.File("order.log"));
  nlohmann::json started = proc.WaitForLogEvent("server_started", absl::Seconds(60));
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(started["grpc_port"].get<int>()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse res;
  REQUIRE(health->Check(&ctx, req, &res).ok());
  CHECK(res.status() == grpc::health::v1::HealthCheckResponse::SERVING);
  proc.Signal(SIGTERM);
  CHECK(proc.Wait(30'000) == 0);
}

TEST_CASE("process: a missing product-inventory address is refused at start", "[process]") {
  AppFixture f;
  shopcast::testing::ChildProcess proc({SHOPCAST_ORDER_BIN, "serve"}, Env(f, ""),
                                       f.File("order.log"));
  CHECK(proc.Wait(30'000) != 0);
  CHECK_THAT(proc.log(), Catch::Contains("product_inventory_addr"));
}

TEST_CASE("process: a missing video-ingest address is refused at start", "[process]") {
  AppFixture f;
  shopcast::testing::ChildProcess proc({SHOPCAST_ORDER_BIN, "serve"}, Env(f, "127.0.0.1:1", ""),
                                       f.File("order.log"));
  CHECK(proc.Wait(30'000) != 0);
  CHECK_THAT(proc.log(), Catch::Contains("video_ingest_addr"));
}

}  // namespace
}  // namespace shopcast::order::testing
