// The recording-lifecycle binary itself: configured from the environment, `migrate` applies the
// schema and exits, `serve` answers health and drains on SIGTERM, a bad configuration exits
// non-zero with one clear line.

#include "shopcast/testing/process.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <pqxx/pqxx>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/testing/pg.h"
#include "support/app_fixture.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

std::vector<std::string> Env(const AppFixture& f, const std::string& dsn,
                             const std::string& hot_root) {
  const std::string p = "SHOPCAST_RECORDING_LIFECYCLE_";
  auto tls = f.pki().FilesOf("recording-lifecycle");
  std::vector<std::string> env = StorageEnv(f.File("proc-storage"));
  std::filesystem::create_directories(hot_root);
  std::vector<std::string> base = {p + "GRPC_ADDR=127.0.0.1:0",
                                   p + "METRICS_ADDR=127.0.0.1:0",
                                   p + "INTERNAL_GRPC_ADDR=127.0.0.1:0",
                                   p + "SERVICE_CA_FILE=" + tls.ca_file,
                                   p + "SERVICE_CERT_FILE=" + tls.cert_file,
                                   p + "SERVICE_KEY_FILE=" + tls.key_file,
                                   p + "DB_DSN=" + dsn,
                                   p + "DB_POOL_SIZE=4",
                                   p + "VERIFY_KEY_FILES=" + f.verify_key_file(),
                                   p + "PAGE_TOKEN_KEY_FILE=" + f.page_token_key_file(),
                                   p + "HOT_ROOT=" + hot_root,
                                   p + "DRAIN_TIMEOUT=5s"};
  env.insert(env.end(), base.begin(), base.end());
  return env;
}

TEST_CASE("process: migrate applies the schema to an empty database and exits 0", "[process]") {
  AppFixture f;
  shopcast::testing::TestDatabase empty = shopcast::testing::TestDatabase::Create();
  shopcast::testing::ChildProcess proc({SHOPCAST_RECORDING_LIFECYCLE_BIN, "migrate"},
                                       Env(f, empty.dsn(), f.File("hot")), f.File("migrate.log"));
  REQUIRE(proc.Wait(60'000) == 0);
  pqxx::connection c(empty.dsn());
  pqxx::work tx(c);
  for (const char* table :
       {"recordings", "segments", "markers", "rejected_events", "outbox", "processed_events"}) {
    INFO(table);
    CHECK(tx.exec_params1("SELECT count(*) FROM information_schema.tables WHERE table_name = $1",
                          std::string(table))[0]
              .as<int>() == 1);
  }
}

TEST_CASE("process: serves health from its environment and drains on SIGTERM", "[process]") {
  AppFixture f;
  shopcast::testing::ChildProcess proc({SHOPCAST_RECORDING_LIFECYCLE_BIN, "serve"},
                                       Env(f, f.dsn(), f.File("hot")), f.File("rl.log"));
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

TEST_CASE("process: a relative hot root is refused at start", "[process]") {
  AppFixture f;
  shopcast::testing::ChildProcess proc({SHOPCAST_RECORDING_LIFECYCLE_BIN, "serve"},
                                       Env(f, f.dsn(), "relative/hot"), f.File("rl.log"));
  CHECK(proc.Wait(30'000) != 0);
  CHECK_THAT(proc.log(), Catch::Contains("hot_root"));
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
