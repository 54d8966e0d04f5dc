#include "images/image_proxy.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "api/errors.h"
#include "hls/origin.h"
#include "hls/upstream_client.h"
#include "images/image_key.h"
#include "images/image_metrics.h"
#include "shopcast/gateway/v1/gateway.pb.h"
#include "shopcast/log/log.h"

namespace shopcast::gateway::images {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// Renditions are content-addressed: a key never names other bytes.
constexpr char kImmutable[] = "public, max-age=31536000, immutable";
// Opened directly, an image is still only an image (as product-inventory's origin says too).
constexpr char kImageCsp[] = "default-src 'none'; sandbox";

// One of the gateway's JSON errors with an HTTP status of our choosing (502 and 405 are not in
// the gRPC code table).
HttpResponse Error(http::status status, absl::StatusCode code, std::string_view reason,
                   std::string_view message, const std::string& request_id) {
  v1::HttpError error;
  error.set_code(api::CodeName(code));
  error.set_message(std::string(message));
  error.mutable_error_info()->set_reason(std::string(reason));
  error.mutable_error_info()->set_domain("gateway");
  HttpResponse res = api::ErrorResponse(std::move(error), request_id);
  res.result(status);
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

// "image/webp; charset=x" → "image/webp", lower-cased.
std::string MediaType(absl::string_view value) {
  absl::string_view type = value.substr(0, value.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

class Core {
 public:
  Core(ImageProxyOptions options, prometheus::Registry* registry)
      : options_(std::move(options)),
        origin_(*hls::ParseOrigin(options_.origin)),
        metrics_(registry) {
    hls::UpstreamOptions upstream;
    upstream.connect_timeout = options_.connect_timeout;
    upstream.exchange_timeout = options_.upstream_timeout;
    upstream.max_response_bytes = options_.max_response_bytes;
    upstream.max_connections_per_origin = options_.max_connections;
    upstream.max_idle_per_origin = options_.max_idle;
    upstream.idle_timeout = options_.idle_timeout;
    io_ = std::make_unique<asio::io_context>(1);
    work_.emplace(io_->get_executor());
    client_ = std::make_unique<hls::UpstreamClient>(*io_, upstream, &metrics_);
    thread_ = std::thread([this] { io_->run(); });
  }

  ~Core() {
    // As the HLS proxy: the I/O thread first, then idle connections, then the exchanges still
    // waiting (destroyed with the io_context), then the client.
    work_.reset();
    io_->stop();
    thread_.join();
    client_->CloseIdle();
    io_.reset();
    client_.reset();
  }

  void Handle(HttpRequest request, const RequestContext& context, Responder respond) {
    const std::string& rid = context.request_id;
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      metrics_.Request("bad_method");
      HttpResponse res = Error(http::status::method_not_allowed, absl::StatusCode::kUnimplemented,
                               "METHOD_NOT_ALLOWED", "use GET or HEAD", rid);
      res.set(http::field::allow, "GET, HEAD");
      std::move(respond)(std::move(res));
      return;
    }
    ImageTarget target =
        ParseImageTarget(std::string_view(request.target().data(), request.target().size()));
    if (target.check == KeyCheck::kMissing) {
      metrics_.Request("not_found");
      std::move(respond)(Error(http::status::not_found, absl::StatusCode::kNotFound,
                               "IMAGE_NOT_FOUND", "no image named", rid));
      return;
    }
    if (target.check != KeyCheck::kOk) {
      metrics_.Request("bad_key");
      std::move(respond)(Error(http::status::bad_request, absl::StatusCode::kInvalidArgument,
                               "IMAGE_KEY_INVALID", "not an image key (<sha256 hex>.webp or .jpg)",
                               rid));
      return;
    }
    // What goes upstream: the method, the key under the origin's own path, If-None-Match, and
    // the request id so the origin's logs line up with ours. Nothing else (no cookies, no
    // Authorization, no query).
    HttpRequest upstream(request.method(), std::string(kPathPrefix) + target.key, 11);
    if (auto it = request.find(http::field::if_none_match); it != request.end()) {
      upstream.set(http::field::if_none_match, it->value());
    }
    upstream.set("X-Request-Id", rid);
    auto pending = std::make_shared<Pending>();
    pending->target = std::move(target);
    pending->request_id = rid;
    pending->respond = std::move(respond);
    pending->head = request.method() == http::verb::head;
    pending->version = request.version();
    pending->upstream = std::move(upstream);
    Fetch(pending);
  }

 private:
  struct Pending {
    ImageTarget target;
    std::string request_id;
    Responder respond;
    bool head = false;
    unsigned version = 11;
    HttpRequest upstream;  // kept for one retry
    bool retried = false;
  };

  void Fetch(const std::shared_ptr<Pending>& p) {
    // Runs on the I/O thread, which ~Core joins before anything here dies.
    client_->Fetch(origin_, p->upstream,
                   [this, p](hls::UpstreamResult result) { OnUpstream(p, std::move(result)); });
  }

  void Fail(Pending& p, std::string_view outcome, http::status status, absl::StatusCode code,
            std::string_view reason, std::string_view message) {
    metrics_.Request(outcome);
    HttpResponse res = Error(status, code, reason, message, p.request_id);
    res.version(p.version);
    std::move(p.respond)(std::move(res));
  }

  void OnUpstream(const std::shared_ptr<Pending>& state, hls::UpstreamResult result) {
    Pending& p = *state;
    metrics_.UpstreamLatency(result.seconds);
    if (!result.status.ok()) {
      // Refused or reset before an answer: GET and HEAD are safe to send once more, on a fresh
      // connection (through a Service, usually to another replica).
      if (absl::IsUnavailable(result.status) && !p.retried) {
        p.retried = true;
        Fetch(state);
        return;
      }
      log::Warn("images_upstream_failed")
          .Kv("request_id", p.request_id)
          .Kv("key", p.target.key)
          .Kv("origin", origin_.host_header)
          .Kv("error", result.status.message())
          .Kv("seconds", result.seconds);
      if (absl::IsDeadlineExceeded(result.status)) {
        Fail(p, "upstream_timeout", http::status::gateway_timeout,
             absl::StatusCode::kDeadlineExceeded, "IMAGE_ORIGIN_TIMEOUT",
             "the image origin did not answer in time");
      } else if (absl::IsResourceExhausted(result.status) &&
                 result.status.message() == "overloaded") {
        Fail(p, "overloaded", http::status::service_unavailable, absl::StatusCode::kUnavailable,
             "OVERLOADED", "too many image requests at once");
      } else if (absl::IsResourceExhausted(result.status)) {
        Fail(p, "upstream_too_large", http::status::bad_gateway, absl::StatusCode::kUnavailable,
             "IMAGE_TOO_LARGE", "the image is larger than this gateway relays");
      } else {
        Fail(p, "upstream_unavailable", http::status::bad_gateway, absl::StatusCode::kUnavailable,
             "IMAGE_ORIGIN_UNAVAILABLE", "the image origin cannot be reached");
      }
      return;
    }
    HttpResponse& in = result.response;
    const unsigned status = in.result_int();
    if (status == 404) {
      Fail(p, "not_found", http::status::not_found, absl::StatusCode::kNotFound, "IMAGE_NOT_FOUND",
           "no such image");
      return;
    }
    std::string content_type;
    if (auto it = in.find(http::field::content_type); it != in.end()) {
      content_type = std::string(it->value());
    }
    const bool type_ok = status == 304 || MediaType(content_type) == p.target.content_type;
    if ((status != 200 && status != 304) || !type_ok) {
      log::Warn("images_origin_bad_answer")
          .Kv("request_id", p.request_id)
          .Kv("key", p.target.key)
          .Kv("origin", origin_.host_header)
          .Kv("status", static_cast<int64_t>(status))
          .Kv("content_type", content_type);
      Fail(p, "origin_error", http::status::bad_gateway, absl::StatusCode::kUnavailable,
           "IMAGE_ORIGIN_FAILED", "the image origin answered unexpectedly");
      return;
    }
    HttpResponse out(in.result(), p.version);
    if (!content_type.empty()) out.set(http::field::content_type, content_type);
    if (auto it = in.find(http::field::etag); it != in.end()) {
      out.set(http::field::etag, it->value());
    }
    if (auto it = in.find(http::field::cache_control); it != in.end()) {
      out.set(http::field::cache_control, it->value());
    } else {
      out.set(http::field::cache_control, kImmutable);
    }
    out.set("X-Content-Type-Options", "nosniff");
    out.set("Content-Security-Policy", kImageCsp);
    if (status == 304) {
      metrics_.Request("not_modified");
    } else {
      if (p.head) {
        if (auto it = in.find(http::field::content_length); it != in.end()) {
          out.set(http::field::content_length, it->value());
        }
      } else {
        out.body() = std::move(in.body());
        out.content_length(out.body().size());
        metrics_.BytesRelayed(out.body().size());
      }
      metrics_.Request("ok");
    }
    std::move(p.respond)(std::move(out));
  }

  const ImageProxyOptions options_;
  const hls::Origin origin_;
  ImageMetrics metrics_;
  std::unique_ptr<hls::UpstreamClient> client_;
  std::unique_ptr<asio::io_context> io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

class ImageProxy : public RouteHandler {
 public:
  ImageProxy(ImageProxyOptions options, prometheus::Registry* registry)
      : core_(std::make_unique<Core>(std::move(options), registry)) {}
  void Handle(HttpRequest request, const RequestContext& context, Responder respond) override {
    core_->Handle(std::move(request), context, std::move(respond));
  }

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace

absl::Status ValidateImageProxyOptions(const ImageProxyOptions& o) {
  if (!hls::ParseOrigin(o.origin)) {
    return absl::InvalidArgumentError("image_origin must be http://host[:port]");
  }
  if (o.connect_timeout <= absl::ZeroDuration() || o.upstream_timeout <= o.connect_timeout) {
    return absl::InvalidArgumentError(
        "image proxy timeouts must be positive, upstream_timeout above connect_timeout");
  }
  if (o.max_response_bytes < 1024 || o.max_connections < 1 || o.max_idle < 0 ||
      o.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("image proxy limits are out of range");
  }
  return absl::OkStatus();
}

std::shared_ptr<RouteHandler> MakeImageProxy(ImageProxyOptions options,
                                             prometheus::Registry* registry) {
  return std::make_shared<ImageProxy>(std::move(options), registry);
}

}  // namespace shopcast::gateway::images
