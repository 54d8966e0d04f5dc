#include "shopcast/http_files/server.h"

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

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "http_session.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::http_files {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Pause before accepting again after an accept error (typically out of descriptors), so the
// loop does not spin while existing connections drain.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

absl::Status SetListenAddress(absl::string_view host_port, ServerOptions& options) {
  const size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not host:port: '", host_port, "'"));
  }
  absl::string_view host = host_port.substr(0, colon);
  const absl::string_view port_text = host_port.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  if (port_text.empty() || !absl::SimpleAtoi(port_text, &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in '", host_port, "'"));
  }
  boost::system::error_code ec;
  const std::string address = host.empty() ? "0.0.0.0" : std::string(host);
  net::ip::make_address(address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IP address: '", address, "' (names are not resolved)"));
  }
  options.listen_address = address;
  options.port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

class Server::Impl {
 public:
  Impl(ServerOptions options, std::shared_ptr<const Handler> handler,
       prometheus::Registry* registry)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        registry_(registry),
        reason_prefix_(options_.reason_prefix.empty()
                           ? absl::AsciiStrToUpper(options_.metrics_prefix)
                           : options_.reason_prefix) {}

  absl::Status Start();
  uint16_t port() const { return port_; }
  void Stop();

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  void RunIo();
  std::string Event(absl::string_view what) const {
    return absl::StrCat(options_.metrics_prefix, "_", what);
  }

  const ServerOptions options_;
  const std::shared_ptr<const Handler> handler_;
  prometheus::Registry* const registry_;
  const std::string reason_prefix_;
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

absl::Status Server::Impl::Start() {
  if (ioc_) {
    return Error(absl::StatusCode::kFailedPrecondition,
                 absl::StrCat(reason_prefix_, "_ALREADY_STARTED"),
                 "the server was already started");
  }
  if (handler_ == nullptr || options_.io_threads < 1 || options_.max_connections < 1 ||
      options_.max_header_bytes < 256) {
    return Error(absl::StatusCode::kInvalidArgument, absl::StrCat(reason_prefix_, "_BAD_OPTIONS"),
                 "a handler, io_threads and max_connections ≥ 1, max_header_bytes ≥ 256");
  }
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(options_.listen_address, ec);
  if (ec) {
    return Error(absl::StatusCode::kInvalidArgument, absl::StrCat(reason_prefix_, "_BAD_OPTIONS"),
                 absl::StrCat("bad listen address '", options_.listen_address, "'"),
                 "listen_address");
  }

  shared_ = std::make_shared<SessionShared>(options_, handler_, registry_);
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
    return Error(absl::StatusCode::kUnavailable, absl::StrCat(reason_prefix_, "_LISTEN_FAILED"),
                 message);
  }
  retry_timer_.emplace(*ioc_);
  work_.emplace(ioc_->get_executor());
  Accept();
  threads_.reserve(static_cast<size_t>(options_.io_threads));
  for (int i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { RunIo(); });
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
      log::Error(Event("handler_exception")).Kv("what", e.what());
    }
  }
}

void Server::Impl::Accept() {
  // Each connection gets its own strand, so with several I/O threads a session's handlers
  // and its stream's timer never run concurrently.
  acceptor_->async_accept(net::make_strand(*ioc_),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            OnAccept(ec, std::move(socket));
                          });
}

void Server::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;  // Stopping.
  if (ec) {
    log::Error(Event("accept_failed")).Kv("error", ec.message());
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
      log::Warn(Event("connection_limit_reached")).Kv("max_connections", options_.max_connections);
      limit_logged_ = true;
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    limit_logged_ = false;
    // Nagle off: a response leaves in several writes (the head with the first block of a file,
    // then the file's further blocks), and with Nagle the last short write waits for the ACK of
    // the previous one, which a client on a kept-alive connection delays by up to 40 ms — every
    // playlist, part and segment after a connection's first would arrive that much later.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    shared_->connections.fetch_add(1);
    shared_->metrics.ConnectionOpened();
    std::make_shared<HttpSession>(std::move(socket), shared_)->Start();
  }
  Accept();
}

void Server::Impl::Stop() {
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

Server::Server(ServerOptions options, std::shared_ptr<const Handler> handler,
               prometheus::Registry* registry)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), registry)) {}

Server::~Server() { Stop(); }

absl::Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace shopcast::http_files
