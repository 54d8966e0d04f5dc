#include "net_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace shopcast::faults {
namespace {

// Waits up to 100 ms for `fd` to be readable.
bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 100) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Closing with a zero linger sends RST instead of FIN: the peer sees "connection reset".
void CloseWithReset(int fd) {
  if (fd < 0) return;
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd);
}

}  // namespace

struct NetProxy::Link {
  int client = -1;
  int up = -1;  // -1: accepted while black-holed, never connected upstream
  std::atomic<bool> blackholed{false};
  std::atomic<bool> dead{false};
  std::atomic<bool> reset{false};
  ~Link() {
    if (reset.load()) {
      CloseWithReset(client);
      CloseWithReset(up);
    } else {
      if (client >= 0) ::close(client);
      if (up >= 0) ::close(up);
    }
  }
};

NetProxy::NetProxy(std::string upstream) : upstream_(std::move(upstream)) {
  const size_t colon = upstream_.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(upstream_.substr(colon + 1), &upstream_port_)) {
    throw std::runtime_error("net proxy: upstream must be 127.0.0.1:<port>: " + upstream_);
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("net proxy: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("net proxy: bind/listen");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

NetProxy::~NetProxy() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    threads.swap(threads_);
    for (auto& link : links_) link->dead = true;
    links_.clear();
  }
  for (std::thread& t : threads) t.join();
  ::close(listen_fd_);
}

void NetProxy::set_mode(Mode mode) {
  mode_ = mode;
  absl::MutexLock lock(&mu_);
  for (auto& link : links_) {
    if (link->dead.load()) continue;
    switch (mode) {
      case Mode::kBlackhole:
        if (!link->blackholed.exchange(true)) cut_.fetch_add(1);
        break;
      case Mode::kReset:
        link->reset = true;
        link->dead = true;
        cut_.fetch_add(1);
        break;
      case Mode::kForward:
        // A black-holed connection lost bytes: its HTTP/2 framing is out of step. Reset it so
        // the client reconnects through the healed link.
        if (link->blackholed.load()) {
          link->reset = true;
          link->dead = true;
        }
        break;
    }
  }
}

void NetProxy::set_latency(absl::Duration latency) {
  latency_us_ = absl::ToInt64Microseconds(latency);
}

void NetProxy::AcceptLoop() {
  while (!stop_.load()) {
    if (!Readable(listen_fd_)) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    accepted_.fetch_add(1);
    const Mode mode = mode_.load();
    if (mode == Mode::kReset) {
      cut_.fetch_add(1);
      CloseWithReset(client);
      continue;
    }
    auto link = std::make_shared<Link>();
    link->client = client;
    if (mode == Mode::kBlackhole) {
      link->blackholed = true;
      cut_.fetch_add(1);
    } else {
      int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
      if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        // The peer is down: the client sees its connection reset, as a direct connect would
        // be refused.
        if (up >= 0) ::close(up);
        link->reset = true;
        continue;
      }
      link->up = up;
    }
    absl::MutexLock lock(&mu_);
    // Forget links both of whose pumps have ended (their threads stay until the destructor).
    std::erase_if(links_, [](const std::shared_ptr<Link>& l) { return l->dead.load(); });
    links_.push_back(link);
    threads_.emplace_back([this, link] { Pump(link, false); });
    if (link->up >= 0) threads_.emplace_back([this, link] { Pump(link, true); });
  }
}

void NetProxy::Pump(const std::shared_ptr<Link>& link, bool upstream_to_client) {
  const int from = upstream_to_client ? link->up : link->client;
  const int to = upstream_to_client ? link->client : link->up;
  char buf[64 * 1024];
  while (!stop_.load() && !link->dead.load()) {
    if (!Readable(from)) continue;
    ssize_t n = ::recv(from, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    if (link->blackholed.load() || to < 0) continue;  // read and dropped on the floor
    const int64_t latency = latency_us_.load();
    if (latency > 0) absl::SleepFor(absl::Microseconds(latency));
    if (link->blackholed.load()) continue;
    if (!SendAll(to, buf, static_cast<size_t>(n))) break;
    forwarded_.fetch_add(n);
  }
  link->dead = true;
}

}  // namespace shopcast::faults
