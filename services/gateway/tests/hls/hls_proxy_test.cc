// The HLS proxy in front of a scripted origin on loopback (tests/hls/proxy_harness.h): what
// passes through and what comes back, blocking requests held by the origin without threads,
// refusals that never reach the origin, and every way an upstream fails.
#include "hls/hls_proxy.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proxy_harness.h"

namespace shopcast::gateway::hls {
namespace {

namespace http = boost::beast::http;
using testing::Call;
using testing::Get;
using testing::TestOrigin;

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
std::string Live(const std::string& rest) { return std::string("/live/") + kId + "/" + rest; }

std::string Header(const HttpResponse& r, http::field f) {
  auto it = r.find(f);
  return it == r.end() ? "" : std::string(it->value());
}

std::string MetricsText(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

std::shared_ptr<RouteHandler> ProxyTo(const std::string& origin, prometheus::Registry* registry,
                                      HlsProxyOptions options = {}) {
  options.default_origin = origin;
  INFO(ValidateHlsProxyOptions(options, false).ToString());
  REQUIRE(ValidateHlsProxyOptions(options, false).ok());
  return MakeHlsProxy(options, nullptr, registry);
}

template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST_CASE("Path, query, range and conditional headers go through, the origin answer comes back") {
  TestOrigin origin;
  prometheus::Registry registry;
  auto proxy = ProxyTo(origin.url(), &registry);

  // A blocking-style playlist request with a token: the target reaches the origin untouched.
  const std::string target = Live("etag.m3u8?_HLS_msn=5&_HLS_part=1&_HLS_skip=YES&token=a%2Bb");
  HttpResponse r = Call(*proxy, Get(target, {{"If-Modified-Since", "Tue, 01 Dec 2026 00:00:00 GMT"},
                                             {"Cookie", "__Host-shopcast_refresh=secret"},
                                             {"Authorization", "Bearer user-token"}}));
  CHECK(r.result_int() == 200);
  CHECK(r.body() == "#EXTM3U\n");
  CHECK(Header(r, http::field::content_type) == "application/vnd.apple.mpegurl");
  CHECK(Header(r, http::field::etag) == "\"v1\"");
  CHECK(Header(r, http::field::last_modified) == "Wed, 02 Dec 2026 10:00:00 GMT");
  CHECK(Header(r, http::field::cache_control) == "max-age=1");
  CHECK(r.find("X-Internal-Secret") == r.end());
  auto seen = origin.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].target == target);
  CHECK(seen[0].headers["if-modified-since"] == "Tue, 01 Dec 2026 00:00:00 GMT");
  CHECK(seen[0].headers["x-request-id"] == "test-request");
  // The browser's credentials stay at the edge.
  CHECK(seen[0].headers.count("cookie") == 0);
  CHECK(seen[0].headers.count("authorization") == 0);

  // Revalidation: 304 passes through with its validator.
  r = Call(*proxy, Get(Live("etag.m3u8"), {{"If-None-Match", "\"v1\""}}));
  CHECK(r.result_int() == 304);
  CHECK(r.body().empty());
  CHECK(Header(r, http::field::etag) == "\"v1\"");
  CHECK(r.find(http::field::content_length) == r.end());  // no body, no length of one

  // Ranges: 206 with Content-Range and exactly the bytes asked for.
  r = Call(*proxy, Get(Live("range.ts"), {{"Range", "bytes=10-19"}}));
  CHECK(r.result_int() == 206);
  CHECK(r.body() == "klmnopqrst");
  CHECK(Header(r, http::field::content_range) == "bytes 10-19/100");
  CHECK(Header(r, http::field::content_length) == "10");
  CHECK(Header(r, http::field::accept_ranges) == "bytes");
  CHECK(origin.requests().back().headers["range"] == "bytes=10-19");

  // HEAD: the origin's length, no body.
  HttpRequest head = Get(Live("range.ts"));
  head.method(http::verb::head);
  r = Call(*proxy, head);
  CHECK(r.result_int() == 200);
  CHECK(r.body().empty());
  CHECK(Header(r, http::field::content_length) == "100");
  CHECK(origin.requests().back().method == "HEAD");

  // A gated stream's refusal passes through as the origin gave it; the right token plays.
  CHECK(Call(*proxy, Get(Live("gated.m3u8"))).result_int() == 403);
  CHECK(Call(*proxy, Get(Live("gated.m3u8?token=bad"))).result_int() == 403);
  CHECK(Call(*proxy, Get(Live("gated.m3u8?token=good"))).result_int() == 200);

  // Keep-alive: seven requests, answered one after another, over one pooled connection.
  CHECK(origin.requests().size() == 7);
  CHECK(origin.connections() == 1);
  const std::string m = MetricsText(registry);
  CHECK(absl::StrContains(m, "gateway_hls_requests_total{outcome=\"ok\"} 4"));
  CHECK(absl::StrContains(m, "gateway_hls_requests_total{outcome=\"not_modified\"} 1"));
  CHECK(absl::StrContains(m, "gateway_hls_requests_total{outcome=\"origin_4xx\"} 2"));
  CHECK(absl::StrContains(m, "gateway_hls_upstream_connections 1"));
  CHECK(absl::StrContains(m, "gateway_hls_upstream_seconds_count 7"));
}

TEST_CASE("Bad paths, other methods and /vod/ are answered without any upstream request") {
  TestOrigin origin;
  prometheus::Registry registry;
  auto proxy = ProxyTo(origin.url(), &registry);
  for (const std::string& target :
       {Live("../secret.m3u8"), Live("%2e%2e/x.ts"), Live("index.php"), Live("a/b.ts"),
        std::string("/live/str_nope/index.m3u8"), Live("index.m3u8?a b"), Live("x.ts#f"),
        std::string("/live/../../etc/passwd"), std::string("/live/") + kId + "//"}) {
    INFO(target);
    HttpResponse r = Call(*proxy, Get(target));
    CHECK(r.result_int() == 404);
    CHECK(Header(r, http::field::cache_control) == "no-store");
  }
  HttpRequest post = Get(Live("index.m3u8"));
  post.method(http::verb::post);
  HttpResponse r = Call(*proxy, post);
  CHECK(r.result_int() == 405);
  CHECK(Header(r, http::field::allow) == "GET, HEAD");
  r = Call(*proxy, Get(std::string("/vod/") + kId + "/index.m3u8"));
  CHECK(r.result_int() == 404);
  CHECK(absl::StrContains(r.body(), "recordings are not served yet"));
  CHECK(origin.requests().empty());
  CHECK(origin.connections() == 0);
  CHECK(absl::StrContains(MetricsText(registry),
                          "gateway_hls_requests_total{outcome=\"bad_path\"} 9"));
}

TEST_CASE("A show's bare live address (a notification's link) redirects to its watch page") {
  TestOrigin origin;
  prometheus::Registry registry;
  auto proxy = ProxyTo(origin.url(), &registry);
  HttpResponse r = Call(*proxy, Get(std::string("/live/") + kId + "?queue_ticket=qtk_1"));
  CHECK(r.result_int() == 302);
  CHECK(Header(r, http::field::location) == std::string("/watch/") + kId + "?queue_ticket=qtk_1");
  CHECK(Header(r, http::field::cache_control) == "no-store");
  HttpRequest head = Get(std::string("/live/") + kId + "/");
  head.method(http::verb::head);
  r = Call(*proxy, head);
  CHECK(r.result_int() == 302);
  CHECK(Header(r, http::field::location) == std::string("/watch/") + kId);
  CHECK(r.body().empty());
  // a recording's address is never one
  r = Call(*proxy, Get(std::string("/vod/") + kId));
  CHECK(r.result_int() == 404);
  CHECK(origin.requests().empty());
  CHECK(absl::StrContains(MetricsText(registry),
                          "gateway_hls_requests_total{outcome=\"watch_redirect\"} 2"));
}

TEST_CASE("Recordings under /vod/ go to the VOD origin, byte for byte, and nothing else does") {
  TestOrigin live;
  TestOrigin vod;
  prometheus::Registry registry;
  HlsProxyOptions options;
  options.vod_origin = vod.url();
  auto proxy = ProxyTo(live.url(), &registry, options);
  const std::string rec = "/vod/rec_01J9Z3K8W4V6T2M0QXYHB5R7NC/";

  // The playlist with its token: the target reaches the VOD origin untouched.
  const std::string target = rec + "etag.m3u8?token=AbC-_9";
  HttpResponse r = Call(*proxy, Get(target, {{"Cookie", "__Host-shopcast_refresh=secret"}}));
  CHECK(r.result_int() == 200);
  CHECK(Header(r, http::field::etag) == "\"v1\"");
  r = Call(*proxy, Get(rec + "range.ts?token=t", {{"Range", "bytes=10-19"}}));
  CHECK(r.result_int() == 206);
  CHECK(r.body() == "klmnopqrst");
  CHECK(Header(r, http::field::content_range) == "bytes 10-19/100");
  HttpRequest head = Get(rec + "range.ts?token=t");
  head.method(http::verb::head);
  r = Call(*proxy, head);
  CHECK(r.result_int() == 200);
  CHECK(r.body().empty());
  CHECK(Header(r, http::field::content_length) == "100");
  // The origin's refusals pass through as it gave them.
  CHECK(Call(*proxy, Get(rec + "gated.m3u8?token=bad")).result_int() == 403);
  CHECK(Call(*proxy, Get(rec + "clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4?token=t")).result_int() ==
        200);
  CHECK(Call(*proxy, Get(rec + "thumbs/thm_01J9Z3K8W4V6T2M0QXYHB5R7NC.jpg")).result_int() == 200);
  auto seen = vod.requests();
  REQUIRE(seen.size() == 6);
  CHECK(seen[0].target == target);
  CHECK(seen[0].headers.count("cookie") == 0);
  CHECK(seen[1].headers["range"] == "bytes=10-19");
  CHECK(seen[2].method == "HEAD");

  // Not a VOD file: answered here, nothing forwarded anywhere.
  for (const std::string& bad :
       {std::string("/vod"), std::string("/vod/"), rec + "../x.ts", rec + "%2e%2e/x.ts",
        rec + "a/b.ts", rec + "index.php", rec + "x.ts#f", rec + "index.m3u8?a b",
        std::string("/vod/str_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8"),
        std::string("/vod/rec_nope/index.m3u8"), rec + "clips/x/y.mp4"}) {
    INFO(bad);
    CHECK(Call(*proxy, Get(bad)).result_int() == 404);
  }
  HttpRequest post = Get(rec + "index.m3u8");
  post.method(http::verb::post);
  CHECK(Call(*proxy, post).result_int() == 405);
  CHECK(vod.requests().size() == 6);
  CHECK(live.requests().empty());
  CHECK(absl::StrContains(MetricsText(registry),
                          "gateway_hls_requests_total{outcome=\"bad_path\"} 11"));

  // A VOD origin that is down: 502, as for live streams.
  HlsProxyOptions down;
  down.vod_origin = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  auto broken = ProxyTo(live.url(), nullptr, down);
  CHECK(Call(*broken, Get(rec + "index.m3u8?token=t")).result_int() == 502);
  // And a malformed vod_origin is refused at start-up.
  down.vod_origin = "ftp://x";
  CHECK_FALSE(ValidateHlsProxyOptions(down, true).ok());
}

TEST_CASE("Blocking playlist requests wait on the origin without holding threads") {
  TestOrigin origin;
  prometheus::Registry registry;
  auto proxy = ProxyTo(origin.url(), &registry);
  REQUIRE(Call(*proxy, Get(Live("warm.ts"))).result_int() == 200);  // the proxy's threads exist
  const int threads_before = testing::ThreadCount();

  constexpr int kHeld = 200;
  std::vector<std::future<HttpResponse>> held;
  for (int i = 0; i < kHeld; ++i) {
    held.push_back(testing::Start(*proxy, Get(Live(absl::StrCat("hold.m3u8?_HLS_msn=", i)))));
  }
  REQUIRE(WaitFor([&] { return origin.held() == kHeld; }, absl::Seconds(30)));
  // Two hundred requests parked upstream; not one more thread, and other requests still flow.
  CHECK(testing::ThreadCount() - threads_before <= 2);
  const auto start = std::chrono::steady_clock::now();
  CHECK(Call(*proxy, Get(Live("other.ts")), absl::Seconds(5)).result_int() == 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  for (auto& f : held) CHECK(f.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  CHECK(absl::StrContains(MetricsText(registry),
                          absl::StrCat("gateway_hls_upstream_connections ", kHeld + 1)));

  // The origin answers: every held request is answered at once.
  origin.Release();
  for (auto& f : held) {
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    HttpResponse r = f.get();
    CHECK(r.result_int() == 200);
    CHECK(r.body() == "#EXTM3U\n#released\n");
  }
  // Each target reached the origin as sent.
  int blocking = 0;
  for (const auto& s : origin.requests()) {
    if (absl::StrContains(s.target, "hold.m3u8?_HLS_msn=")) ++blocking;
  }
  CHECK(blocking == kHeld);
}

TEST_CASE("Upstream failures: refused 502, silent 504, too large 502, over the cap 503") {
  prometheus::Registry registry;
  SECTION("nobody listens") {
    auto proxy = ProxyTo(absl::StrCat("http://127.0.0.1:", testing::ClosedPort()), &registry);
    HttpResponse r = Call(*proxy, Get(Live("index.m3u8?token=secret-token")));
    CHECK(r.result_int() == 502);
    CHECK(r.body() == "upstream unavailable\n");
    CHECK(Header(r, http::field::content_type) == "text/plain; charset=utf-8");
  }
  SECTION("the origin holds the request past the proxy's timeout") {
    TestOrigin origin;
    HlsProxyOptions o;
    o.connect_timeout = absl::Milliseconds(500);
    o.upstream_timeout = absl::Seconds(1);
    auto proxy = ProxyTo(origin.url(), &registry, o);
    const auto start = std::chrono::steady_clock::now();
    HttpResponse r = Call(*proxy, Get(Live("hold.m3u8?_HLS_msn=9")));
    CHECK(r.result_int() == 504);
    CHECK(r.body() == "upstream timed out\n");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    origin.Release();
  }
  SECTION("the answer is larger than the limit") {
    TestOrigin origin;
    HlsProxyOptions o;
    o.max_response_bytes = 1 << 20;
    auto proxy = ProxyTo(origin.url(), &registry, o);
    HttpResponse big = Call(*proxy, Get(Live("big.ts")));
    INFO(big.body().size() << " " << big.body().substr(0, 40));
    CHECK(big.result_int() == 502);
    CHECK(Call(*proxy, Get(Live("small.ts"))).result_int() == 200);  // the proxy goes on
  }
  SECTION("every connection to the origin is in use") {
    TestOrigin origin;
    HlsProxyOptions o;
    o.max_connections_per_origin = 1;
    auto proxy = ProxyTo(origin.url(), &registry, o);
    auto first = testing::Start(*proxy, Get(Live("hold.m3u8")));
    REQUIRE(WaitFor([&] { return origin.held() == 1; }, absl::Seconds(10)));
    HttpResponse r = Call(*proxy, Get(Live("other.ts")));
    CHECK(r.result_int() == 503);
    origin.Release();
    REQUIRE(first.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(first.get().result_int() == 200);
    CHECK(Call(*proxy, Get(Live("other.ts"))).result_int() == 200);
  }
}

TEST_CASE("Options are checked at start-up") {
  HlsProxyOptions o;
  CHECK_FALSE(ValidateHlsProxyOptions(o, false).ok());  // nowhere to send streams
  CHECK(ValidateHlsProxyOptions(o, true).ok());
  o.default_origin = "https://video-ingest:8088";
  CHECK_FALSE(ValidateHlsProxyOptions(o, true).ok());
  o.default_origin = "http://video-ingest-hls:8088";
  CHECK(ValidateHlsProxyOptions(o, false).ok());
  o.upstream_timeout = o.connect_timeout;
  CHECK_FALSE(ValidateHlsProxyOptions(o, false).ok());
}

}  // namespace
}  // namespace shopcast::gateway::hls
