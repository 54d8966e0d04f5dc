// The gateway binary as Kubernetes and `tools/dev up` run it: configured from the environment,
// it serves a web root over HTTP (port 0, read back from its log), answers gRPC health and
// GatewayService, refuses a bad configuration with one clear line, and drains and exits 0 on
// SIGTERM while a request is in flight.

#include <catch2/catch.hpp>
#include <csignal>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/gateway/v1/gateway.grpc.pb.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::gateway {
namespace {

using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::WriteFile;

const std::string kP = "SHOPCAST_GATEWAY_";

std::vector<std::string> Env(const shopcast::testing::TempDir& dir,
                             const std::vector<std::string>& extra = {}) {
  // The credential for the services' internal listeners; no user service runs here (keys are
  // fetched at the first token check, revocations retried).
  const auth::ServiceTlsFiles tls =
      auth::testing::DevPki(dir.File("pki"), {"gateway"}).FilesOf("gateway");
  std::vector<std::string> env = {kP + "SERVICE_CA_FILE=" + tls.ca_file,
                                  kP + "SERVICE_CERT_FILE=" + tls.cert_file,
                                  kP + "SERVICE_KEY_FILE=" + tls.key_file,
                                  kP + "USER_INTERNAL_ADDR=127.0.0.1:1",
                                  kP + "VIDEO_INGEST_INTERNAL_ADDR=127.0.0.1:1",
                                  kP + "GRPC_ADDR=127.0.0.1:0",
                                  kP + "METRICS_ADDR=127.0.0.1:0",
                                  kP + "HTTP_ADDR=127.0.0.1:0",
                                  kP + "WEB_ROOT=" + dir.File("dist"),
                                  kP + "PUBLIC_URL=https://shop.test",
                                  kP + "RTMP_INGEST_URL=rtmp://ingest.shop.test/live",
                                  kP + "DRAIN_TIMEOUT=10s"};
  // An extra setting replaces a default of the same name (getenv would see the first).
  for (const std::string& e : extra) {
    const std::string name = e.substr(0, e.find('=') + 1);
    std::erase_if(env, [&](const std::string& d) { return d.rfind(name, 0) == 0; });
    env.push_back(e);
  }
  return env;
}

TEST_CASE("process: serves the web root and gRPC health from the environment, SIGTERM exits 0") {
  shopcast::testing::TempDir dir;
  WriteFile(dir.File("dist/index.html"), "<!doctype html><title>Shopcast</title><div id=root>");
  WriteFile(dir.File("dist/assets/index-abc123.js"), "console.log('shopcast')");
  shopcast::testing::ChildProcess proc({SHOPCAST_GATEWAY_BIN, "serve"}, Env(dir),
                                       dir.File("gateway.log"));
  // The line tests/suite and tools read the bound ports from.
  nlohmann::json ready = proc.WaitForLogEvent("gateway_ready", absl::Seconds(60));
  const int http_port = ready["http_port"];
  const int grpc_port = ready["grpc_port"];
  const int metrics_port = ready["metrics_port"];

  auto page = Exchange(static_cast<uint16_t>(http_port), GetRequest("/streams/str_1"));
  CHECK(page.status == 200);
  CHECK(absl::StrContains(page.body, "<title>Shopcast</title>"));
  CHECK(absl::StrContains(page.Header("content-security-policy"), "default-src 'self'"));
  CHECK(page.Has("x-request-id"));
  auto asset = Exchange(static_cast<uint16_t>(http_port), GetRequest("/assets/index-abc123.js"));
  CHECK(asset.Header("cache-control") == "public, max-age=31536000, immutable");
  auto again = Exchange(
      static_cast<uint16_t>(http_port),
      GetRequest("/assets/index-abc123.js", "If-None-Match: " + asset.Header("etag") + "\r\n"));
  CHECK(again.status == 304);
  CHECK(Exchange(static_cast<uint16_t>(http_port), GetRequest("/a/../etc/passwd")).status == 400);

  auto channel = shopcast::testing::LocalChannel(grpc_port);
  CHECK(shopcast::testing::WaitUntil(
      [&] { return shopcast::testing::HealthStatus(channel, "") == 1; }, absl::Seconds(30)));
  CHECK(shopcast::testing::HealthStatus(channel, "liveness") == 1);

  auto stub = v1::GatewayService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetClientConfigResponse config;
  REQUIRE(stub->GetClientConfig(&ctx, v1::GetClientConfigRequest(), &config).ok());
  CHECK(config.config().websocket_url() == "wss://shop.test/ws/v1");
  CHECK(config.config().live_hls_base_url() == "https://shop.test/live/");
  CHECK(config.config().rtmp_ingest_url() == "rtmp://ingest.shop.test/live");
  CHECK(config.config().limits().chat_max_chars() == 500);
  CHECK(config.config().heartbeat_interval().seconds() == 15);
  CHECK(config.config().features().at("auctions"));
  grpc::ClientContext info_ctx;
  info_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetServerInfoResponse info;
  REQUIRE(stub->GetServerInfo(&info_ctx, v1::GetServerInfoRequest(), &info).ok());
  CHECK_FALSE(info.version().empty());
  CHECK(info.api_versions(0) == "v1");
  CHECK(info.server_time().seconds() > 0);

  auto metrics = shopcast::testing::HttpGet(metrics_port, "/metrics");
  CHECK(absl::StrContains(metrics.body, "gateway_http_requests_total"));
  CHECK(absl::StrContains(metrics.body, "gateway_http_request_duration_seconds"));

  // A kept-alive connection is closed by the drain; the process exits 0.
  http_files::testing::TestConnection idle(static_cast<uint16_t>(http_port));
  REQUIRE(idle.Send(GetRequest("/")));
  REQUIRE(idle.Read());
  proc.Signal(SIGTERM);
  CHECK(idle.WaitClosed(std::chrono::seconds(20)));
  CHECK(proc.Wait(30000) == 0);
  CHECK(absl::StrContains(proc.log(), "\"event\":\"http_drained\""));
  // The access log names the path but never a query string.
  CHECK(absl::StrContains(proc.log(), "\"path\":\"/streams/str_1\""));
}

TEST_CASE("process: without a built app the page says so") {
  shopcast::testing::TempDir dir;
  shopcast::testing::ChildProcess proc({SHOPCAST_GATEWAY_BIN, "serve"}, Env(dir),
                                       dir.File("gateway.log"));
  const int http_port = proc.WaitForLogEvent("http_started", absl::Seconds(60))["http_port"];
  auto page = Exchange(static_cast<uint16_t>(http_port), GetRequest("/"));
  CHECK(page.status == 503);
  CHECK(absl::StrContains(page.body, "tools/dev build"));
  auto live = Exchange(static_cast<uint16_t>(http_port), GetRequest("/live/s/index.m3u8?token=t"));
  CHECK(live.status == 404);  // No HLS area wired yet on this build.
  CHECK_FALSE(absl::StrContains(proc.log(), "token=t"));
  proc.Signal(SIGTERM);
  CHECK(proc.Wait(30000) == 0);
}

TEST_CASE("process: plain HTTP on a public address is refused at start with one clear line") {
  shopcast::testing::TempDir dir;
  shopcast::testing::ChildProcess proc({SHOPCAST_GATEWAY_BIN, "serve"},
                                       Env(dir, {kP + "HTTP_ADDR=0.0.0.0:0"}),
                                       dir.File("gateway.log"));
  CHECK(proc.Wait(30000) == 2);
  CHECK(absl::StrContains(proc.log(), "behind_tls_proxy"));
  shopcast::testing::ChildProcess behind(
      {SHOPCAST_GATEWAY_BIN, "serve"},
      Env(dir, {kP + "HTTP_ADDR=0.0.0.0:0", kP + "BEHIND_TLS_PROXY=true",
                kP + "TRUSTED_PROXIES=10.0.0.0/8"}),
      dir.File("behind.log"));
  behind.WaitForLogEvent("http_started", absl::Seconds(60));
  behind.Signal(SIGTERM);
  CHECK(behind.Wait(30000) == 0);
}

}  // namespace
}  // namespace shopcast::gateway
