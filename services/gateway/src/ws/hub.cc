#include "ws/hub.h"

#include <malloc.h>

#include <atomic>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "boost/asio/bind_executor.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core/buffers_to_string.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/ssl.hpp"
#include "boost/beast/websocket.hpp"
#include "boost/beast/websocket/ssl.hpp"
#include "shopcast/log/log.h"
#include "ws/lean_transport.h"
#include "ws/session.h"

namespace shopcast::gateway {
namespace ws {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;

std::chrono::steady_clock::duration Steady(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d)));
}

// A Session over a Beast WebSocket on `NextLayer` (TlsSocket; plain sockets get the leaner
// LeanTransport). Every handler runs on the socket's executor, which the HTTP server made a
// strand.
template <class NextLayer>
class Transport final : public Session {
 public:
  Transport(HubCore& hub, uint64_t id, SubprotocolChoice choice, const RequestContext& context,
            WsTarget target, NextLayer&& socket)
      : Session(hub, id, choice.protocol, context, std::move(target)),
        hub_core_(hub),
        echo_protocol_(choice.echo),
        ws_(std::move(socket)),
        timer_(ws_.get_executor()) {}

  void Start(HttpRequest request) {
    const WsOptions& o = hub_core_.options;
    beast::get_lowest_layer(ws_).expires_never();
    {
      // Pushes are small and latency matters: no Nagle delay.
      boost::system::error_code ec;
      beast::get_lowest_layer(ws_).socket().set_option(net::ip::tcp::no_delay(true), ec);
    }
    if (o.socket_send_buffer_bytes > 0) {
      boost::system::error_code ec;
      beast::get_lowest_layer(ws_).socket().set_option(
          net::socket_base::send_buffer_size(o.socket_send_buffer_bytes), ec);
    }
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = Steady(o.handshake_timeout);
    timeouts.idle_timeout = Steady(o.ping_interval * 2);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(o.max_client_frame_bytes);
    ws_.auto_fragment(false);
    const bool echo = echo_protocol_;
    const char* name = subprotocol() == Subprotocol::kJson ? kJsonSubprotocol : kProtoSubprotocol;
    ws_.set_option(websocket::stream_base::decorator([echo, name](websocket::response_type& r) {
      r.set(http::field::server, "shopcast-gateway");
      if (echo) r.set(http::field::sec_websocket_protocol, name);
    }));
    if (subprotocol() == Subprotocol::kJson) {
      ws_.text(true);
    } else {
      ws_.binary(true);
    }
    auto self = std::static_pointer_cast<Transport>(shared_from_this());
    auto req = std::make_shared<HttpRequest>(std::move(request));
    ws_.async_accept(*req, [self, req](beast::error_code ec) { self->OnAccepted(ec); });
  }

 protected:
  void Post(std::function<void()> fn) override { net::post(ws_.get_executor(), std::move(fn)); }

  void KickWriter() override {
    auto self = std::static_pointer_cast<Transport>(shared_from_this());
    net::post(ws_.get_executor(), [self] { self->DoWrite(); });
  }

  void CloseAfterFlush(uint16_t code, const char* why) override {
    if (close_code_ != 0 || finished_) return;
    close_code_ = code;
    close_reason_ = why;
    // Bounded: a socket that cannot flush is dropped.
    close_by_ = absl::Now() + absl::Seconds(5);
    DoWrite();
    ArmAt(close_by_);
  }

  void Abort() override {
    if (finished_) return;
    boost::system::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
    Finish();
  }

  void Rearm() override { ArmAt(NextDeadline()); }

 private:
  void OnAccepted(beast::error_code ec) {
    if (ec) {
      log::Debug("ws_handshake_failed").Kv("error", ec.message());
      Finish();
      return;
    }
    accepted_ = true;
    OnOpen();
    DoRead();
  }

  void DoRead() {
    if (finished_) return;
    auto self = std::static_pointer_cast<Transport>(shared_from_this());
    ws_.async_read(in_, [self](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        log::Info("ws_frame_too_big").Kv("connection_id", connection_id());
        hub_core_.metrics.bad_frames->Increment();
      }
      Finish();
      return;
    }
    const std::string bytes = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    in_.shrink_to_fit();  // an idle socket keeps no read buffer
    OnMessage(bytes, ws_.got_binary());
    if (close_code_ == 0) DoRead();
  }

  void DoWrite() {
    if (writing_ || finished_ || !accepted_) return;
    FrameBytes next = NextToWrite();
    if (next == nullptr) {
      if (close_code_ != 0 && !close_sent_) {
        close_sent_ = true;
        auto self = std::static_pointer_cast<Transport>(shared_from_this());
        ws_.async_close(
            websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
            [self](beast::error_code) { self->Finish(); });
      }
      return;
    }
    writing_ = true;
    auto self = std::static_pointer_cast<Transport>(shared_from_this());
    ws_.async_write(net::buffer(*next), [self, next](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) {
        self->Abort();
        return;
      }
      self->WriteDone();
      self->DoWrite();
    });
  }

  void ArmAt(absl::Time at) {
    if (finished_) return;
    if (at == absl::InfiniteFuture()) return;
    if (armed_for_ != absl::InfinitePast() && armed_for_ <= at) return;  // an earlier one is set
    armed_for_ = at;
    timer_.expires_after(Steady(std::max(absl::ZeroDuration(), at - absl::Now())));
    auto self = std::static_pointer_cast<Transport>(shared_from_this());
    timer_.async_wait([self, at](beast::error_code ec) {
      if (ec || self->finished_ || self->armed_for_ != at) return;
      self->armed_for_ = absl::InfinitePast();
      if (self->close_code_ != 0 && absl::Now() >= self->close_by_) {
        self->Abort();
        return;
      }
      self->OnTimer();
      if (self->close_code_ != 0) self->ArmAt(self->close_by_);
    });
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ec;
    timer_.cancel(ec);
    if (accepted_) {
      OnClosed();
    } else {
      hub_core_.Unregister(id());
    }
  }

  HubCore& hub_core_;
  const bool echo_protocol_;
  websocket::stream<NextLayer> ws_;
  beast::flat_buffer in_;
  net::steady_timer timer_;
  absl::Time armed_for_ = absl::InfinitePast();
  bool accepted_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool close_sent_ = false;
  uint16_t close_code_ = 0;
  const char* close_reason_ = "";
  absl::Time close_by_ = absl::InfiniteFuture();
};

class Hub final : public WebSocketHub, public HubCore {
 public:
  Hub(WsOptions o, std::shared_ptr<grpc::Channel> channel, AccessCheck* a, RateLimits* l,
      prometheus::Registry* registry)
      : HubCore(std::move(o), std::move(channel), a, l, registry),
        trim_timer_(background),
        sweep_timer_(background),
        work_(net::make_work_guard(background)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { background.run(); });
    ScheduleTrim();
    ScheduleSweep();
  }

  ~Hub() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      trim_timer_.cancel();
      sweep_timer_.cancel();
    }
    Drain();
    WaitDrained(absl::Seconds(1));
    {
      absl::MutexLock lock(&mu_);
      sessions_.clear();
    }
    rooms.reset();  // ends the upstream calls and waits for them
    work_.reset();
    background.stop();
    for (auto& t : threads_) t.join();
  }

  void Accept(HttpRequest upgrade, const RequestContext& context, PlainSocket socket) override {
    AcceptOn(std::move(upgrade), context, std::move(socket));
  }
  void Accept(HttpRequest upgrade, const RequestContext& context, TlsSocket socket) override {
    AcceptOn(std::move(upgrade), context, std::move(socket));
  }

  void Drain() override {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      absl::MutexLock lock(&mu_);
      if (draining_) return;
      draining_ = true;
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) sessions.push_back(std::move(s));
      }
    }
    log::Info("ws_draining").Kv("sockets", static_cast<int64_t>(sessions.size()));
    for (auto& s : sessions) s->Drain();
  }

  bool WaitDrained(absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    const bool drained = mu_.AwaitWithTimeout(
        absl::Condition(
            +[](absl::flat_hash_map<uint64_t, std::weak_ptr<Session>>* m) { return m->empty(); },
            &sessions_),
        timeout);
    // The server's I/O context stops next: the deadline sweep must hold no socket by then (a
    // socket it released last would be destroyed after its I/O context).
    if (drained) {
      sweep_stopped_ = true;
      sweep_timer_.cancel();
      mu_.Await(absl::Condition(
          +[](bool* running) { return !*running; }, &sweep_running_));
    }
    return drained;
  }

  size_t SocketCount() const override {
    absl::MutexLock lock(&mu_);
    return sessions_.size();
  }
  size_t UpstreamSubscriptionCount() const override { return rooms->UpstreamCount(); }

  void Unregister(uint64_t id) override {
    absl::MutexLock lock(&mu_);
    sessions_.erase(id);
  }

 private:
  template <class Socket>
  void Refuse(Socket socket, http::status status, std::string body, const HttpRequest& req) {
    auto s = std::make_shared<Socket>(std::move(socket));
    auto res = std::make_shared<HttpResponse>(status, req.version());
    res->set(http::field::content_type, "application/json");
    res->set(http::field::connection, "close");
    res->body() = std::move(body);
    res->prepare_payload();
    beast::get_lowest_layer(*s).expires_after(std::chrono::seconds(5));
    http::async_write(*s, *res, [s, res](beast::error_code, size_t) {
      boost::system::error_code ec;
      beast::get_lowest_layer(*s).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    });
  }

  template <class Socket>
  void AcceptOn(HttpRequest req, const RequestContext& context, Socket socket) {
    absl::StatusOr<WsTarget> target =
        ParseWsTarget(absl::string_view(req.target().data(), req.target().size()));
    if (!target.ok()) {
      const bool missing = target.status().code() == absl::StatusCode::kNotFound;
      Refuse(std::move(socket), missing ? http::status::not_found : http::status::bad_request,
             missing ? R"({"code":"NOT_FOUND","message":"no WebSocket here; use /ws/v1"})"
                     : R"({"code":"INVALID_ARGUMENT","message":"bad stream id or parameter"})",
             req);
      return;
    }
    if (!websocket::is_upgrade(req)) {
      Refuse(std::move(socket), http::status::upgrade_required,
             R"({"code":"FAILED_PRECONDITION","message":"a WebSocket upgrade is expected"})", req);
      return;
    }
    const auto offered = req[http::field::sec_websocket_protocol];
    std::optional<SubprotocolChoice> choice =
        ChooseSubprotocol(absl::string_view(offered.data(), offered.size()));
    if (!choice) {
      Refuse(
          std::move(socket), http::status::bad_request,
          R"({"code":"INVALID_ARGUMENT","message":"subprotocol must be shopcast.v1.json or shopcast.v1.proto"})",
          req);
      return;
    }
    {
      absl::ReleasableMutexLock lock(&mu_);
      if (!draining_ && sessions_.size() < options.max_sockets) {
        const uint64_t id = ++next_id_;
        if constexpr (std::is_same_v<Socket, PlainSocket>) {
          auto session = std::make_shared<LeanTransport>(
              *this, id, *choice, context, std::move(*target), socket.release_socket());
          sessions_[id] = session;
          lock.Release();
          session->Start(req);
        } else {
          auto session = std::make_shared<Transport<Socket>>(*this, id, *choice, context,
                                                             std::move(*target), std::move(socket));
          sessions_[id] = session;
          lock.Release();
          session->Start(std::move(req));
        }
        return;
      }
    }
    Refuse(std::move(socket), http::status::service_unavailable,
           R"({"code":"UNAVAILABLE","message":"try another gateway"})", req);
  }

  // The transient memory of hundreds of concurrent handshakes (HTTP parsing, presence calls,
  // first frames) is freed once they settle, but glibc keeps it resident; without this an idle
  // socket's share of RSS is several times what it holds. malloc_trim gives whole free pages
  // back (madvise), so it only costs a walk of the heaps, every interval at most.
  void ScheduleTrim() {
    if (options.memory_trim_interval <= absl::ZeroDuration()) return;
    trim_timer_.expires_after(
        std::chrono::microseconds(absl::ToInt64Microseconds(options.memory_trim_interval)));
    trim_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const size_t sockets = SocketCount();
      const size_t moved = sockets > trimmed_at_sockets_ ? sockets - trimmed_at_sockets_
                                                         : trimmed_at_sockets_ - sockets;
      if (moved >= options.trim_after_sockets) {
        malloc_trim(0);
        trimmed_at_sockets_ = sockets;
      }
      absl::MutexLock lock(&mu_);
      if (!stopping_) ScheduleTrim();
    });
  }

  // Deadlines of plain sockets (WsOptions::timer_tick). The sockets are collected under the
  // lock and told outside it, so a socket released here never runs its destructor under mu_.
  // 10,000 sockets cost a few hundred microseconds per tick.
  void ScheduleSweep() {
    const absl::Duration tick = std::max(options.timer_tick, absl::Milliseconds(1));
    sweep_timer_.expires_after(std::chrono::microseconds(absl::ToInt64Microseconds(tick)));
    sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      {
        absl::MutexLock lock(&mu_);
        if (sweep_stopped_) return;
        sweep_running_ = true;
        sweep_batch_.reserve(sessions_.size());
        for (auto& [id, weak] : sessions_) {
          if (std::shared_ptr<Session> s = weak.lock()) sweep_batch_.push_back(std::move(s));
        }
      }
      const int64_t now = absl::ToUnixNanos(absl::Now());
      // The revocation list moved on since the last sweep: every signed-in socket asks whether
      // its sign-in is still good (a hash lookup each, only when something was revoked).
      const int64_t revocations = access != nullptr ? access->RevocationSequence() : 0;
      const bool recheck = revocations != revocations_seen_;
      revocations_seen_ = revocations;
      for (const std::shared_ptr<Session>& s : sweep_batch_) {
        s->SweepTick(now);
        if (recheck) s->RecheckRevocation();
      }
      sweep_batch_.clear();
      absl::MutexLock lock(&mu_);
      sweep_running_ = false;
      if (!stopping_ && !sweep_stopped_) ScheduleSweep();
    });
  }

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  net::steady_timer trim_timer_;                       // background thread; rearmed under mu_
  size_t trimmed_at_sockets_ = 0;                      // the trim timer's handler only
  net::steady_timer sweep_timer_;                      // background thread; rearmed under mu_
  std::vector<std::shared_ptr<Session>> sweep_batch_;  // the sweep timer's handler only
  bool sweep_running_ ABSL_GUARDED_BY(mu_) = false;    // a pass holds sockets in sweep_batch_
  bool sweep_stopped_ ABSL_GUARDED_BY(mu_) = false;    // drained: no pass will start again
  int64_t revocations_seen_ = 0;  // the sweep's own: AccessCheck::RevocationSequence last seen
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, std::weak_ptr<Session>> sessions_ ABSL_GUARDED_BY(mu_);
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

}  // namespace
}  // namespace ws

std::shared_ptr<WebSocketHub> MakeWebSocketHub(WsOptions options,
                                               std::shared_ptr<grpc::Channel> realtime_push,
                                               AccessCheck* access, RateLimits* limits,
                                               prometheus::Registry* metrics) {
  return std::make_shared<ws::Hub>(std::move(options), std::move(realtime_push), access, limits,
                                   metrics);
}

}  // namespace shopcast::gateway
