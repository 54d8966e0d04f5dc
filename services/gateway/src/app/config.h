#pragma once

// gateway's configuration, from flags with SHOPCAST_GATEWAY_* environment fallback.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/server.h"
#include "limits/token_buckets.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::gateway {

// The shared settings (gRPC listener for health and GatewayService, metrics, the internal TLS
// identity the gateway presents to the services' internal listeners, token issuer/audience,
// revocations, shutdown, logging) come from startup::ServiceConfig; the gateway has no
// database (db_dsn and db_pool_size are unused) and fetches verifying keys from the user
// service (verify_key_files optional). The areas' own follow.
struct Config : startup::ServiceConfig {
  // ---- http ----
  // Listener, TLS, trusted proxies, CORS, limits and timeouts of the public HTTP server.
  http::ServerOptions http;
  // The built web app (services/gateway/web/dist); missing = a page saying it is not built.
  std::string web_root;
  // How browsers reach this gateway ("https://shop.example"); the base of the client
  // configuration's URLs. Default: http://<http_addr>.
  std::string public_url;

  // ---- peers: the services' public gRPC listeners (empty = that area's calls fail) ----
  std::string user_addr;
  std::string product_inventory_addr;
  std::string order_addr;
  std::string realtime_push_addr;
  std::string video_ingest_addr;
  std::string recording_lifecycle_addr;
  // video-ingest's internal listener (which replica holds a stream: the HLS proxy).
  std::string video_ingest_internal_addr;
  // Deadline of each unary call to a service.
  absl::Duration upstream_timeout = absl::Seconds(10);
  // The HLS origin for streams no replica holds ("" = 404 for them); see src/hls.
  std::string hls_default_origin;
  // recording-lifecycle's VOD origin, "http://host[:port]", served under /vod/ ("" = 404).
  std::string vod_origin;
  // product-inventory's image origin, "http://host[:port]", served under /images/ ("" = /images/
  // is not served); see src/images.
  std::string image_origin;

  // ---- api ----
  RateLimitOptions rate_limits = DefaultRateLimitOptions();

  // ---- websocket (the hub's settings, also told to clients) ----
  absl::Duration ws_heartbeat_interval = absl::Seconds(15);
  absl::Duration ws_idle_timeout = absl::Seconds(45);
  int ws_max_room_subscriptions = 8;
  int ws_max_frame_bytes = 16 * 1024;

  // ---- client configuration (GetClientConfig) ----
  std::string rtmp_ingest_url;
  std::string srt_ingest_url;
  std::vector<std::string> supported_currencies;
  std::map<std::string, bool> features;
  absl::Duration default_hold_duration = absl::Minutes(5);
  // ---- server info (GetServerInfo) ----
  std::string build_revision;  // 40 hex digits or empty
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::gateway
