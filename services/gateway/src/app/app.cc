#include "app/app.h"

#include <utility>

#include "http/server.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/log/log.h"
#include "shopcast/startup/service_parts.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"
// ---- area headers ----
#include "api/api_handler.h"
#include "auth/user_keys.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "hls/hls_proxy.h"
#include "images/image_proxy.h"
#include "limits/token_buckets.h"
#include "shopcast/clients/internal.h"
#include "web/web_files.h"
#include "ws/hub.h"

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
  // ---- area parts: api (src/api), with src/auth and src/limits (shared with ws) ----
  std::shared_ptr<AccessCheck> access;
  std::shared_ptr<RateLimits> limits;
  std::shared_ptr<RouteHandler> api;
  // ---- area parts: hls (src/hls) ----
  std::shared_ptr<RouteHandler> hls;
  // ---- area parts: images (src/images) ----
  std::shared_ptr<RouteHandler> images;
  std::unique_ptr<http::Server> http;
  // ---- area parts: ws (src/ws) ----
  // After http: destroyed first, while the server's I/O context its sockets ran on still exists
  // (Stop drains and releases them all before the server stops).
  std::shared_ptr<WebSocketHub> ws;
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
  // The user service is reached on its internal listener with the gateway's certificate: there
  // it serves UserService too and believes x-shopcast-client-address (login throttling per
  // client), and GetSigningKeys / ListRevocations feed the edge's token check.
  if (!p->tls || config.user_internal_addr.empty()) {
    return AtStep("user_internal_addr",
                  absl::InvalidArgumentError(
                      "the gateway needs user_internal_addr and its service_*_file credential"));
  }
  auto user_channel = clients::MakeInternalChannel("user", config.user_internal_addr, *p->tls);
  if (!user_channel.ok()) return AtStep("user_internal_addr", user_channel.status());
  AccessCheckOptions access_options;
  access_options.issuer = config.token_issuer;
  access_options.audience = config.token_audience;
  access_options.revocation_interval = config.revocation_sync_interval;
  access_options.revocation_long_poll = config.revocation_long_poll;
  p->access = MakeAccessCheck(access_options, *user_channel, metrics);
  p->limits = MakeRateLimits(config.rate_limits, metrics);
  ApiOptions api_options;
  api_options.channels["user"] = *user_channel;
  const std::pair<const char*, const std::string*> publics[] = {
      {"product-inventory", &config.product_inventory_addr},
      {"order", &config.order_addr},
      {"realtime-push", &config.realtime_push_addr},
      {"video-ingest", &config.video_ingest_addr},
      {"recording-lifecycle", &config.recording_lifecycle_addr}};
  // round_robin: with several replicas behind one target (a headless Service's dns:///, or
  // ipv4:a,b) calls spread over them and leave a dead one at once.
  grpc::ChannelArguments public_args;
  public_args.SetLoadBalancingPolicyName("round_robin");
  for (const auto& [name, addr] : publics) {
    if (addr->empty()) continue;
    api_options.channels[name] =
        grpc::CreateCustomChannel(*addr, grpc::InsecureChannelCredentials(), public_args);
  }
  api_options.allowed_origins = config.http.cors_origins;
  api_options.allowed_origins.push_back(config.public_url);
  api_options.version = SHOPCAST_VERSION;
  api_options.revision = config.build_revision;
  api_options.client_config = MakeClientConfig(config);
  auto api = MakeApiHandler(std::move(api_options), p->access, p->limits, metrics);
  if (!api.ok()) return AtStep("api", api.status());
  p->api = *std::move(api);
  routes.api = p->api;
  // ---- area wiring: hls ----
  hls::HlsProxyOptions hls_options;
  hls_options.default_origin = config.hls_default_origin;
  hls_options.vod_origin = config.vod_origin;
  std::shared_ptr<grpc::Channel> video_ingest_internal;
  if (!config.video_ingest_internal_addr.empty()) {
    auto channel =
        clients::MakeInternalChannel("video-ingest", config.video_ingest_internal_addr, *p->tls);
    if (!channel.ok()) return AtStep("video_ingest_internal_addr", channel.status());
    video_ingest_internal = *std::move(channel);
  }
  if (absl::Status s = hls::ValidateHlsProxyOptions(hls_options, video_ingest_internal != nullptr);
      !s.ok()) {
    return AtStep("hls", s);
  }
  p->hls = hls::MakeHlsProxy(hls_options, video_ingest_internal, metrics);
  routes.hls = p->hls;
  // ---- area wiring: images ----
  if (!config.image_origin.empty()) {
    images::ImageProxyOptions image_options;
    image_options.origin = config.image_origin;
    if (absl::Status s = images::ValidateImageProxyOptions(image_options); !s.ok()) {
      return AtStep("image_origin", s);
    }
    p->images = images::MakeImageProxy(image_options, metrics);
    routes.images = p->images;
  }
  // ---- area wiring: ws ----
  if (!config.realtime_push_addr.empty()) {
    WsOptions ws_options;
    ws_options.heartbeat_interval = config.ws_heartbeat_interval;
    ws_options.idle_timeout = config.ws_idle_timeout;
    ws_options.max_rooms_per_socket = config.ws_max_room_subscriptions;
    ws_options.max_client_frame_bytes = static_cast<size_t>(config.ws_max_frame_bytes);
    ws_options.call_timeout = config.upstream_timeout;
    // A restarted realtime-push is found within seconds, not gRPC's default of up to 2 minutes.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetLoadBalancingPolicyName("round_robin");
    auto push = grpc::CreateCustomChannel(config.realtime_push_addr,
                                          grpc::InsecureChannelCredentials(), args);
    p->ws = MakeWebSocketHub(ws_options, push, p->access.get(), p->limits.get(), metrics);
    routes.ws = p->ws;
  }
  if (overrides.routes.api) routes.api = overrides.routes.api;
  if (overrides.routes.hls) routes.hls = overrides.routes.hls;
  if (overrides.routes.images) routes.images = overrides.routes.images;
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
  // WebSockets are told to go elsewhere (going_away) first, so clients reconnect while new HTTP
  // requests stop and those in flight finish with their upstream calls.
  if (p.ws) p.ws->Drain();
  p.http->Drain(p.config.drain_timeout);
  // ---- area stop ----
  // The hub's sockets run on the HTTP server's I/O threads, which stop next: every socket must
  // be closed and released by then (a socket outliving its I/O context is undefined behaviour).
  if (p.ws && !p.ws->WaitDrained(p.config.drain_timeout)) {
    log::Warn("ws_drain_incomplete").Kv("sockets", static_cast<int64_t>(p.ws->SocketCount()));
  }
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
