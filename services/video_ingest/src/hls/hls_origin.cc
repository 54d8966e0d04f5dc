#include "hls/hls_origin.h"

#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hls/http_session.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::hls {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Pause before accepting again after an accept error (typically out of descriptors), so the
// loop does not spin while existing connections drain.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

class HlsOrigin::Impl {
 public:
  Impl(HlsOriginOptions options, prometheus::Registry* registry)
      : options_(std::move(options)), registry_(registry) {}

  absl::Status Start();
  uint16_t port() const { return port_; }
  void Stop();

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  void RunIo();

  const HlsOriginOptions options_;
  prometheus::Registry* const registry_;
  std::shared_ptr<SessionShared> shared_;
  // Declared after shared_: destroying the context destroys pending sessions, which touch it.
  std::optional<net::io_context> ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> retry_timer_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool limit_logged_ = false;  // Only touched by the accept chain.
};

absl::Status HlsOrigin::Impl::Start() {
  if (ioc_) {
    return Error(absl::StatusCode::kFailedPrecondition, "HLS_ALREADY_STARTED",
                 "the HLS origin was already started");
  }
  if (options_.io_threads < 1 || options_.max_connections < 1 || options_.max_header_bytes < 256) {
    return Error(absl::StatusCode::kInvalidArgument, "HLS_BAD_OPTIONS",
                 "io_threads and max_connections must be ≥ 1, max_header_bytes ≥ 256");
  }
  struct stat st {};
  if (options_.root.empty() || ::stat(options_.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(absl::StatusCode::kFailedPrecondition, "HLS_ROOT_MISSING",
                 absl::StrCat("HLS root is not a directory: '", options_.root, "'"), "root");
  }
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(options_.listen_address, ec);
  if (ec) {
    return Error(absl::StatusCode::kInvalidArgument, "HLS_BAD_OPTIONS",
                 absl::StrCat("bad listen address '", options_.listen_address, "'"),
                 "listen_address");
  }

  shared_ = std::make_shared<SessionShared>(options_, registry_);
  ioc_.emplace(options_.io_threads);
  acceptor_.emplace(*ioc_);
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_->local_endpoint(ec).port();
  if (ec) {
    const std::string message = absl::StrCat("cannot listen on ", options_.listen_address, ":",
                                             options_.port, ": ", ec.message());
    acceptor_.reset();
    ioc_.reset();
    shared_.reset();
    return Error(absl::StatusCode::kUnavailable, "HLS_LISTEN_FAILED", message);
  }
  retry_timer_.emplace(*ioc_);
  work_.emplace(ioc_->get_executor());
  Accept();
  threads_.reserve(static_cast<size_t>(options_.io_threads));
  for (int i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { RunIo(); });
  log::Info("hls_origin_started").Kv("port", static_cast<int>(port_)).Kv("root", options_.root);
  return absl::OkStatus();
}

void HlsOrigin::Impl::RunIo() {
  // A handler that throws (allocation failure, a library bug) costs one connection, never the
  // process or the other streams.
  while (true) {
    try {
      ioc_->run();
      return;
    } catch (const std::exception& e) {
      log::Error("hls_handler_exception").Kv("what", e.what());
    }
  }
}

void HlsOrigin::Impl::Accept() {
  // Each connection gets its own strand, so with several I/O threads a session's handlers
  // and its stream's timer never run concurrently.
  acceptor_->async_accept(net::make_strand(*ioc_),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            OnAccept(ec, std::move(socket));
                          });
}

void HlsOrigin::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;  // Stopping.
  if (ec) {
    log::Error("hls_accept_failed").Kv("error", ec.message());
    retry_timer_->expires_after(kAcceptRetryDelay);
    retry_timer_->async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  if (shared_->connections.load() >= options_.max_connections) {
    // Over the limit: drop it at once rather than queue it. Logged once per episode, as a
    // flood of connections would otherwise become a flood of log lines.
    if (!limit_logged_) {
      log::Warn("hls_connection_limit_reached").Kv("max_connections", options_.max_connections);
      limit_logged_ = true;
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    limit_logged_ = false;
    shared_->connections.fetch_add(1);
    shared_->metrics.ConnectionOpened();
    std::make_shared<HttpSession>(std::move(socket), shared_)->Start();
  }
  Accept();
}

void HlsOrigin::Impl::Stop() {
  if (!ioc_) return;
  ioc_->stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  work_.reset();
  retry_timer_.reset();
  acceptor_.reset();
  // Destroys every pending handler and with it every session and its socket.
  ioc_.reset();
  shared_.reset();
}

HlsOrigin::HlsOrigin(HlsOriginOptions options, prometheus::Registry* registry)
    : impl_(std::make_unique<Impl>(std::move(options), registry)) {}

HlsOrigin::~HlsOrigin() { Stop(); }

absl::Status HlsOrigin::Start() { return impl_->Start(); }

uint16_t HlsOrigin::port() const { return impl_->port(); }

void HlsOrigin::Stop() { impl_->Stop(); }

}  // namespace shopcast::video_ingest::hls
