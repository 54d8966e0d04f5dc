#include "hls/hls_proxy.h"

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hls/hls_target.h"
#include "hls/origin.h"
#include "hls/proxy_metrics.h"
#include "hls/route_table.h"
#include "hls/upstream_client.h"
#include "shopcast/log/log.h"

namespace shopcast::gateway::hls {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// Request headers a player may send that the origin acts on; nothing else goes upstream (no
// cookies, no Authorization: the origin needs neither, gated streams carry their token in the
// query).
constexpr std::array<http::field, 3> kForwardedRequestHeaders = {
    http::field::range, http::field::if_none_match, http::field::if_modified_since};

// The origin's headers that reach the client (Content-Length is set from the body, or copied
// for HEAD).
constexpr std::array<http::field, 6> kRelayedResponseHeaders = {
    http::field::content_type,  http::field::cache_control, http::field::etag,
    http::field::last_modified, http::field::content_range, http::field::accept_ranges};

HttpResponse Text(const HttpRequest& request, http::status status, std::string_view text) {
  HttpResponse res(status, request.version());
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::string(text) + "\n";
  res.prepare_payload();
  if (request.method() == http::verb::head) res.body().clear();  // Content-Length stays
  return res;
}

std::string_view OutcomeOf(unsigned status) {
  if (status == 304) return "not_modified";
  if (status >= 500) return "origin_5xx";
  if (status >= 400) return "origin_4xx";
  return "ok";
}

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(HlsProxyOptions options, std::shared_ptr<grpc::Channel> channel,
       prometheus::Registry* registry)
      : options_(std::move(options)), metrics_(registry) {
    RouteTableOptions route_options;
    route_options.default_origin = options_.default_origin;
    route_options.ttl = options_.route_cache_ttl;
    route_options.lookup_timeout = options_.lookup_timeout;
    route_options.max_entries = options_.max_cached_routes;
    routes_ = std::make_shared<RouteTable>(route_options, std::move(channel), &metrics_);
    if (!options_.vod_origin.empty()) vod_origin_ = ParseOrigin(options_.vod_origin);
    UpstreamOptions upstream;
    upstream.connect_timeout = options_.connect_timeout;
    upstream.exchange_timeout = options_.upstream_timeout;
    upstream.max_response_bytes = options_.max_response_bytes;
    upstream.max_connections_per_origin = options_.max_connections_per_origin;
    upstream.max_idle_per_origin = options_.max_idle_per_origin;
    upstream.idle_timeout = options_.idle_timeout;
    io_ = std::make_unique<asio::io_context>(1);
    work_.emplace(io_->get_executor());
    client_ = std::make_unique<UpstreamClient>(*io_, upstream, &metrics_);
    thread_ = std::thread([this] { io_->run(); });
  }

  ~Core() { Close(); }

  // Called by the proxy's owner before it lets the proxy go, so that the last reference to this
  // is never dropped on a gRPC or I/O thread. The route lookups first (each answers its requests
  // with 503 and the I/O thread still takes what they start); then the I/O thread; then idle
  // connections; then the io_context, which destroys the exchanges still waiting (their
  // connections release their counts in the client); then the client. Idempotent.
  void Close() {
    if (closed_.exchange(true)) return;
    routes_->Close();
    work_.reset();
    io_->stop();
    thread_.join();
    client_->CloseIdle();
    io_.reset();
    client_.reset();
  }

  void Handle(HttpRequest request, const RequestContext& context, Responder respond) {
    const std::string_view target(request.target().data(), request.target().size());
    const bool vod = target.substr(0, 5) == "/vod/" || target == "/vod";
    if (vod && !vod_origin_) {
      metrics_.Request("vod");
      std::move(respond)(Text(request, http::status::not_found, "recordings are not served yet"));
      return;
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      metrics_.Request("bad_method");
      HttpResponse res = Text(request, http::status::method_not_allowed, "method not allowed");
      res.set(http::field::allow, "GET, HEAD");
      std::move(respond)(std::move(res));
      return;
    }
    std::optional<LiveTarget> live;
    if (vod) {
      // A recording: the same exchange, to the VOD origin (no route lookup).
      if (std::optional<VodTarget> v = ParseVodTarget(target)) {
        live = LiveTarget{v->recording_id, v->path, v->query, absl::EndsWith(v->path, ".m3u8")};
      }
    } else {
      live = ParseLiveTarget(target);
    }
    if (!live && !vod) {
      // A show's address as notifications give it, opened in a browser: its watch page.
      if (std::optional<std::string> page = WatchPageFor(target)) {
        metrics_.Request("watch_redirect");
        HttpResponse res = Text(request, http::status::found, "the show's page");
        res.set(http::field::location, *page);
        std::move(respond)(std::move(res));
        return;
      }
    }
    if (!live) {
      metrics_.Request("bad_path");
      std::move(respond)(Text(request, http::status::not_found, "not found"));
      return;
    }
    // What goes upstream: the method, the target byte for byte, and the conditional and range
    // headers; the request id so the origin's logs line up with ours.
    HttpRequest upstream(request.method(), request.target(), 11);
    for (http::field f : kForwardedRequestHeaders) {
      if (auto it = request.find(f); it != request.end()) upstream.set(f, it->value());
    }
    upstream.set("X-Request-Id", context.request_id);
    const bool head = request.method() == http::verb::head;
    const unsigned version = request.version();
    auto state =
        std::make_shared<Pending>(Pending{std::move(*live), context.request_id, std::move(respond),
                                          head, version, std::move(upstream)});
    if (vod) {
      const Origin origin = *vod_origin_;
      client_->Fetch(origin, state->upstream, [this, state, origin](UpstreamResult result) {
        OnUpstream(state, origin, /*cached=*/false, std::move(result));
      });
      return;
    }
    Dispatch(state);
  }

 private:
  struct Pending {
    LiveTarget target;
    std::string request_id;
    Responder respond;
    bool head = false;
    unsigned version = 11;
    HttpRequest upstream;  // kept for one retry on a fresh route
    bool retried = false;
  };

  void Fail(Pending& p, http::status status, std::string_view outcome, std::string_view text) {
    metrics_.Request(outcome);
    HttpRequest shape(p.head ? http::verb::head : http::verb::get, "/", p.version);
    std::move(p.respond)(Text(shape, status, text));
  }

  void Dispatch(const std::shared_ptr<Pending>& state) {
    // The lookup may answer (on a gRPC thread) after the proxy is gone: then nobody is told.
    routes_->Resolve(state->target.stream_id,
                     [weak = weak_from_this(), state](absl::StatusOr<Route> route) {
                       if (std::shared_ptr<Core> self = weak.lock()) {
                         self->OnRoute(state, std::move(route));
                       }
                     });
  }

  void OnRoute(const std::shared_ptr<Pending>& p, absl::StatusOr<Route> route) {
    if (!route.ok()) {
      if (absl::IsNotFound(route.status())) {
        Fail(*p, http::status::not_found, "unknown_stream", "stream not found");
      } else {
        Fail(*p, http::status::service_unavailable, "no_route", "stream directory unavailable");
      }
      return;
    }
    Origin origin = route->origin;
    const bool cached = route->cached;
    client_->Fetch(origin, p->upstream,
                   // Runs on the I/O thread, which ~Core joins before anything here dies.
                   [this, p, origin, cached](UpstreamResult result) {
                     OnUpstream(p, origin, cached, std::move(result));
                   });
  }

  void OnUpstream(const std::shared_ptr<Pending>& state, const Origin& origin, bool cached,
                  UpstreamResult result) {
    Pending& p = *state;
    metrics_.UpstreamLatency(result.seconds);
    if (!result.status.ok()) {
      // A route learned a while ago may be stale (the encoder moved, the replica went away):
      // forget it, and when the origin could not be reached at all, ask again and retry once.
      if (cached) {
        routes_->Invalidate(p.target.stream_id, origin.key());
        if (absl::IsUnavailable(result.status) && !p.retried) {
          p.retried = true;
          log::Info("hls_route_retry")
              .Kv("request_id", p.request_id)
              .Kv("stream_id", p.target.stream_id)
              .Kv("origin", origin.host_header);
          Dispatch(state);
          return;
        }
      }
      log::Warn("hls_upstream_failed")
          .Kv("request_id", p.request_id)
          .Kv("stream_id", p.target.stream_id)
          .Kv("file", p.target.file_name)  // never the query: it may carry a token
          .Kv("origin", origin.host_header)
          .Kv("error", result.status.message())
          .Kv("seconds", result.seconds);
      if (absl::IsDeadlineExceeded(result.status)) {
        Fail(p, http::status::gateway_timeout, "upstream_timeout", "upstream timed out");
      } else if (absl::IsResourceExhausted(result.status) &&
                 result.status.message() == "overloaded") {
        Fail(p, http::status::service_unavailable, "overloaded", "too many upstream requests");
      } else if (absl::IsResourceExhausted(result.status)) {
        Fail(p, http::status::bad_gateway, "upstream_too_large", "upstream response too large");
      } else {
        Fail(p, http::status::bad_gateway, "upstream_unavailable", "upstream unavailable");
      }
      return;
    }
    const HttpResponse& in = result.response;
    HttpResponse out(in.result(), p.version);
    for (http::field f : kRelayedResponseHeaders) {
      if (auto it = in.find(f); it != in.end()) out.set(f, it->value());
    }
    if (p.head) {
      if (auto it = in.find(http::field::content_length); it != in.end()) {
        out.set(http::field::content_length, it->value());
      }
    } else if (out.result() != http::status::not_modified) {
      out.body() = std::move(result.response.body());
      out.content_length(out.body().size());
      metrics_.BytesRelayed(out.body().size());
    }
    metrics_.Request(OutcomeOf(out.result_int()));
    std::move(p.respond)(std::move(out));
  }

  const HlsProxyOptions options_;
  ProxyMetrics metrics_;
  std::optional<Origin> vod_origin_;
  std::shared_ptr<RouteTable> routes_;
  std::unique_ptr<UpstreamClient> client_;
  std::unique_ptr<asio::io_context> io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::atomic<bool> closed_{false};
};

class HlsProxy : public RouteHandler {
 public:
  HlsProxy(HlsProxyOptions options, std::shared_ptr<grpc::Channel> channel,
           prometheus::Registry* registry)
      : core_(std::make_shared<Core>(std::move(options), std::move(channel), registry)) {}
  ~HlsProxy() override { core_->Close(); }
  void Handle(HttpRequest request, const RequestContext& context, Responder respond) override {
    core_->Handle(std::move(request), context, std::move(respond));
  }

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace

absl::Status ValidateHlsProxyOptions(const HlsProxyOptions& o, bool has_lookup_channel) {
  if (!o.default_origin.empty() && !ParseOrigin(o.default_origin)) {
    return absl::InvalidArgumentError("hls_default_origin must be http://host[:port]");
  }
  if (!o.vod_origin.empty() && !ParseOrigin(o.vod_origin)) {
    return absl::InvalidArgumentError("vod_origin must be http://host[:port]");
  }
  if (!has_lookup_channel && o.default_origin.empty()) {
    return absl::InvalidArgumentError(
        "the HLS proxy needs video-ingest's internal address or hls_default_origin");
  }
  if (o.route_cache_ttl < absl::ZeroDuration() || o.route_cache_ttl > absl::Minutes(1)) {
    return absl::InvalidArgumentError("hls_route_cache_ttl must be between 0 and 1m");
  }
  if (o.lookup_timeout <= absl::ZeroDuration() || o.connect_timeout <= absl::ZeroDuration() ||
      o.upstream_timeout <= o.connect_timeout) {
    return absl::InvalidArgumentError(
        "HLS proxy timeouts must be positive, upstream_timeout above connect_timeout");
  }
  if (o.max_response_bytes < 1024 || o.max_connections_per_origin < 1 ||
      o.max_idle_per_origin < 0 || o.max_cached_routes < 1) {
    return absl::InvalidArgumentError("HLS proxy limits are out of range");
  }
  return absl::OkStatus();
}

std::shared_ptr<RouteHandler> MakeHlsProxy(HlsProxyOptions options,
                                           std::shared_ptr<grpc::Channel> video_ingest_internal,
                                           prometheus::Registry* registry) {
  return std::make_shared<HlsProxy>(std::move(options), std::move(video_ingest_internal), registry);
}

}  // namespace shopcast::gateway::hls
