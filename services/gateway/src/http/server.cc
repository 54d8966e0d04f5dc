#include "http/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "http/edge_policy.h"
#include "http/request_rules.h"
#include "http/server_metrics.h"
#include "shopcast/log/log.h"

namespace shopcast::gateway::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// Bytes asked for when waiting for the next request on a kept-alive connection.
constexpr size_t kFirstReadBytes = 1024;
// Pause before accepting again after an accept error (out of descriptors, typically).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Longest path kept for a log line.
constexpr size_t kLoggedPathBytes = 200;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

struct ListenAddress {
  net::ip::address address;
  uint16_t port = 0;
};

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address is not host:port: '", host_port, "'"));
  }
  absl::string_view host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in '", host_port, "'"));
  }
  boost::system::error_code ec;
  ListenAddress out;
  out.address = net::ip::make_address(host.empty() ? "0.0.0.0" : std::string(host), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", host_port, "' is not an IP address and port"));
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

absl::string_view Av(boost::beast::string_view s) { return {s.data(), s.size()}; }

// RFC 9112 §6: how a request's body is delimited must be beyond doubt, or a proxy in front of us
// and we could split the bytes into different requests (request smuggling). Only "chunked" is
// understood as a transfer coding; with any other last coding the body's length is unknown
// (400, then the connection is closed, as Reject does); another coding before chunked is not
// supported (501). Transfer-Encoding beside Content-Length, or in an HTTP/1.0 request, is
// faulty framing too.
absl::Status CheckFraming(const HttpRequest& req) {
  const auto codings = req.equal_range(bhttp::field::transfer_encoding);
  if (codings.first == codings.second) return absl::OkStatus();
  if (req.version() < 11) {
    return absl::InvalidArgumentError("Transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  if (req.find(bhttp::field::content_length) != req.end()) {
    return absl::InvalidArgumentError(
        "a request has Content-Length or Transfer-Encoding, not both");
  }
  std::vector<std::string> list;
  for (auto it = codings.first; it != codings.second; ++it) {
    for (absl::string_view c : absl::StrSplit(Av(it->value()), ',')) {
      list.push_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(c)));
    }
  }
  if (list.back() != "chunked") {
    return absl::InvalidArgumentError(
        "the request body's length cannot be determined: chunked "
        "must be the last transfer coding");
  }
  if (list.size() > 1) {
    return absl::UnimplementedError("only the chunked transfer coding is supported");
  }
  return absl::OkStatus();
}

// A response the server writes itself: JSON shaped like gateway.v1.HttpError.
HttpResponse ErrorResponse(bhttp::status status, absl::string_view code, absl::string_view reason,
                           absl::string_view message, const std::string& request_id) {
  HttpResponse r{status, 11};
  r.set(bhttp::field::content_type, "application/json");
  r.set(bhttp::field::cache_control, "no-store");
  // Every piece is ours (constants, and an id of [A-Za-z0-9._-]): nothing to escape.
  r.body() = absl::StrCat(R"({"code":")", code, R"(","message":")", message,
                          R"(","errorInfo":{"reason":")", reason,
                          R"(","domain":"gateway"},"requestId":")", request_id, R"("})");
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is between requests; otherwise its response says close.
  virtual void Drain() = 0;
  // Closes the connection now.
  virtual void Cut() = 0;
};

// What every connection of one server shares.
struct Core {
  Core(ServerOptions o, Routes r, EdgePolicy p, std::vector<Cidr> t, prometheus::Registry* reg)
      : options(std::move(o)),
        routes(std::move(r)),
        policy(std::move(p)),
        trusted(std::move(t)),
        metrics(reg) {}

  const ServerOptions options;
  const Routes routes;
  const EdgePolicy policy;
  const std::vector<Cidr> trusted;
  ServerMetrics metrics;
  std::atomic<bool> draining{false};

  // Guards posting onto the I/O context from other threads (responders): once `stopped`, the
  // context may be gone and nothing is posted.
  absl::Mutex post_mu;
  bool stopped ABSL_GUARDED_BY(post_mu) = false;

  absl::Mutex mu;
  absl::flat_hash_map<SessionBase*, std::weak_ptr<SessionBase>> sessions ABSL_GUARDED_BY(mu);

  void Register(SessionBase* s, std::weak_ptr<SessionBase> w) {
    absl::MutexLock lock(&mu);
    sessions.emplace(s, std::move(w));
    metrics.ConnectionOpened();
  }
  void Unregister(SessionBase* s) {
    absl::MutexLock lock(&mu);
    if (sessions.erase(s) > 0) metrics.ConnectionClosed();
  }
  int Count() {
    absl::MutexLock lock(&mu);
    return static_cast<int>(sessions.size());
  }
  std::vector<std::shared_ptr<SessionBase>> Snapshot() {
    absl::MutexLock lock(&mu);
    std::vector<std::shared_ptr<SessionBase>> out;
    for (auto& [raw, weak] : sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }
};

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;

  Session(Stream stream, tcp::endpoint peer, std::shared_ptr<Core> core)
      : stream_(std::move(stream)),
        executor_(beast::get_lowest_layer(stream_).get_executor()),
        peer_(std::move(peer)),
        core_(std::move(core)),
        // Room for a full head plus the start of a pipelined one; a client can never make it
        // grow without bound.
        buffer_(2 * static_cast<size_t>(core_->options.max_header_bytes) + kFirstReadBytes),
        response_timer_(executor_) {}

  ~Session() override { core_->Unregister(this); }

  void Start() {
    core_->Register(this, this->weak_from_this());
    net::dispatch(executor_, [self = this->shared_from_this()] { self->Begin(); });
  }

  void Drain() override {
    net::post(executor_, [self = this->shared_from_this()] {
      if (self->state_ == State::kIdle || self->state_ == State::kHandshake) self->Close();
    });
  }

  void Cut() override {
    net::post(executor_, [self = this->shared_from_this()] { self->Close(); });
  }

 private:
  enum class State { kHandshake, kIdle, kHead, kBody, kHandling, kWriting, kClosed, kHandedOver };

  // What the server knows of the request being answered.
  struct Current {
    RequestContext context;
    std::chrono::steady_clock::time_point started;
    Area area = Area::kWeb;
    std::string method;
    std::string path;  // For logs: no query string, truncated.
    std::string host;
    std::string origin;
    unsigned version = 11;
    bool keep_alive = false;
    bool head = false;
  };

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    if constexpr (kTls) {
      state_ = State::kHandshake;
      Tcp().expires_after(ToChrono(core_->options.header_timeout));
      stream_.async_handshake(
          ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      WaitForRequest();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      core_->metrics.Rejected(ec == beast::error::timeout ? "tls_handshake_timeout"
                                                          : "tls_handshake_failed");
      Close();
      return;
    }
    WaitForRequest();
  }

  void WaitForRequest() {
    state_ = State::kIdle;
    if (core_->draining.load()) {
      Close();
      return;
    }
    if (buffer_.size() > 0) {  // A pipelined request is already here.
      ReadHead();
      return;
    }
    Tcp().expires_after(ToChrono(core_->options.idle_timeout));
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->OnFirstBytes(ec, n);
                            });
  }

  void OnFirstBytes(beast::error_code ec, size_t n) {
    if (ec) {
      if (ec == beast::error::timeout) core_->metrics.Rejected("idle_timeout");
      Close();
      return;
    }
    buffer_.commit(n);
    ReadHead();
  }

  void ReadHead() {
    state_ = State::kHead;
    parser_.emplace();
    parser_->header_limit(core_->options.max_header_bytes);
    // The largest limit of any path; the request's own is applied once its target is known.
    parser_->body_limit(std::max(core_->options.max_body_bytes, core_->options.max_upload_bytes));
    // One deadline for the whole head, however slowly it trickles in: this cuts slow-loris.
    Tcp().expires_after(ToChrono(core_->options.header_timeout));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t n) { self->OnHead(ec, n); });
  }

  void OnHead(beast::error_code ec, size_t n) {
    core_->metrics.BytesReceived(n);
    if (ec) {
      cur_ = Current{};
      cur_.context.request_id = NewRequestId();
      cur_.context.client_address = ClientAddress(peer_.address(), "", {});
      cur_.context.secure = kTls;
      cur_.started = std::chrono::steady_clock::now();
      cur_.context.received = absl::Now();
      if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        Reject(bhttp::status::request_header_fields_too_large, "INVALID_ARGUMENT",
               "REQUEST_HEADERS_TOO_LARGE", "the request head is too large", "head_too_large");
      } else if (ec == bhttp::error::body_limit) {
        Reject(bhttp::status::payload_too_large, "INVALID_ARGUMENT", "BODY_TOO_LARGE",
               "the request body is too large", "body_too_large");
      } else if (ec == beast::error::timeout) {
        core_->metrics.Rejected("header_timeout");
        Close();
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        Reject(bhttp::status::bad_request, "INVALID_ARGUMENT", "MALFORMED_REQUEST",
               "the request is not well-formed HTTP/1.1", "malformed");
      } else {
        Close();  // Closed or reset by the client: nothing to answer.
      }
      return;
    }
    BeginRequest();
  }

  void BeginRequest() {
    const HttpRequest& req = parser_->get();
    const ServerOptions& o = core_->options;
    cur_ = Current{};
    cur_.started = std::chrono::steady_clock::now();
    cur_.context.received = absl::Now();
    cur_.context.request_id = RequestIdFor(Av(req["X-Request-Id"]));
    std::string forwarded_for;
    const auto hops = req.equal_range("X-Forwarded-For");
    for (auto it = hops.first; it != hops.second; ++it) {
      if (!forwarded_for.empty()) forwarded_for.push_back(',');
      forwarded_for.append(it->value().data(), it->value().size());
    }
    cur_.context.client_address = ClientAddress(peer_.address(), forwarded_for, core_->trusted);
    bool secure = kTls;
    if (!secure && InAnyCidr(peer_.address(), core_->trusted)) {
      secure =
          absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(Av(req["X-Forwarded-Proto"])), "https");
    }
    cur_.context.secure = secure;
    cur_.method = std::string(req.method_string());
    cur_.version = req.version() == 10 ? 10 : 11;
    cur_.keep_alive = req.keep_alive();
    cur_.head = req.method() == bhttp::verb::head;
    cur_.host = std::string(req[bhttp::field::host]);
    cur_.origin = std::string(req[bhttp::field::origin]);
    const absl::string_view target(req.target().data(), req.target().size());
    const absl::string_view path = PathOf(target);
    cur_.path = std::string(path.substr(0, kLoggedPathBytes));
    cur_.area = AreaOf(path);

    if (target.size() > o.max_url_bytes) {
      return Reject(bhttp::status::uri_too_long, "INVALID_ARGUMENT", "URL_TOO_LONG",
                    "the request URL is too long", "url_too_long");
    }
    if (static_cast<uint64_t>(std::distance(req.begin(), req.end())) > o.max_header_count) {
      return Reject(bhttp::status::request_header_fields_too_large, "INVALID_ARGUMENT",
                    "TOO_MANY_HEADERS", "the request has too many header fields",
                    "too_many_headers");
    }
    if (cur_.version == 11 && req.find(bhttp::field::host) == req.end()) {
      return Reject(bhttp::status::bad_request, "INVALID_ARGUMENT", "MISSING_HOST",
                    "an HTTP/1.1 request needs a Host header", "malformed");
    }
    if (!IsSafeTarget(target)) {
      return Reject(bhttp::status::bad_request, "INVALID_ARGUMENT", "BAD_TARGET",
                    "the request path is not acceptable", "bad_target");
    }
    if (req.method() == bhttp::verb::unknown) {
      return Reject(bhttp::status::not_implemented, "UNIMPLEMENTED", "METHOD_NOT_IMPLEMENTED",
                    "the request method is not supported", "bad_method");
    }
    if (absl::Status framing = CheckFraming(req); !framing.ok()) {
      return Reject(absl::IsUnimplemented(framing) ? bhttp::status::not_implemented
                                                   : bhttp::status::bad_request,
                    absl::IsUnimplemented(framing) ? "UNIMPLEMENTED" : "INVALID_ARGUMENT",
                    absl::IsUnimplemented(framing) ? "TRANSFER_CODING_UNSUPPORTED" : "BAD_FRAMING",
                    framing.message(), "bad_framing");
    }
    const bool upload =
        std::find(o.upload_paths.begin(), o.upload_paths.end(), path) != o.upload_paths.end();
    const uint64_t limit = upload ? o.max_upload_bytes : o.max_body_bytes;
    if (auto length = parser_->content_length(); length && *length > limit) {
      return Reject(bhttp::status::payload_too_large, "INVALID_ARGUMENT", "BODY_TOO_LARGE",
                    "the request body is too large", "body_too_large");
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    if (absl::EqualsIgnoreCase(Av(req[bhttp::field::expect]), "100-continue")) {
      // The client waits for this before sending the body (curl, and large uploads).
      state_ = State::kBody;
      continue_.emplace(bhttp::status::continue_, cur_.version);
      Tcp().expires_after(ToChrono(o.write_timeout));
      bhttp::async_write(stream_, *continue_,
                         [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                           self->core_->metrics.BytesSent(n);
                           self->continue_.reset();
                           if (ec) {
                             self->Close();
                             return;
                           }
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    state_ = State::kBody;
    Tcp().expires_after(ToChrono(core_->options.body_timeout));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t n) { self->OnBody(ec, n); });
  }

  void OnBody(beast::error_code ec, size_t n) {
    core_->metrics.BytesReceived(n);
    if (!ec) {
      Dispatch();
    } else if (ec == bhttp::error::body_limit) {
      Reject(bhttp::status::payload_too_large, "INVALID_ARGUMENT", "BODY_TOO_LARGE",
             "the request body is too large", "body_too_large");
    } else if (ec == beast::error::timeout) {
      // The socket is closed by the timeout: nothing can be answered.
      core_->metrics.Rejected("body_timeout");
      Close();
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      Reject(bhttp::status::bad_request, "INVALID_ARGUMENT", "MALFORMED_REQUEST",
             "the request body is not well-formed", "malformed");
    } else {
      Close();
    }
  }

  void Dispatch() {
    state_ = State::kHandling;
    Tcp().expires_never();
    HttpRequest req = parser_->release();
    parser_.reset();
    if (EdgePolicy::IsPreflight(req)) {
      Finish(core_->policy.Preflight(req));
      return;
    }
    std::shared_ptr<RouteHandler> handler;
    switch (cur_.area) {
      case Area::kWs:
        DispatchWebSocket(std::move(req));
        return;
      case Area::kApi:
        handler = core_->routes.api;
        break;
      case Area::kHls:
        handler = core_->routes.hls;
        break;
      case Area::kImages:
        handler = core_->routes.images;
        break;
      case Area::kWeb:
        handler = core_->routes.web;
        break;
    }
    if (handler == nullptr) {
      Finish(ErrorResponse(bhttp::status::not_found, "NOT_FOUND", "NOT_FOUND",
                           "nothing is served here", cur_.context.request_id));
      return;
    }
    const uint64_t generation = ++generation_;
    response_timer_.expires_after(ToChrono(core_->options.response_timeout));
    response_timer_.async_wait([self = this->shared_from_this(), generation](beast::error_code ec) {
      if (!ec) self->OnResponseTimeout(generation);
    });
    try {
      handler->Handle(std::move(req), cur_.context, MakeResponder(generation));
    } catch (const std::exception& e) {
      log::Error("http_handler_exception")
          .Kv("request_id", cur_.context.request_id)
          .Kv("area", AreaName(cur_.area))
          .Kv("what", e.what());
      OnAnswer(generation, std::nullopt);
    }
  }

  // Called exactly once by the area (from any thread) or, if the area drops it unanswered,
  // by its destructor: either way the answer is posted onto this connection's strand.
  class Answer {
   public:
    Answer(std::weak_ptr<Session> session, std::shared_ptr<Core> core, uint64_t generation)
        : session_(std::move(session)), core_(std::move(core)), generation_(generation) {}
    ~Answer() {
      if (!answered_) Post(std::nullopt);
    }
    Answer(const Answer&) = delete;
    Answer& operator=(const Answer&) = delete;

    void Post(std::optional<HttpResponse> response) {
      answered_ = true;
      absl::ReaderMutexLock lock(&core_->post_mu);
      if (core_->stopped) return;
      std::shared_ptr<Session> s = session_.lock();
      if (s == nullptr) return;
      net::post(s->executor_, [s, generation = generation_, r = std::move(response)]() mutable {
        s->OnAnswer(generation, std::move(r));
      });
    }

   private:
    std::weak_ptr<Session> session_;
    std::shared_ptr<Core> core_;
    uint64_t generation_;
    bool answered_ = false;
  };

  Responder MakeResponder(uint64_t generation) {
    auto answer = std::make_unique<Answer>(this->weak_from_this(), core_, generation);
    return [answer = std::move(answer)](HttpResponse response) mutable {
      answer->Post(std::move(response));
    };
  }

  void OnAnswer(uint64_t generation, std::optional<HttpResponse> response) {
    if (generation != generation_ || state_ != State::kHandling) return;  // Late: 504 went out.
    response_timer_.cancel();
    if (!response) {
      Finish(ErrorResponse(bhttp::status::internal_server_error, "INTERNAL", "INTERNAL",
                           "the request could not be answered", cur_.context.request_id));
      return;
    }
    Finish(*std::move(response));
  }

  void OnResponseTimeout(uint64_t generation) {
    if (generation != generation_ || state_ != State::kHandling) return;
    core_->metrics.Rejected("response_timeout");
    Finish(ErrorResponse(bhttp::status::gateway_timeout, "DEADLINE_EXCEEDED", "RESPONSE_TIMEOUT",
                         "the request took too long to answer", cur_.context.request_id));
  }

  void DispatchWebSocket(HttpRequest req) {
    const std::shared_ptr<WebSocketAcceptor>& ws = core_->routes.ws;
    if (ws == nullptr) {
      Finish(ErrorResponse(bhttp::status::not_found, "NOT_FOUND", "NOT_FOUND",
                           "nothing is served here", cur_.context.request_id));
      return;
    }
    if (!beast::websocket::is_upgrade(req)) {
      HttpResponse r = ErrorResponse(bhttp::status::upgrade_required, "FAILED_PRECONDITION",
                                     "WEBSOCKET_UPGRADE_REQUIRED",
                                     "this path speaks WebSocket only", cur_.context.request_id);
      r.set(bhttp::field::upgrade, "websocket");
      Finish(std::move(r));
      return;
    }
    // Browsers send Origin on every WebSocket handshake and CORS does not apply to them: a
    // foreign page must not open a socket in a visitor's name (cross-site WebSocket hijacking).
    if (!cur_.origin.empty() && !core_->policy.OriginAllowed(cur_.origin) &&
        cur_.origin != absl::StrCat(cur_.context.secure ? "https://" : "http://", cur_.host)) {
      must_close_ = true;
      Finish(ErrorResponse(bhttp::status::forbidden, "PERMISSION_DENIED", "ORIGIN_NOT_ALLOWED",
                           "this origin may not open a WebSocket here", cur_.context.request_id));
      return;
    }
    state_ = State::kHandedOver;
    response_timer_.cancel();
    Tcp().expires_never();
    core_->metrics.Handover();
    core_->metrics.Request(AreaName(cur_.area), 101, Elapsed());
    log::Info("http_request")
        .Kv("request_id", cur_.context.request_id)
        .Kv("method", cur_.method)
        .Kv("area", AreaName(cur_.area))
        .Kv("path", cur_.path)
        .Kv("status", 101)
        .Kv("ms", absl::ToDoubleMilliseconds(Elapsed()))
        .Kv("client", cur_.context.client_address);
    // From here the connection is the hub's, not counted among ours.
    core_->Unregister(this);
    try {
      ws->Accept(std::move(req), cur_.context, std::move(stream_));
    } catch (const std::exception& e) {
      log::Error("websocket_handover_failed")
          .Kv("request_id", cur_.context.request_id)
          .Kv("what", e.what());
    }
  }

  // An answer of the server's own to a request it will not hand on; the connection closes.
  void Reject(bhttp::status status, absl::string_view code, absl::string_view reason,
              absl::string_view message, absl::string_view metric) {
    core_->metrics.Rejected(metric);
    must_close_ = true;  // What is left of the request is not read.
    Finish(ErrorResponse(status, code, reason, message, cur_.context.request_id));
  }

  absl::Duration Elapsed() const {
    return absl::FromChrono(std::chrono::steady_clock::now() - cur_.started);
  }

  void Finish(HttpResponse res) {
    ++generation_;  // Any answer still on its way is late now.
    response_timer_.cancel();
    state_ = State::kWriting;
    res.version(cur_.version);
    res.set("X-Request-Id", cur_.context.request_id);
    core_->policy.Decorate(res, ResponseFacts{cur_.context.secure, cur_.host, cur_.origin});
    const unsigned status = res.result_int();
    close_after_write_ = !cur_.keep_alive || must_close_ || core_->draining.load();
    res.keep_alive(!close_after_write_);
    if (status < 200 || status == 204 || status == 304) {
      res.body().clear();
      res.erase(bhttp::field::content_length);
      res.erase(bhttp::field::transfer_encoding);
    } else if (cur_.head) {
      // The area may have written the body a GET would get: keep its length, drop the bytes.
      if (res.find(bhttp::field::content_length) == res.end()) {
        res.content_length(res.body().size());
      }
      res.body().clear();
      res.erase(bhttp::field::transfer_encoding);
    } else {
      res.prepare_payload();
    }
    core_->metrics.Request(AreaName(cur_.area), status, Elapsed());
    log::Info("http_request")
        .Kv("request_id", cur_.context.request_id)
        .Kv("method", cur_.method)
        .Kv("area", AreaName(cur_.area))
        .Kv("path", cur_.path)
        .Kv("status", static_cast<int>(status))
        .Kv("ms", absl::ToDoubleMilliseconds(Elapsed()))
        .Kv("client", cur_.context.client_address);
    out_.emplace(std::move(res));
    serializer_.emplace(*out_);
    WriteSome();
  }

  void WriteSome() {
    Tcp().expires_after(ToChrono(core_->options.write_timeout));
    bhttp::async_write_some(stream_, *serializer_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->OnWrite(ec, n);
                            });
  }

  void OnWrite(beast::error_code ec, size_t n) {
    core_->metrics.BytesSent(n);
    if (ec) {
      if (ec == beast::error::timeout) core_->metrics.Rejected("write_timeout");
      Close();
      return;
    }
    if (!serializer_->is_done()) {
      WriteSome();
      return;
    }
    serializer_.reset();
    out_.reset();
    must_close_ = false;
    if (close_after_write_) {
      Close();
      return;
    }
    WaitForRequest();
  }

  void Close() {
    if (state_ == State::kClosed || state_ == State::kHandedOver) return;
    state_ = State::kClosed;
    ++generation_;
    response_timer_.cancel();
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().close();
  }

  Stream stream_;
  net::any_io_executor executor_;
  tcp::endpoint peer_;
  std::shared_ptr<Core> core_;
  beast::flat_buffer buffer_;
  net::steady_timer response_timer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<HttpResponse> out_;
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer_;
  Current cur_;
  State state_ = State::kIdle;
  uint64_t generation_ = 0;
  bool must_close_ = false;
  bool close_after_write_ = false;
};

// ---------------------------------------------------------------------------------------------

class Server::Impl {
 public:
  Impl(std::shared_ptr<Core> core, ListenAddress listen, std::unique_ptr<ssl::context> tls)
      : core_(std::move(core)), listen_(listen), tls_(std::move(tls)) {}

  absl::Status Start();
  uint16_t port() const { return port_; }
  bool tls() const { return tls_ != nullptr; }
  void Drain(absl::Duration deadline);
  void Stop();
  int connections() const { return core_->Count(); }

 private:
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void RunIo();
  void StopAccepting();

  std::shared_ptr<Core> core_;
  const ListenAddress listen_;
  std::unique_ptr<ssl::context> tls_;
  std::optional<net::io_context> ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> retry_timer_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool limit_logged_ = false;  // Only touched by the accept chain.
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
  bool accepting_stopped_ = false;
};

absl::Status Server::Impl::Start() {
  if (ioc_) return absl::FailedPreconditionError("the HTTP server was already started");
  ioc_.emplace(core_->options.io_threads);
  // The acceptor and its retry timer on their own strand: accepts complete on any I/O thread,
  // and Drain closes the acceptor from outside.
  auto strand = net::make_strand(*ioc_);
  acceptor_.emplace(strand);
  retry_timer_.emplace(strand);
  beast::error_code ec;
  const tcp::endpoint endpoint(listen_.address, listen_.port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_->local_endpoint(ec).port();
  if (ec) {
    const std::string message = absl::StrCat("cannot listen on ", listen_.address.to_string(), ":",
                                             listen_.port, ": ", ec.message());
    retry_timer_.reset();
    acceptor_.reset();
    ioc_.reset();
    return absl::UnavailableError(message);
  }
  work_.emplace(ioc_->get_executor());
  net::post(acceptor_->get_executor(), [this] { Accept(); });
  threads_.reserve(static_cast<size_t>(core_->options.io_threads));
  for (int i = 0; i < core_->options.io_threads; ++i) threads_.emplace_back([this] { RunIo(); });
  log::Info("http_started")
      .Kv("http_port", static_cast<int>(port_))
      .Kv("tls", tls_ != nullptr)
      .Kv("address", listen_.address.to_string());
  return absl::OkStatus();
}

void Server::Impl::RunIo() {
  // A handler that throws (allocation failure, a library bug) costs one connection, never the
  // process or the other connections.
  while (true) {
    try {
      ioc_->run();
      return;
    } catch (const std::exception& e) {
      log::Error("http_io_exception").Kv("what", e.what());
    }
  }
}

void Server::Impl::Accept() {
  // Each connection gets its own strand, so a session's handlers and its timers never run
  // concurrently on the several I/O threads.
  acceptor_->async_accept(
      net::make_strand(*ioc_),
      [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;  // Stopping.
  if (ec) {
    log::Error("http_accept_failed").Kv("error", ec.message());
    retry_timer_->expires_after(kAcceptRetryDelay);
    retry_timer_->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor_->is_open()) Accept();
    });
    return;
  }
  beast::error_code peer_ec;
  const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
  if (peer_ec || core_->draining.load()) {
    socket.close(peer_ec);
  } else if (core_->Count() >= core_->options.max_connections) {
    // Over the limit: dropped at once rather than queued. Logged once per episode, as a flood
    // of connections would otherwise become a flood of log lines.
    core_->metrics.Rejected("connection_limit");
    if (!limit_logged_) {
      log::Warn("http_connection_limit_reached")
          .Kv("max_connections", core_->options.max_connections);
      limit_logged_ = true;
    }
    socket.close(peer_ec);
  } else {
    limit_logged_ = false;
    socket.set_option(tcp::no_delay(true), peer_ec);
    if (tls_ != nullptr) {
      std::make_shared<Session<TlsSocket>>(TlsSocket(beast::tcp_stream(std::move(socket)), *tls_),
                                           peer, core_)
          ->Start();
    } else {
      std::make_shared<Session<PlainSocket>>(PlainSocket(std::move(socket)), peer, core_)->Start();
    }
  }
  Accept();
}

void Server::Impl::StopAccepting() {
  if (accepting_stopped_ || !acceptor_) return;
  accepting_stopped_ = true;
  std::promise<void> closed;
  net::post(acceptor_->get_executor(), [this, &closed] {
    beast::error_code ignored;
    acceptor_->close(ignored);
    retry_timer_->cancel();
    closed.set_value();
  });
  closed.get_future().wait();
}

void Server::Impl::Drain(absl::Duration deadline) {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopped_ || !ioc_) return;
  }
  const absl::Time until = absl::Now() + deadline;
  core_->draining.store(true);
  StopAccepting();
  const int open = core_->Count();
  for (auto& s : core_->Snapshot()) s->Drain();
  while (core_->Count() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  const int left = core_->Count();
  for (auto& s : core_->Snapshot()) s->Cut();
  log::Info("http_drained").Kv("connections", open).Kv("cut", left);
}

void Server::Impl::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  {
    absl::MutexLock lock(&core_->post_mu);
    core_->stopped = true;
  }
  if (!ioc_) return;
  core_->draining.store(true);
  ioc_->stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  work_.reset();
  retry_timer_.reset();
  acceptor_.reset();
  // Destroys every pending handler and with it every session and its socket.
  ioc_.reset();
}

// ---------------------------------------------------------------------------------------------

absl::Status ValidateOptions(const ServerOptions& o) {
  auto listen = ParseListenAddress(o.listen_address);
  if (!listen.ok()) return listen.status();
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("tls_cert_file and tls_key_file go together");
  }
  if (o.tls_cert_file.empty() && !o.behind_tls_proxy && !IsLoopback(listen->address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("plain HTTP on the non-loopback address ", o.listen_address,
                     " needs TLS files (tls_cert_file, tls_key_file) or behind_tls_proxy"));
  }
  if (auto cidrs = ParseCidrs(o.trusted_proxies); !cidrs.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("trusted_proxies: ", cidrs.status().message()));
  }
  if (auto p = EdgePolicy::Create(EdgePolicyOptions{o.cors_origins, o.image_origins}); !p.ok()) {
    return p.status();
  }
  if (o.io_threads < 1 || o.io_threads > 64) {
    return absl::InvalidArgumentError("http_io_threads must be 1..64");
  }
  if (o.max_connections < 1) return absl::InvalidArgumentError("max_connections must be >= 1");
  if (o.max_header_bytes < 1024 || o.max_header_bytes > 1024 * 1024) {
    return absl::InvalidArgumentError("max_header_bytes must be 1KiB..1MiB");
  }
  if (o.max_url_bytes < 256 || o.max_url_bytes > o.max_header_bytes) {
    return absl::InvalidArgumentError("max_url_bytes must be 256..max_header_bytes");
  }
  if (o.max_header_count < 8 || o.max_header_count > 1000) {
    return absl::InvalidArgumentError("max_header_count must be 8..1000");
  }
  if (o.max_body_bytes > (uint64_t{1} << 30) || o.max_upload_bytes > (uint64_t{1} << 32)) {
    return absl::InvalidArgumentError("max_body_bytes must be <= 1GiB, max_upload_bytes <= 4GiB");
  }
  for (absl::Duration d :
       {o.header_timeout, o.body_timeout, o.idle_timeout, o.write_timeout, o.response_timeout}) {
    if (d <= absl::ZeroDuration() || d > absl::Hours(1)) {
      return absl::InvalidArgumentError("HTTP timeouts must be > 0 and <= 1h");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(ServerOptions options, Routes routes,
                                                       prometheus::Registry* registry) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  auto listen = ParseListenAddress(options.listen_address);
  auto trusted = ParseCidrs(options.trusted_proxies);
  auto policy = EdgePolicy::Create(EdgePolicyOptions{options.cors_origins, options.image_origins});
  std::unique_ptr<ssl::context> tls;
  if (!options.tls_cert_file.empty()) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    tls->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load the TLS certificate chain from ", options.tls_cert_file));
    }
    tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(tls->native_handle()) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load the TLS key from ", options.tls_key_file, " (or it does not match)"));
    }
  }
  auto core = std::make_shared<Core>(std::move(options), std::move(routes), *std::move(policy),
                                     *std::move(trusted), registry);
  return std::unique_ptr<Server>(
      new Server(std::make_unique<Impl>(std::move(core), *listen, std::move(tls))));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }
absl::Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
bool Server::tls() const { return impl_->tls(); }
void Server::Drain(absl::Duration deadline) { impl_->Drain(deadline); }
void Server::Stop() { impl_->Stop(); }
int Server::connections() const { return impl_->connections(); }

}  // namespace shopcast::gateway::http
