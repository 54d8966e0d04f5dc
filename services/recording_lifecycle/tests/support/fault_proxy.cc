#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

// Waits up to 100 ms for `fd` to be readable; false on timeout.
bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 100) > 0;
}

// Reads what is there (blocking up to 100 ms at a time while `stop` is false); 0 on EOF,
// -1 on error or stop.
ssize_t ReadSome(int fd, char* buf, size_t n, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (!Readable(fd)) continue;
    ssize_t r = ::recv(fd, buf, n, 0);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
  return -1;
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string ErrorAnswer(int status) {
  std::string code = status == 503 ? "SlowDown" : status == 500 ? "InternalError" : "Injected";
  std::string body = absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>", code,
                                  "</Code><Message>injected by the test's fault proxy</Message>"
                                  "</Error>");
  return absl::StrCat("HTTP/1.1 ", status, " Injected\r\nContent-Type: application/xml\r\n",
                      "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
}

}  // namespace

std::string FaultProxy::Seen::Header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("fault proxy: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("fault proxy: bind/listen");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
  ::close(listen_fd_);
}

void FaultProxy::AddRule(Rule rule) {
  absl::MutexLock lock(&mu_);
  rules_.push_back(std::move(rule));
}

std::vector<FaultProxy::Seen> FaultProxy::Requests() const {
  absl::MutexLock lock(&mu_);
  return seen_;
}

int FaultProxy::Count(const std::string& method, const std::string& target_contains) const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const Seen& s : seen_) {
    if ((method.empty() || s.method == method) && absl::StrContains(s.target, target_contains)) ++n;
  }
  return n;
}

FaultProxy::Action FaultProxy::Decide(const std::string& method, const std::string& target,
                                      int* status) {
  absl::MutexLock lock(&mu_);
  for (Rule& r : rules_) {
    if (r.times <= 0) continue;
    if (!r.method.empty() && r.method != method) continue;
    if (!absl::StrContains(target, r.target_contains)) continue;
    --r.times;
    *status = r.status;
    return r.action;
  }
  return Action::kForward;
}

void FaultProxy::AcceptLoop() {
  while (!stop_.load()) {
    if (!Readable(listen_fd_)) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    open_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    workers_.emplace_back([this, client] {
      Serve(client);
      ::close(client);
      open_.fetch_sub(1);
    });
  }
}

void FaultProxy::Serve(int client) {
  // The request head.
  std::string data;
  char buf[64 * 1024];
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ReadSome(client, buf, sizeof(buf), stop_);
    if (n <= 0 || data.size() > (1 << 20)) return;
    data.append(buf, static_cast<size_t>(n));
  }
  std::string head = data.substr(0, head_end);
  std::string body = data.substr(head_end + 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
  if (request_line.size() != 3) return;
  Seen seen;
  seen.method = request_line[0];
  seen.target = request_line[1];
  seen.at = std::chrono::steady_clock::now();
  size_t content_length = 0;
  bool expect_continue = false;
  std::string forwarded_head = lines[0] + "\r\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    seen.headers.emplace_back(name, value);
    if (name == "content-length") (void)absl::SimpleAtoi(value, &content_length);
    // One request per connection, so the upstream closes after its answer. The proxy answers
    // "100 Continue" itself (it reads the body before deciding), so upstream never sees Expect.
    if (name == "expect" && absl::EqualsIgnoreCase(value, "100-continue")) {
      expect_continue = true;
      continue;
    }
    if (name == "connection" || name == "keep-alive") continue;
    absl::StrAppend(&forwarded_head, lines[i], "\r\n");
  }
  absl::StrAppend(&forwarded_head, "Connection: close\r\n\r\n");
  int status = 0;
  seen.action = Decide(seen.method, seen.target, &status);
  {
    absl::MutexLock lock(&mu_);
    seen_.push_back(seen);
  }
  // The whole body first, so a fault answer does not race the client's upload.
  if (expect_continue && body.size() < content_length &&
      !SendAll(client, "HTTP/1.1 100 Continue\r\n\r\n")) {
    return;
  }
  while (body.size() < content_length) {
    ssize_t n = ReadSome(client, buf, sizeof(buf), stop_);
    if (n <= 0) return;
    body.append(buf, static_cast<size_t>(n));
  }
  switch (seen.action) {
    case Action::kStatus:
      SendAll(client, ErrorAnswer(status));
      return;
    case Action::kDrop:
      return;
    case Action::kStall:
      // Nothing is answered; ends when the client gives up (EOF) or the proxy stops.
      while (ReadSome(client, buf, sizeof(buf), stop_) > 0) {
      }
      return;
    case Action::kForward:
    case Action::kLoseAnswer:
      break;
  }
  int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (up < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      !SendAll(up, forwarded_head) || !SendAll(up, body)) {
    ::close(up);
    return;
  }
  bool relay = seen.action == Action::kForward;
  while (true) {
    ssize_t n = ReadSome(up, buf, sizeof(buf), stop_);
    if (n <= 0) break;
    if (relay && !SendAll(client, absl::string_view(buf, static_cast<size_t>(n)))) break;
  }
  ::close(up);
}

}  // namespace shopcast::recording_lifecycle::testing
