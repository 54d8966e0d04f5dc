#include "rtmp/rtmp_server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rtmp/connection_table.h"
#include "rtmp/rtmp_server_metrics.h"
#include "rtmp/rtmp_session.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Accept errors such as EMFILE repeat at once; pausing keeps the loop from spinning.
constexpr std::chrono::milliseconds kAcceptErrorBackoff{100};

absl::Status ValidateOptions(const RtmpOptions& o) {
  auto bad = [](absl::string_view field, absl::string_view message) {
    return Error(absl::StatusCode::kInvalidArgument, "RTMP_OPTIONS_INVALID", message, field);
  };
  if (o.io_threads < 1) return bad("io_threads", "io_threads must be at least 1");
  if (o.admission_threads < 1) return bad("admission_threads", "must be at least 1");
  if (o.max_connections < 1) return bad("max_connections", "must be at least 1");
  if (o.max_pending_connections < 1) return bad("max_pending_connections", "must be at least 1");
  if (o.max_pending_per_address < 1) return bad("max_pending_per_address", "must be at least 1");
  if (o.out_chunk_size < 128 || o.out_chunk_size > 0x7FFFFFFFu) {
    return bad("out_chunk_size", "must be between 128 and 2^31-1");
  }
  if (o.window_ack_size == 0) return bad("window_ack_size", "must be positive");
  if (o.app.empty()) return bad("app", "must not be empty");
  if (o.read_batch.count() < 0) return bad("read_batch", "must not be negative");
  if (o.read_batch.count() > 0 && o.read_batch_max_delay < std::chrono::milliseconds(2)) {
    return bad("read_batch_max_delay", "must be at least 2ms when reads are batched");
  }
  return absl::OkStatus();
}

}  // namespace

class RtmpServer::Impl {
 public:
  Impl(RtmpOptions options, PublishAdmission& admission, prometheus::Registry* registry)
      : options_(std::move(options)),
        metrics_(registry),
        pool_(static_cast<size_t>(std::max(1, options_.admission_threads))),
        accept_strand_(asio::make_strand(io_)),
        acceptor_(accept_strand_),
        gate_(std::make_shared<DisconnectGate>()),
        table_(ConnectionLimits{options_.max_connections, options_.max_pending_connections,
                                options_.max_pending_per_address}),
        context_{options_,
                 admission,
                 pool_,
                 metrics_,
                 gate_,
                 [this](uint64_t id, bool admitting) {
                   std::lock_guard<std::mutex> lock(mu_);
                   table_.Admitting(id, admitting);
                 },
                 [this](uint64_t id) {
                   std::lock_guard<std::mutex> lock(mu_);
                   table_.Admitted(id);
                 }} {}

  ~Impl() { Stop(); }

  absl::Status Start() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (started_) {
        return Error(absl::StatusCode::kFailedPrecondition, "RTMP_ALREADY_STARTED",
                     "the server was started before");
      }
      started_ = true;
    }
    RETURN_IF_ERROR(ValidateOptions(options_));
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(options_.listen_address, ec);
    if (ec) {
      return Error(absl::StatusCode::kInvalidArgument, "RTMP_LISTEN_ADDRESS_INVALID",
                   "not an IP address: " + options_.listen_address, "listen_address");
    }
    const tcp::endpoint endpoint(address, options_.port);
    if (acceptor_.open(endpoint.protocol(), ec); !ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acceptor_.bind(endpoint, ec);
      if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);
      return Error(absl::StatusCode::kUnavailable, "RTMP_LISTEN_FAILED",
                   "cannot listen on " + options_.listen_address + ":" +
                       std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(accept_strand_, AcceptLoop(), asio::detached);
    for (int i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { RunIo(); });
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = true;
    }
    log::Info("rtmp_server_started")
        .Kv("address", options_.listen_address)
        .Kv("port", static_cast<int>(port_))
        .Kv("io_threads", options_.io_threads);
    return absl::OkStatus();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    std::vector<std::weak_ptr<RtmpSession>> sessions;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!running_ || stopping_) return;
      stopping_ = true;  // From here on StartSession refuses new connections.
      for (auto& [id, session] : sessions_) sessions.push_back(session);
    }
    asio::post(accept_strand_, [this] {
      error_code ignored;
      acceptor_.close(ignored);
    });
    for (const std::weak_ptr<RtmpSession>& weak : sessions) {
      if (std::shared_ptr<RtmpSession> s = weak.lock()) {
        asio::post(s->executor(), [s] {
          s->Shutdown(Error(absl::StatusCode::kUnavailable, "RTMP_SERVER_STOPPING",
                            "the server is stopping"));
        });
      }
    }
    {
      // Sessions end on the I/O threads (after any in-flight Admit returns), closing their
      // media sessions; only then may the threads go.
      std::unique_lock<std::mutex> lock(mu_);
      drained_.wait(lock, [this] { return sessions_.empty(); });
    }
    gate_->Close();
    io_.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    pool_.join();
    log::Info("rtmp_server_stopped").Kv("port", static_cast<int>(port_));
  }

 private:
  void RunIo() {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        // A handler threw: log it and keep serving the other connections.
        log::Error("rtmp_io_exception").Kv("error", e.what());
      }
    }
  }

  asio::awaitable<void> AcceptLoop() {
    asio::steady_timer backoff(accept_strand_);
    for (;;) {
      tcp::socket socket(asio::make_strand(io_));  // One strand per connection.
      error_code ec;
      co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        log::Warn("rtmp_accept_failed").Kv("error", ec.message());
        backoff.expires_after(kAcceptErrorBackoff);
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      StartSession(std::move(socket));
    }
  }

  void StartSession(tcp::socket socket) {
    error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    const std::string address = ec ? std::string("unknown") : peer.address().to_string();
    std::shared_ptr<RtmpSession> session;
    std::shared_ptr<RtmpSession> evicted;
    std::string refusal = "max_connections";
    uint64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        ConnectionTable::Decision d = table_.Open(next_id_ + 1, address);
        if (d.accepted) {
          id = ++next_id_;
          session = std::make_shared<RtmpSession>(id, std::move(socket), context_);
          sessions_.emplace(id, session);
        } else {
          refusal = d.refusal;
        }
        if (d.evict) {
          auto it = sessions_.find(*d.evict);
          if (it != sessions_.end()) evicted = it->second.lock();
        }
      }
    }
    if (evicted != nullptr) {
      asio::post(evicted->executor(), [evicted] {
        evicted->Shutdown(Error(absl::StatusCode::kResourceExhausted, "RTMP_EVICTED",
                                "closed to make room for a newer connection"));
      });
    }
    if (session == nullptr) {
      // Counted before the close, so whoever sees the connection refused also sees it counted.
      metrics_.Rejected(refusal);
      log::Debug("rtmp_connection_rejected").Kv("reason", refusal).Kv("remote", address);
      error_code ignored;
      socket.close(ignored);
      return;
    }
    metrics_.ConnectionOpened();
    asio::co_spawn(session->executor(), session->Run(),
                   [this, id, session](std::exception_ptr) { OnSessionDone(id); });
  }

  void OnSessionDone(uint64_t id) {
    metrics_.ConnectionClosed();
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(id);
    table_.Closed(id);
    drained_.notify_all();
  }

  const RtmpOptions options_;
  RtmpServerMetrics metrics_;
  asio::io_context io_;
  asio::thread_pool pool_;
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  std::shared_ptr<DisconnectGate> gate_;
  ConnectionTable table_;  // Guarded by mu_.
  SessionContext context_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;

  std::mutex mu_;
  std::condition_variable drained_;
  bool started_ = false;
  bool running_ = false;
  bool stopping_ = false;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::weak_ptr<RtmpSession>> sessions_;
};

RtmpServer::RtmpServer(RtmpOptions options, PublishAdmission& admission,
                       prometheus::Registry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), admission, metrics)) {}

RtmpServer::~RtmpServer() = default;

absl::Status RtmpServer::Start() { return impl_->Start(); }

uint16_t RtmpServer::port() const { return impl_->port(); }

void RtmpServer::Stop() { impl_->Stop(); }

}  // namespace shopcast::video_ingest::rtmp
