#include "shopcast/http_files/server.h"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

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
  for (const char* bad : {"", "8098", "127.0.0.1:", "127.0.0.1:65536", "localhost:80", "1.2.3.4:x"}) {
    INFO(bad);
    CHECK_FALSE(SetListenAddress(bad, o).ok());
  }
}

}  // namespace
}  // namespace shopcast::http_files
