#include "shopcast/http_files/server.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shopcast/http_files/responses.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/status/status.h"

namespace shopcast::http_files {
namespace {

namespace http = boost::beast::http;
using testing::Exchange;
using testing::GetRequest;
using testing::TestConnection;
using namespace std::chrono_literals;

// Answers every request with its target, so a test sees what reached the handler.
class EchoHandler final : public Handler {
 public:
  Reply Respond(const Request& request) const override {
    return TextReply(http::status::ok, request, std::string(request.target()), "echo",
                     [](http::fields& h) { h.set("X-Echo", "1"); });
  }
  Reply Reject(http::status status, unsigned version) const override {
    return RejectReply(status, version, [](http::fields&) {});
  }
};

// Like EchoHandler, but keeps requests for "/later" for the test to complete.
class DeferringHandler final : public Handler {
 public:
  Reply Respond(const Request& request) const override {
    return TextReply(http::status::ok, request, std::string(request.target()), "echo",
                     [](http::fields&) {});
  }
  Reply Reject(http::status status, unsigned version) const override {
    return RejectReply(status, version, [](http::fields&) {});
  }
  std::optional<Reply> RespondOrDefer(const Request& request,
                                      const std::shared_ptr<DeferredReply>& later) const override {
    if (request.target() != "/later") return Respond(request);
    later->OnCancel([this] { cancelled.fetch_add(1); });
    std::lock_guard<std::mutex> lock(mu);
    kept.push_back({later, request});
    return std::nullopt;
  }
  size_t Kept() const {
    std::lock_guard<std::mutex> lock(mu);
    return kept.size();
  }
  // Completes the oldest kept request on its connection's strand.
  void CompleteOldest(const std::string& body) const {
    std::lock_guard<std::mutex> lock(mu);
    auto [later, request] = kept.front();
    kept.erase(kept.begin());
    boost::asio::post(later->executor(), [later = later, request = request, body] {
      later->Complete(TextReply(http::status::ok, request, body, "echo", [](http::fields&) {}));
    });
  }
  mutable std::mutex mu;
  mutable std::vector<std::pair<std::shared_ptr<DeferredReply>, Request>> kept;
  mutable std::atomic<int> cancelled{0};
};

bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

double Metric(prometheus::Registry& registry, const std::string& name, const std::string& code) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "code" && label.value == code) return metric.counter.value;
      }
    }
  }
  return 0;
}

// TCP_NODELAY of every connected socket of this process whose local port is `port`: the
// server's side of its accepted connections (the server runs in the test's process).
std::vector<int> NoDelayOfAcceptedSockets(uint16_t port) {
  std::vector<int> found;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return found;
  while (dirent* entry = readdir(dir)) {
    const int fd = atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_in local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (local.sin_family != AF_INET || ntohs(local.sin_port) != port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;  // Listener.
    int value = -1;
    socklen_t value_len = sizeof value;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &value_len) == 0) found.push_back(value);
  }
  closedir(dir);
  return found;
}

TEST_CASE("The server hands requests to its handler and counts them", "[http_files][server]") {
  prometheus::Registry registry;
  ServerOptions options;
  options.listen_address = "127.0.0.1";
  options.metrics_prefix = "test_http";
  Server server(options, std::make_shared<EchoHandler>(), &registry);
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() != 0);

  TestConnection connection(server.port());
  REQUIRE(connection.Send(GetRequest("/one") + GetRequest("/two")));  // Pipelined.
  const auto first = connection.Read();
  const auto second = connection.Read();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->body == "/one");
  CHECK(second->body == "/two");
  CHECK(first->Header("x-echo") == "1");
  CHECK(Metric(registry, "test_http_requests_total", "200") == 2);

  // A head over the limit is refused with 431 and the connection closes.
  const auto big = Exchange(server.port(), GetRequest("/" + std::string(16 * 1024, 'a')));
  CHECK(big.status == 431);
  CHECK(Metric(registry, "test_http_requests_total", "431") == 1);

  ServerOptions busy = options;
  busy.port = server.port();
  Server second_server(busy, std::make_shared<EchoHandler>());
  const absl::Status s = second_server.Start();
  CHECK(ReasonOf(s) == "TEST_HTTP_LISTEN_FAILED");

  server.Stop();
  server.Stop();  // Idempotent.
}

TEST_CASE("A deferred request is answered when its handler completes it", "[http_files][server]") {
  auto handler = std::make_shared<DeferringHandler>();
  ServerOptions options;
  options.listen_address = "127.0.0.1";
  Server server(options, handler);
  REQUIRE(server.Start().ok());

  // One waiting request per connection: a pipelined request behind it waits its turn.
  TestConnection connection(server.port());
  REQUIRE(connection.Send(GetRequest("/later") + GetRequest("/now")));
  REQUIRE(Eventually([&] { return handler->Kept() == 1; }));
  CHECK_FALSE(connection.Read(false, 200ms).has_value());
  handler->CompleteOldest("done later");
  auto first = connection.Read();
  auto second = connection.Read();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->body == "done later");
  CHECK(second->body == "/now");
  // The connection goes on as usual.
  REQUIRE(connection.Send(GetRequest("/again")));
  auto third = connection.Read();
  REQUIRE(third);
  CHECK(third->body == "/again");
  CHECK(handler->cancelled.load() == 0);

  // A client that hangs up while its request waits: the handler hears of it at once.
  {
    TestConnection leaving(server.port());
    REQUIRE(leaving.Send(GetRequest("/later")));
    REQUIRE(Eventually([&] { return handler->Kept() == 1; }));
  }
  CHECK(Eventually([&] { return handler->cancelled.load() == 1; }));
  handler->CompleteOldest("too late");  // ignored: the connection is gone
  server.Stop();
}

TEST_CASE("A deferred request the handler forgets is dropped after max_deferral",
          "[http_files][server]") {
  auto handler = std::make_shared<DeferringHandler>();
  ServerOptions options;
  options.listen_address = "127.0.0.1";
  options.max_deferral = absl::Milliseconds(300);
  Server server(options, handler);
  REQUIRE(server.Start().ok());
  TestConnection connection(server.port());
  REQUIRE(connection.Send(GetRequest("/later")));
  CHECK(connection.WaitClosed(20s));
  CHECK(Eventually([&] { return handler->cancelled.load() == 1; }));
  server.Stop();
}

TEST_CASE("An idle kept-alive connection is closed", "[http_files][server]") {
  ServerOptions options;
  options.listen_address = "127.0.0.1";
  options.idle_timeout = absl::Milliseconds(200);
  Server server(options, std::make_shared<EchoHandler>());
  REQUIRE(server.Start().ok());
  TestConnection connection(server.port());
  REQUIRE(connection.Send(GetRequest("/x")));
  REQUIRE(connection.Read());
  CHECK(connection.WaitClosed(20s));
}

// A file reply leaves in several writes (the head with the file's first block, then further
// blocks); with Nagle on, the last short write waited for the client's delayed ACK, and each
// 120 KiB file fetched on a kept-alive connection took ~44 ms instead of ~1 ms on loopback.
TEST_CASE("Accepted connections send without Nagle's delay", "[http_files][server]") {
  ServerOptions options;
  options.listen_address = "127.0.0.1";
  Server server(options, std::make_shared<EchoHandler>());
  REQUIRE(server.Start().ok());
  TestConnection first(server.port());
  TestConnection second(server.port());
  for (TestConnection* connection : {&first, &second}) {
    REQUIRE(connection->Send(GetRequest("/x")));
    REQUIRE(connection->Read());  // Answered, so the server holds its side of both.
  }
  const std::vector<int> no_delay = NoDelayOfAcceptedSockets(server.port());
  CHECK(no_delay.size() == 2);
  for (int value : no_delay) CHECK(value != 0);
}

TEST_CASE("Listen addresses are host:port with an IP", "[http_files][server]") {
  ServerOptions o;
  REQUIRE(SetListenAddress("127.0.0.1:8098", o).ok());
  CHECK(o.listen_address == "127.0.0.1");
  CHECK(o.port == 8098);
  REQUIRE(SetListenAddress(":0", o).ok());
  CHECK(o.listen_address == "0.0.0.0");
  CHECK(o.port == 0);
  REQUIRE(SetListenAddress("[::1]:80", o).ok());
  CHECK(o.listen_address == "::1");
  for (const char* bad :
       {"", "8098", "127.0.0.1:", "127.0.0.1:65536", "localhost:80", "1.2.3.4:x"}) {
    INFO(bad);
    CHECK_FALSE(SetListenAddress(bad, o).ok());
  }
}

}  // namespace
}  // namespace shopcast::http_files
