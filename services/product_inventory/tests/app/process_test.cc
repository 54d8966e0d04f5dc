// The product-inventory binary as Kubernetes runs it: configured from the environment, it
// migrates, serves health on its public port, and exits 0 on SIGTERM after draining.

#include "shopcast/testing/process.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::product_inventory {
namespace {

TEST_CASE("process: serve from the environment, healthy, SIGTERM exits 0") {
  shopcast::testing::TempDir dir;
  auth::testing::DevPki pki(dir.File("pki"), {"product-inventory"});
  auto tls = pki.FilesOf("product-inventory");
  auto key = auth::GenerateSigningKey("k");
  REQUIRE(key.ok());
  std::ofstream(dir.File("signing.pub.pem")) << key->public_pem;
  std::ofstream(dir.File("page-token.key")) << "a page-token key of more than thirty-two bytes\n";
  auto db = shopcast::testing::TestDatabase::Create();

  const std::string p = "SHOPCAST_PRODUCT_INVENTORY_";
  shopcast::testing::ChildProcess proc(
      {SHOPCAST_PRODUCT_INVENTORY_BIN, "serve"},
      {p + "GRPC_ADDR=127.0.0.1:0", p + "METRICS_ADDR=127.0.0.1:0",
       p + "INTERNAL_GRPC_ADDR=127.0.0.1:0", p + "SERVICE_CA_FILE=" + tls.ca_file,
       p + "SERVICE_CERT_FILE=" + tls.cert_file, p + "SERVICE_KEY_FILE=" + tls.key_file,
       p + "DB_DSN=" + db.dsn(), p + "DB_POOL_SIZE=4",
       p + "VERIFY_KEY_FILES=" + dir.File("signing.pub.pem"),
       p + "PAGE_TOKEN_KEY_FILE=" + dir.File("page-token.key"), p + "DRAIN_TIMEOUT=5s"},
      dir.File("product-inventory.log"));
  nlohmann::json started = proc.WaitForLogEvent("server_started", absl::Seconds(60));
  const int port = started["grpc_port"].get<int>();

  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::health::v1::HealthCheckRequest req;
        grpc::health::v1::HealthCheckResponse res;
        return health->Check(&ctx, req, &res).ok() &&
               res.status() == grpc::health::v1::HealthCheckResponse::SERVING;
      },
      absl::Seconds(30)));

  proc.Signal(SIGTERM);
  CHECK(proc.Wait(30'000) == 0);
}

}  // namespace
}  // namespace shopcast::product_inventory
