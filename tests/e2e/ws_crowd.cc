#include "ws_crowd.h"

#include <deque>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/websocket/stream.hpp"

namespace shopcast::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsCrowd::Impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::steady_timer heartbeat{ioc};
  int next_to_open = 0;  // I/O thread
};

struct WsCrowd::Conn {
  explicit Conn(asio::io_context& ioc) : ws(ioc) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> out;  // I/O thread
  bool open = false, writing = false, dead = false;
  bool ever_open = false;  // this socket (any of its connections) was open once
  size_t port_index = 0;
};

WsCrowd::WsCrowd(int port, int sockets, absl::Duration timeout, int opening,
                 absl::Duration heartbeat_interval)
    : WsCrowd(std::vector<int>{port}, sockets, nullptr, timeout, opening, heartbeat_interval) {}

WsCrowd::WsCrowd(std::vector<int> ports, int sockets, Resume resume, absl::Duration timeout,
                 int opening, absl::Duration heartbeat_interval)
    : impl_(std::make_unique<Impl>()),
      ports_(std::move(ports)),
      resume_(std::move(resume)),
      heartbeat_interval_(heartbeat_interval) {
  if (ports_.empty()) throw std::invalid_argument("ws crowd: no gateway");
  {
    absl::MutexLock lock(&mu_);
    frames_.resize(static_cast<size_t>(sockets));
    reconnects_.resize(static_cast<size_t>(sockets));
    port_of_.resize(static_cast<size_t>(sockets));
  }
  for (int i = 0; i < sockets; ++i) conns_.push_back(std::make_shared<Conn>(impl_->ioc));
  Start(timeout, opening);
}

void WsCrowd::Start(absl::Duration timeout, int opening) {
  const int sockets = size();
  thread_ = std::thread([this] { impl_->ioc.run(); });
  asio::post(impl_->ioc, [this, opening] {
    for (int k = 0; k < opening && impl_->next_to_open < size(); ++k) {
      const int i = impl_->next_to_open++;
      Open(i, static_cast<size_t>(i) % ports_.size());
    }
    Heartbeat();
  });
  const absl::Time deadline = absl::Now() + timeout;
  int open = 0, failed = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      open = open_;
      failed = closed_;
    }
    if (open + failed >= sockets || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  if (open != sockets) {
    impl_->ioc.stop();
    thread_.join();
    throw std::runtime_error(
        absl::StrCat("ws crowd: ", open, " of ", sockets, " sockets open, ", failed, " failed"));
  }
}

WsCrowd::~WsCrowd() {
  impl_->ioc.stop();
  if (thread_.joinable()) thread_.join();
  // The I/O thread is gone: close every socket here, so the gateway sees the viewers leave now
  // (the handlers still queued, which hold the connections, go with the io_context).
  for (const auto& c : conns_) {
    beast::error_code ignored;
    beast::get_lowest_layer(c->ws).socket().close(ignored);
  }
  conns_.clear();
}

void WsCrowd::Fail(const std::shared_ptr<Conn>& c) {
  if (c->dead) return;
  c->dead = true;
  if (resume_ && c->ever_open) {
    // Find the socket this connection serves, and reconnect it to the next gateway.
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (conns_[i] != c) continue;
      if (c->open) {
        absl::MutexLock lock(&mu_);
        --open_;
      }
      c->open = false;
      auto timer = std::make_shared<asio::steady_timer>(impl_->ioc);
      timer->expires_after(std::chrono::milliseconds(100));
      timer->async_wait(
          [this, timer, i, next = (c->port_index + 1) % ports_.size()](beast::error_code ec) {
            if (!ec) Reopen(static_cast<int>(i), next);
          });
      return;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    ++closed_;
    if (c->open) --open_;
  }
  c->open = false;
  if (impl_->next_to_open < size()) {
    const int i = impl_->next_to_open++;
    Open(i, static_cast<size_t>(i) % ports_.size());
  }
}

void WsCrowd::Reopen(int i, size_t port_index) {
  auto c = std::make_shared<Conn>(impl_->ioc);
  c->ever_open = true;  // a failed reconnect tries the next gateway again
  conns_[static_cast<size_t>(i)] = c;
  Open(i, port_index, /*reconnect=*/true);
}

void WsCrowd::Open(int i, size_t port_index, bool reconnect) {
  std::shared_ptr<Conn> c = conns_[static_cast<size_t>(i)];
  c->port_index = port_index;
  const int port = ports_[port_index];
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  beast::get_lowest_layer(c->ws).expires_after(std::chrono::seconds(30));
  beast::get_lowest_layer(c->ws).async_connect(
      endpoint, [this, c, i, port, reconnect](beast::error_code ec) {
        if (ec) return Fail(c);
        beast::get_lowest_layer(c->ws).expires_never();
        c->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        c->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
          req.set(beast::http::field::sec_websocket_protocol, "shopcast.v1.proto");
        }));
        c->ws.binary(true);
        c->ws.async_handshake(absl::StrCat("127.0.0.1:", port), "/ws/v1",
                              [this, c, i, port, reconnect](beast::error_code ec2) {
                                if (ec2) return Fail(c);
                                c->open = true;
                                c->ever_open = true;
                                Frames so_far;
                                {
                                  absl::MutexLock lock(&mu_);
                                  ++open_;
                                  port_of_[static_cast<size_t>(i)] = port;
                                  if (reconnect) {
                                    ++reconnects_[static_cast<size_t>(i)];
                                    so_far = frames_[static_cast<size_t>(i)];
                                  }
                                }
                                if (reconnect) {
                                  // Ahead of anything queued while the socket was down.
                                  std::deque<std::string> first;
                                  for (const auto& f : resume_(i, so_far)) {
                                    first.push_back(f.SerializeAsString());
                                  }
                                  for (auto& b : c->out) first.push_back(std::move(b));
                                  c->out = std::move(first);
                                } else if (impl_->next_to_open < size()) {
                                  const int next = impl_->next_to_open++;
                                  Open(next, static_cast<size_t>(next) % ports_.size());
                                }
                                Read(c, i);
                                Flush(c);  // frames queued before the socket opened
                              });
      });
}

void WsCrowd::Read(const std::shared_ptr<Conn>& c, int i) {
  c->ws.async_read(c->buffer, [this, c, i](beast::error_code ec, size_t) {
    if (ec) return Fail(c);
    gw::ServerFrame frame;
    const auto data = c->buffer.cdata();
    const bool ok = frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
    c->buffer.consume(c->buffer.size());
    if (ok) {
      absl::MutexLock lock(&mu_);
      frames_[static_cast<size_t>(i)].push_back(std::move(frame));
    }
    Read(c, i);
  });
}

void WsCrowd::Send(int i, const gw::ClientFrame& frame) {
  std::string bytes = frame.SerializeAsString();
  asio::post(impl_->ioc, [this, i, bytes = std::move(bytes)]() mutable {
    std::shared_ptr<Conn> c = conns_[static_cast<size_t>(i)];
    if (c->dead) return;
    c->out.push_back(std::move(bytes));
    if (c->open) Flush(c);
  });
}

void WsCrowd::Flush(const std::shared_ptr<Conn>& c) {
  if (c->writing || c->out.empty() || c->dead) return;
  c->writing = true;
  c->ws.async_write(asio::buffer(c->out.front()), [this, c](beast::error_code ec, size_t) {
    c->writing = false;
    c->out.pop_front();
    if (ec) c->out.clear();
    Flush(c);
  });
}

void WsCrowd::Heartbeat() {
  impl_->heartbeat.expires_after(
      std::chrono::milliseconds(absl::ToInt64Milliseconds(heartbeat_interval_)));
  impl_->heartbeat.async_wait([this](beast::error_code ec) {
    if (ec) return;
    gw::ClientFrame beat;
    beat.mutable_heartbeat();
    for (int i = 0; i < size(); ++i) {
      if (conns_[static_cast<size_t>(i)]->open) Send(i, beat);
    }
    Heartbeat();
  });
}

bool WsCrowd::WaitAll(const std::function<bool(const Frames&)>& pred, absl::Duration timeout,
                      int first, int last) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (Count(pred, first, last) == (last < 0 ? size() : last) - first) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

int WsCrowd::Count(const std::function<bool(const Frames&)>& pred, int first, int last) const {
  absl::MutexLock lock(&mu_);
  const int end = last < 0 ? static_cast<int>(frames_.size()) : last;
  int n = 0;
  for (int i = first; i < end; ++i) n += pred(frames_[static_cast<size_t>(i)]) ? 1 : 0;
  return n;
}

WsCrowd::Frames WsCrowd::FramesOf(int i) const {
  absl::MutexLock lock(&mu_);
  return frames_[static_cast<size_t>(i)];
}

int WsCrowd::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

int WsCrowd::reconnects(int i) const {
  absl::MutexLock lock(&mu_);
  return reconnects_[static_cast<size_t>(i)];
}

int WsCrowd::port_of(int i) const {
  absl::MutexLock lock(&mu_);
  return port_of_[static_cast<size_t>(i)];
}

}  // namespace shopcast::e2e
