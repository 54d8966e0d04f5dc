// The image proxy in front of origins that misbehave on loopback: the HLS tests' scripted origin
// (tests/hls/proxy_harness.h: it records what reaches it and answers any other path with
// "ok" as video/mp2t), a refused port, and one that accepts and never answers. What reaches the
// origin, a wrong content type never relayed, bad keys never forwarded, 502 and 504.
#include "images/image_proxy.h"

#include <netinet/in.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "proxy_harness.h"

namespace shopcast::gateway::images {
namespace {

namespace http = boost::beast::http;
using hls::testing::Call;
using hls::testing::Get;
using hls::testing::TestOrigin;

const std::string kKey = std::string(64, 'c') + ".webp";

std::string Header(const HttpResponse& r, http::field f) {
  auto it = r.find(f);
  return it == r.end() ? "" : std::string(it->value());
}

std::string Reason(const HttpResponse& r) {
  return nlohmann::json::parse(r.body())["errorInfo"]["reason"].get<std::string>();
}

std::string MetricsText(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

std::shared_ptr<RouteHandler> ProxyTo(const std::string& origin, prometheus::Registry* registry,
                                      ImageProxyOptions options = {}) {
  options.origin = origin;
  INFO(ValidateImageProxyOptions(options).ToString());
  REQUIRE(ValidateImageProxyOptions(options).ok());
  return MakeImageProxy(options, registry);
}

// A listener that never accepts: connections complete in the kernel's backlog, requests are
// written into it, and no answer ever comes.
class SilentOrigin {
 public:
  SilentOrigin() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentOrigin() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("images: only the key and If-None-Match reach the origin, a wrong type is not relayed") {
  TestOrigin origin;
  prometheus::Registry registry;
  auto proxy = ProxyTo(origin.url(), &registry);

  HttpResponse res = Call(*proxy, Get("/images/" + kKey + "?v=1&token=secret",
                                      {{"If-None-Match", "\"abc\""},
                                       {"Cookie", "__Host-shopcast_refresh=secret"},
                                       {"Authorization", "Bearer secret"},
                                       {"Range", "bytes=0-1"},
                                       {"X-Forwarded-For", "203.0.113.9"}}));
  const auto seen = origin.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].target == "/images/" + kKey);  // no query
  CHECK(seen[0].headers.at("if-none-match") == "\"abc\"");
  CHECK(seen[0].headers.count("cookie") == 0);
  CHECK(seen[0].headers.count("authorization") == 0);
  CHECK(seen[0].headers.count("range") == 0);
  CHECK(seen[0].headers.count("x-forwarded-for") == 0);
  CHECK(seen[0].headers.count("x-request-id") == 1);
  // The scripted origin answers "ok" as video/mp2t: never served as a .webp from our origin.
  CHECK(res.result_int() == 502);
  CHECK(Reason(res) == "IMAGE_ORIGIN_FAILED");
  CHECK(Header(res, http::field::content_type) == "application/json");
  CHECK(Header(res, http::field::cache_control) == "no-store");
  CHECK_FALSE(absl::StrContains(res.body(), "ok\n"));
  CHECK(absl::StrContains(MetricsText(registry),
                          "gateway_images_requests_total{outcome=\"origin_error\"} 1"));

  // HEAD goes upstream as HEAD.
  Call(*proxy, [] {
    HttpRequest req = Get("/images/" + kKey);
    req.method(http::verb::head);
    return req;
  }());
  REQUIRE(origin.requests().size() == 2);
  CHECK(origin.requests()[1].method == "HEAD");
}

TEST_CASE("images: bad keys and methods are refused without reaching the origin") {
  TestOrigin origin;
  prometheus::Registry registry;
  auto proxy = ProxyTo(origin.url(), &registry);
  for (const std::string& target :
       {std::string("/images/../etc/passwd"), std::string("/images/%2e%2e%2fsecret"),
        "/images/" + std::string(64, 'C') + ".webp", "/images/" + std::string(64, 'c') + ".png",
        "/images/" + std::string(300, 'c'), "/images/ab/" + kKey}) {
    INFO(target);
    HttpResponse res = Call(*proxy, Get(target, {}));
    CHECK(res.result_int() == 400);
    CHECK(Reason(res) == "IMAGE_KEY_INVALID");
    auto body = nlohmann::json::parse(res.body());
    CHECK(body["code"] == "INVALID_ARGUMENT");
    CHECK(body["errorInfo"]["domain"] == "gateway");
    CHECK(body["requestId"] == "test-request");
  }
  HttpResponse missing = Call(*proxy, Get("/images/", {}));
  CHECK(missing.result_int() == 404);
  CHECK(Reason(missing) == "IMAGE_NOT_FOUND");
  for (http::verb verb : {http::verb::post, http::verb::put, http::verb::delete_,
                          http::verb::options, http::verb::patch}) {
    HttpRequest req = Get("/images/" + kKey);
    req.method(verb);
    HttpResponse res = Call(*proxy, std::move(req));
    CHECK(res.result_int() == 405);
    CHECK(Header(res, http::field::allow) == "GET, HEAD");
    CHECK(Reason(res) == "METHOD_NOT_ALLOWED");
  }
  CHECK(origin.requests().empty());
  CHECK(origin.connections() == 0);
  const std::string metrics = MetricsText(registry);
  CHECK(absl::StrContains(metrics, "gateway_images_requests_total{outcome=\"bad_key\"} 6"));
  CHECK(absl::StrContains(metrics, "gateway_images_requests_total{outcome=\"bad_method\"} 5"));
}

TEST_CASE("images: an origin that refuses is 502, one that never answers is 504, in time") {
  prometheus::Registry registry;
  auto refused =
      ProxyTo("http://127.0.0.1:" + std::to_string(hls::testing::ClosedPort()), &registry);
  HttpResponse down = Call(*refused, Get("/images/" + kKey));
  CHECK(down.result_int() == 502);
  CHECK(Reason(down) == "IMAGE_ORIGIN_UNAVAILABLE");
  CHECK(Header(down, http::field::cache_control) == "no-store");

  SilentOrigin silent;
  ImageProxyOptions options;
  options.connect_timeout = absl::Milliseconds(500);
  options.upstream_timeout = absl::Seconds(1);
  auto stuck = ProxyTo(silent.url(), &registry, options);
  const absl::Time start = absl::Now();
  HttpResponse late = Call(*stuck, Get("/images/" + kKey));
  const absl::Duration took = absl::Now() - start;
  CHECK(late.result_int() == 504);
  CHECK(Reason(late) == "IMAGE_ORIGIN_TIMEOUT");
  CHECK(took >= absl::Milliseconds(900));
  CHECK(took < absl::Seconds(10));
  const std::string metrics = MetricsText(registry);
  CHECK(absl::StrContains(metrics,
                          "gateway_images_requests_total{outcome=\"upstream_unavailable\"} 1"));
  CHECK(
      absl::StrContains(metrics, "gateway_images_requests_total{outcome=\"upstream_timeout\"} 1"));
}

TEST_CASE("images: options are checked at start") {
  ImageProxyOptions o;
  CHECK_FALSE(ValidateImageProxyOptions(o).ok());  // no origin
  o.origin = "product-inventory:8098";             // no scheme
  CHECK_FALSE(ValidateImageProxyOptions(o).ok());
  o.origin = "https://product-inventory:8098";  // plain HTTP inside the cluster only
  CHECK_FALSE(ValidateImageProxyOptions(o).ok());
  o.origin = "http://product-inventory:8098/images/";  // a path is not an origin
  CHECK_FALSE(ValidateImageProxyOptions(o).ok());
  o.origin = "http://product-inventory:8098";
  CHECK(ValidateImageProxyOptions(o).ok());
  o.upstream_timeout = o.connect_timeout;
  CHECK_FALSE(ValidateImageProxyOptions(o).ok());
}

}  // namespace
}  // namespace shopcast::gateway::images
