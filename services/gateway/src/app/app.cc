#include "app/app.h"

#include <utility>

#include "http/server.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/log/log.h"
#include "shopcast/startup/service_parts.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"
// ---- area headers ----
#include "web/web_files.h"

#ifndef SHOPCAST_VERSION
#define SHOPCAST_VERSION "0.0.0"
#endif

namespace shopcast::gateway {

using startup::AtStep;

// Declared in dependency order: members are destroyed in reverse, users before what they use.
struct App::Parts {
  Config config;
  // The credential presented to the services' internal listeners; absent when no
  // service_*_file is configured (no area needs it yet).
  std::optional<auth::ServiceTls> tls;
  std::unique_ptr<server::ServiceHost> host;
  std::unique_ptr<GatewayInfo> info;
  std::unique_ptr<GatewayService> gateway_service;
  // ---- area parts: web ----
  std::shared_ptr<web::WebFiles> web;
  // ---- area parts: api (src/api) ----
  // ---- area parts: hls (src/hls) ----
  // ---- area parts: ws (src/ws) ----
  std::unique_ptr<http::Server> http;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Config& config, AppOverrides overrides) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  const auth::ServiceTlsFiles& tls_files = config.service_tls;
  if (!tls_files.ca_file.empty() || !tls_files.cert_file.empty() || !tls_files.key_file.empty()) {
    auto tls = auth::LoadServiceTls(tls_files);
    if (!tls.ok()) return AtStep("service_tls", tls.status());
    p->tls = *std::move(tls);
  }
  server::HostOptions host_options;
  host_options.service_name = "gateway";
  host_options.grpc_addr = config.grpc_addr;
  host_options.metrics_addr = config.metrics_addr;
  host_options.executor_threads = 2;  // Nothing blocking runs on it.
  host_options.drain_timeout = config.drain_timeout;
  host_options.unready_delay = config.shutdown_unready_delay;
  p->host = std::make_unique<server::ServiceHost>(std::move(host_options));
  p->info = std::make_unique<GatewayInfo>(SHOPCAST_VERSION, config);
  p->gateway_service = std::make_unique<GatewayService>(*p->info);
  p->host->AddService(p->gateway_service.get());
  prometheus::Registry* metrics = &p->host->metrics();

  Routes routes;
  // ---- area wiring: web ----
  auto web = web::WebFiles::Load(web::WebFilesOptions{config.web_root});
  if (!web.ok()) return AtStep("web_root", web.status());
  p->web = *std::move(web);
  routes.web = p->web;
  // ---- area wiring: api ----
  // src/api: routes.api = the JSON API (user_addr, product_inventory_addr, order_addr,
  // realtime_push_addr, video_ingest_addr, recording_lifecycle_addr, upstream_timeout, p->tls
  // for user_internal_addr, p->info for /api/v1/gateway/*), with src/auth's AccessCheck and
  // src/limits' RateLimits.
  // ---- area wiring: hls ----
  // src/hls: routes.hls = the HLS proxy (video_ingest_internal_addr with p->tls).
  // ---- area wiring: ws ----
  // src/ws: routes.ws = the WebSocket hub (realtime_push_addr, ws_* settings, the AccessCheck
  // and RateLimits shared with the API).
  if (overrides.routes.api) routes.api = overrides.routes.api;
  if (overrides.routes.hls) routes.hls = overrides.routes.hls;
  if (overrides.routes.web) routes.web = overrides.routes.web;
  if (overrides.routes.ws) routes.ws = overrides.routes.ws;

  auto http = http::Server::Create(config.http, std::move(routes), metrics);
  if (!http.ok()) return AtStep("http", http.status());
  p->http = *std::move(http);
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

absl::Status App::Start() {
  Parts& p = *parts_;
  // ---- area start ----
  RETURN_IF_ERROR(p.host->Start());
  return p.http->Start();
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Parts& p = *parts_;
  // New HTTP requests stop first; those in flight finish while their upstream calls still can.
  p.http->Drain(p.config.drain_timeout);
  // ---- area stop ----
  // src/ws: the hub's drain (GoingAway, then close) goes here. Its sockets run on the HTTP
  // server's I/O threads, which stop next: the hub must have closed and released every socket
  // it was handed by then (a socket outliving the I/O context is undefined behaviour).
  p.http->Stop();
  p.host->Shutdown();
}

int App::http_port() const { return parts_->http->port(); }
server::ServiceHost& App::host() { return *parts_->host; }
const GatewayInfo& App::info() const { return *parts_->info; }

int RunServer(const Config& config) {
  auto app = App::Create(config);
  if (!app.ok()) return startup::Fail("start", app.status());
  if (absl::Status s = (*app)->Start(); !s.ok()) return startup::Fail("listen", s);
  // Once every listener is up: tests and tools read the bound ports from this line.
  log::Info("gateway_ready")
      .Kv("grpc_port", (*app)->host().grpc_port())
      .Kv("http_port", (*app)->http_port())
      .Kv("metrics_port", (*app)->host().metrics_port());
  (*app)->host().WaitForShutdown();
  (*app)->Stop();
  return 0;
}

}  // namespace shopcast::gateway
