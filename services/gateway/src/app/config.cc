#include "app/config.h"

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hls/origin.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("gateway", "0.0.0.0:50062", "0.0.0.0:9102", "",
                       "none: the gateway serves no internal RPCs");

// ---- http ----
ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "HTTP listen address (plain HTTP only on loopback unless behind_tls_proxy)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain served on http_addr (TLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of tls_cert_file");
ABSL_FLAG(bool, behind_tls_proxy, false,
          "a TLS-terminating proxy (the Ingress) stands in front: plain HTTP on any address");
ABSL_FLAG(std::string, trusted_proxies, "",
          "comma-separated CIDRs whose X-Forwarded-For/-Proto are believed (the Ingress pods)");
ABSL_FLAG(std::string, cors_origins, "",
          "comma-separated origins allowed to call cross-origin (https://admin.example)");
ABSL_FLAG(std::string, image_origins, "",
          "comma-separated other origins product images may load from, e.g. a CDN (added to the "
          "CSP's img-src; not needed for /images/, which the gateway serves itself)");
ABSL_FLAG(std::string, web_root, "services/gateway/web/dist", "the built web app");
ABSL_FLAG(std::string, public_url, "",
          "how browsers reach the gateway (https://shop.example); default http://<http_addr>");
ABSL_FLAG(int, http_io_threads, 2, "HTTP I/O threads (1..64)");
ABSL_FLAG(int, http_max_connections, 10000, "open HTTP connections beyond which new ones are cut");
ABSL_FLAG(int, http_max_header_bytes, 16 * 1024, "request line + headers, bytes (431 beyond)");
ABSL_FLAG(int, http_max_url_bytes, 8 * 1024, "request target, bytes (414 beyond)");
ABSL_FLAG(int, http_max_header_count, 100, "header fields per request (431 beyond)");
ABSL_FLAG(int64_t, http_max_body_bytes, 1024 * 1024, "request body, bytes (413 beyond)");
ABSL_FLAG(int64_t, http_max_upload_bytes, 16 * 1024 * 1024,
          "request body of UploadProductImage, bytes (413 beyond)");
ABSL_FLAG(absl::Duration, http_header_timeout, absl::Seconds(10),
          "the whole request head must arrive within this");
ABSL_FLAG(absl::Duration, http_body_timeout, absl::Seconds(30),
          "the whole request body must arrive within this");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(60),
          "a kept-alive connection without a new request is closed after this");
ABSL_FLAG(absl::Duration, http_write_timeout, absl::Seconds(30),
          "a response that makes no progress for this long is abandoned");
ABSL_FLAG(absl::Duration, http_response_timeout, absl::Seconds(30),
          "a request not answered within this gets 504");

// ---- peers ----
ABSL_FLAG(std::string, user_addr, "", "host:port of the user service's public gRPC listener");
ABSL_FLAG(std::string, product_inventory_addr, "",
          "host:port of product-inventory's public gRPC listener");
ABSL_FLAG(std::string, order_addr, "", "host:port of order's public gRPC listener");
ABSL_FLAG(std::string, realtime_push_addr, "", "host:port of realtime-push's public gRPC listener");
ABSL_FLAG(std::string, video_ingest_addr, "", "host:port of video-ingest's public gRPC listener");
ABSL_FLAG(std::string, recording_lifecycle_addr, "",
          "host:port of recording-lifecycle's public gRPC listener");
ABSL_FLAG(std::string, video_ingest_internal_addr, "",
          "host:port of video-ingest's internal listener (stream placement, for the HLS proxy)");
ABSL_FLAG(absl::Duration, upstream_timeout, absl::Seconds(10),
          "deadline of each unary call to a service (100ms..60s)");
ABSL_FLAG(std::string, hls_default_origin, "",
          "http://host:port of a video-ingest HLS origin for streams no replica holds (the "
          "video-ingest Service), and for every stream when video_ingest_internal_addr is empty");
ABSL_FLAG(std::string, vod_origin, "",
          "http://host:port of recording-lifecycle's VOD origin (its Service), proxied under "
          "/vod/; empty: /vod/ answers 404");
ABSL_FLAG(std::string, image_origin, "",
          "http://host:port of product-inventory's image origin (its Service), proxied under "
          "/images/; empty: /images/ is not served");

// ---- api ----
ABSL_FLAG(std::string, rate_limits, "",
          "token buckets overriding the defaults: action=burst/per_second,… (login, register, "
          "chat, reaction, bid, reserve, checkout, other_write)");
ABSL_FLAG(int, rate_limit_max_buckets, 0, "buckets kept at most (0: the default)");

// ---- websocket ----
ABSL_FLAG(absl::Duration, ws_heartbeat_interval, absl::Seconds(15),
          "how often WebSocket clients send heartbeats (1s..5m)");
ABSL_FLAG(absl::Duration, ws_idle_timeout, absl::Seconds(45),
          "a WebSocket silent this long is closed (> ws_heartbeat_interval, <= 10m)");
ABSL_FLAG(int, ws_max_room_subscriptions, 8, "rooms one WebSocket may follow (1..100)");
ABSL_FLAG(int, ws_max_frame_bytes, 16 * 1024, "largest client frame, bytes (1KiB..1MiB)");

// ---- client configuration ----
ABSL_FLAG(std::string, rtmp_ingest_url, "", "where hosts point RTMP encoders (no key)");
ABSL_FLAG(std::string, srt_ingest_url, "", "where hosts point SRT encoders (no key)");
ABSL_FLAG(std::string, supported_currencies, "USD,EUR,GBP,CHF,JPY",
          "ISO 4217 codes prices may use (product-inventory's list)");
ABSL_FLAG(std::string, features, "auctions,flash_sales,queues,lotteries,gated_streams",
          "feature switches turned on, comma-separated (name or name=false)");
ABSL_FLAG(absl::Duration, default_hold_duration, absl::Minutes(5),
          "product-inventory's reservation hold, told to clients");
ABSL_FLAG(std::string, build_revision, "", "source revision of this build (40 hex digits)");

namespace shopcast::gateway {
namespace {

bool Within(absl::Duration d, absl::Duration lo, absl::Duration hi) { return d >= lo && d <= hi; }

std::vector<std::string> List(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

// host:port with a non-empty host and a port 1..65535; empty allowed.
absl::Status CheckAddr(const char* flag, const std::string& addr) {
  if (addr.empty()) return absl::OkStatus();
  const size_t colon = addr.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(addr).substr(colon + 1), &port) || port == 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be host:port"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(
      c, startup::ServiceConfigNeeds{/*database=*/false, /*verify_key_files=*/false}));

  // ---- http ----
  http::ServerOptions& h = c.http;
  h.listen_address = absl::GetFlag(FLAGS_http_addr);
  h.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  h.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  h.behind_tls_proxy = absl::GetFlag(FLAGS_behind_tls_proxy);
  h.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  h.cors_origins = List(absl::GetFlag(FLAGS_cors_origins));
  h.image_origins = List(absl::GetFlag(FLAGS_image_origins));
  h.io_threads = absl::GetFlag(FLAGS_http_io_threads);
  h.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  const int header_bytes = absl::GetFlag(FLAGS_http_max_header_bytes);
  const int url_bytes = absl::GetFlag(FLAGS_http_max_url_bytes);
  const int header_count = absl::GetFlag(FLAGS_http_max_header_count);
  const int64_t body_bytes = absl::GetFlag(FLAGS_http_max_body_bytes);
  const int64_t upload_bytes = absl::GetFlag(FLAGS_http_max_upload_bytes);
  if (header_bytes < 0 || url_bytes < 0 || header_count < 0 || body_bytes < 0 || upload_bytes < 0) {
    return absl::InvalidArgumentError("HTTP limits must not be negative");
  }
  h.max_header_bytes = static_cast<uint32_t>(header_bytes);
  h.max_url_bytes = static_cast<uint32_t>(url_bytes);
  h.max_header_count = static_cast<uint32_t>(header_count);
  h.max_body_bytes = static_cast<uint64_t>(body_bytes);
  h.max_upload_bytes = static_cast<uint64_t>(upload_bytes);
  h.header_timeout = absl::GetFlag(FLAGS_http_header_timeout);
  h.body_timeout = absl::GetFlag(FLAGS_http_body_timeout);
  h.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  h.write_timeout = absl::GetFlag(FLAGS_http_write_timeout);
  h.response_timeout = absl::GetFlag(FLAGS_http_response_timeout);
  RETURN_IF_ERROR(http::ValidateOptions(h));
  c.web_root = absl::GetFlag(FLAGS_web_root);
  c.public_url = absl::GetFlag(FLAGS_public_url);
  if (c.public_url.empty()) c.public_url = absl::StrCat("http://", h.listen_address);
  while (absl::EndsWith(c.public_url, "/")) c.public_url.pop_back();
  if (!absl::StartsWith(c.public_url, "http://") && !absl::StartsWith(c.public_url, "https://")) {
    return absl::InvalidArgumentError("public_url must start with http:// or https://");
  }

  // ---- peers ----
  c.user_addr = absl::GetFlag(FLAGS_user_addr);
  c.product_inventory_addr = absl::GetFlag(FLAGS_product_inventory_addr);
  c.order_addr = absl::GetFlag(FLAGS_order_addr);
  c.realtime_push_addr = absl::GetFlag(FLAGS_realtime_push_addr);
  c.video_ingest_addr = absl::GetFlag(FLAGS_video_ingest_addr);
  c.recording_lifecycle_addr = absl::GetFlag(FLAGS_recording_lifecycle_addr);
  c.video_ingest_internal_addr = absl::GetFlag(FLAGS_video_ingest_internal_addr);
  RETURN_IF_ERROR(CheckAddr("user_addr", c.user_addr));
  RETURN_IF_ERROR(CheckAddr("product_inventory_addr", c.product_inventory_addr));
  RETURN_IF_ERROR(CheckAddr("order_addr", c.order_addr));
  RETURN_IF_ERROR(CheckAddr("realtime_push_addr", c.realtime_push_addr));
  RETURN_IF_ERROR(CheckAddr("video_ingest_addr", c.video_ingest_addr));
  RETURN_IF_ERROR(CheckAddr("recording_lifecycle_addr", c.recording_lifecycle_addr));
  RETURN_IF_ERROR(CheckAddr("video_ingest_internal_addr", c.video_ingest_internal_addr));
  RETURN_IF_ERROR(CheckAddr("user_internal_addr", c.user_internal_addr));
  c.upstream_timeout = absl::GetFlag(FLAGS_upstream_timeout);
  if (!Within(c.upstream_timeout, absl::Milliseconds(100), absl::Seconds(60))) {
    return absl::InvalidArgumentError("upstream_timeout must be 100ms..60s");
  }
  c.hls_default_origin = absl::GetFlag(FLAGS_hls_default_origin);
  c.image_origin = absl::GetFlag(FLAGS_image_origin);
  c.vod_origin = absl::GetFlag(FLAGS_vod_origin);
  if (!c.vod_origin.empty() && !hls::ParseOrigin(c.vod_origin)) {
    return absl::InvalidArgumentError("vod_origin must be http://host[:port]");
  }
  if (!c.image_origin.empty() && !hls::ParseOrigin(c.image_origin)) {
    return absl::InvalidArgumentError("image_origin must be http://host[:port]");
  }

  // ---- api ----
  auto limits = ParseRateLimits(absl::GetFlag(FLAGS_rate_limits), DefaultRateLimitOptions());
  if (!limits.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("rate_limits: ", limits.status().message()));
  }
  c.rate_limits = *std::move(limits);
  if (const int max_buckets = absl::GetFlag(FLAGS_rate_limit_max_buckets); max_buckets < 0) {
    return absl::InvalidArgumentError("rate_limit_max_buckets must not be negative");
  } else if (max_buckets > 0) {
    c.rate_limits.max_buckets = static_cast<size_t>(max_buckets);
  }

  // ---- websocket ----
  c.ws_heartbeat_interval = absl::GetFlag(FLAGS_ws_heartbeat_interval);
  c.ws_idle_timeout = absl::GetFlag(FLAGS_ws_idle_timeout);
  c.ws_max_room_subscriptions = absl::GetFlag(FLAGS_ws_max_room_subscriptions);
  c.ws_max_frame_bytes = absl::GetFlag(FLAGS_ws_max_frame_bytes);
  if (!Within(c.ws_heartbeat_interval, absl::Seconds(1), absl::Minutes(5))) {
    return absl::InvalidArgumentError("ws_heartbeat_interval must be 1s..5m");
  }
  if (c.ws_idle_timeout <= c.ws_heartbeat_interval || c.ws_idle_timeout > absl::Minutes(10)) {
    return absl::InvalidArgumentError(
        "ws_idle_timeout must be longer than ws_heartbeat_interval and at most 10m");
  }
  if (c.ws_max_room_subscriptions < 1 || c.ws_max_room_subscriptions > 100) {
    return absl::InvalidArgumentError("ws_max_room_subscriptions must be 1..100");
  }
  if (c.ws_max_frame_bytes < 1024 || c.ws_max_frame_bytes > 1024 * 1024) {
    return absl::InvalidArgumentError("ws_max_frame_bytes must be 1KiB..1MiB");
  }

  // ---- client configuration ----
  c.rtmp_ingest_url = absl::GetFlag(FLAGS_rtmp_ingest_url);
  c.srt_ingest_url = absl::GetFlag(FLAGS_srt_ingest_url);
  c.supported_currencies = List(absl::GetFlag(FLAGS_supported_currencies));
  for (const std::string& code : c.supported_currencies) {
    if (code.size() != 3 || !absl::ascii_isupper(code[0]) || !absl::ascii_isupper(code[1]) ||
        !absl::ascii_isupper(code[2])) {
      return absl::InvalidArgumentError("supported_currencies must be ISO 4217 codes (USD,EUR)");
    }
  }
  for (const std::string& entry : List(absl::GetFlag(FLAGS_features))) {
    std::vector<std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    bool on = true;
    if (kv.size() == 2 && !absl::SimpleAtob(kv[1], &on)) {
      return absl::InvalidArgumentError(
          "features must be name or name=true|false, comma-separated");
    }
    if (kv[0].empty()) return absl::InvalidArgumentError("features: empty feature name");
    c.features[kv[0]] = on;
  }
  c.default_hold_duration = absl::GetFlag(FLAGS_default_hold_duration);
  if (!Within(c.default_hold_duration, absl::Minutes(1), absl::Minutes(10))) {
    return absl::InvalidArgumentError("default_hold_duration must be 1m..10m");
  }
  c.build_revision = absl::GetFlag(FLAGS_build_revision);
  if (!c.build_revision.empty()) {
    bool hex = c.build_revision.size() == 40;
    for (char ch : c.build_revision) hex = hex && absl::ascii_isxdigit(ch);
    if (!hex) return absl::InvalidArgumentError("build_revision must be 40 hex digits");
  }
  return c;
}

}  // namespace shopcast::gateway
