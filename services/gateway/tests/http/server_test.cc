// The HTTP server over real loopback sockets, with stub areas: routing, limits, timeouts,
// pipelining, request ids, client addresses, headers, CORS, drain.

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "server_fixture.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/wait.h"

namespace shopcast::gateway::http {
namespace {

namespace bhttp = boost::beast::http;
using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using http_files::testing::TestConnection;
using shopcast::testing::WaitUntil;
using testing::StubArea;
using testing::Stubs;
using testing::TestOptions;
using testing::TestServer;
using namespace std::chrono_literals;

std::string Post(const std::string& target, const std::string& body,
                 const std::string& extra = "") {
  return absl::StrCat("POST ", target,
                      " HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ", body.size(), "\r\n", extra,
                      "\r\n", body);
}

// Responders a test keeps, to answer (or drop) when it says.
class Holder {
 public:
  StubArea::Fn Fn() {
    return [this](HttpRequest, const RequestContext& context, Responder respond) {
      absl::MutexLock lock(&mu_);
      held_.push_back(std::move(respond));
      ids_.push_back(context.request_id);
    };
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return held_.size();
  }
  bool WaitFor(size_t n) {
    return WaitUntil([&] { return count() >= n; }, absl::Seconds(10));
  }
  // Answers the i-th held request with `body`, from this (non-I/O) thread.
  void Answer(size_t i, const std::string& body) {
    Responder r;
    {
      absl::MutexLock lock(&mu_);
      r = std::move(held_.at(i));
    }
    HttpResponse response{bhttp::status::ok, 11};
    response.body() = body;
    std::move(r)(std::move(response));
  }
  void Drop(size_t i) {
    absl::MutexLock lock(&mu_);
    Responder gone = std::move(held_.at(i));
  }

 private:
  absl::Mutex mu_;
  std::vector<Responder> held_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
};

bool BodyHas(const RawResponse& r, const std::string& text) {
  return absl::StrContains(r.body, text);
}

TEST_CASE("paths are routed to their areas, and missing areas answer 404") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/api/v1/user/GetUser")), "area=api"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/openapi.json")), "area=api"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/live/str_1/index.m3u8?_HLS_msn=3")),
                "target=/live/str_1/index.m3u8?_HLS_msn=3"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/live/str_1/index.m3u8")), "area=hls"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/vod/rec_1/index.m3u8")), "area=hls"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/")), "area=web"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/streams/str_1")), "area=web"));
  // Prefixes match whole segments only.
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/apiary")), "area=web"));
  CHECK(BodyHas(Exchange(server.port(), GetRequest("/lively")), "area=web"));

  // No acceptor: /ws answers 404 like any missing area.
  RawResponse ws = Exchange(server.port(), GetRequest("/ws/v1"));
  CHECK(ws.status == 404);

  TestServer bare(TestOptions(), Routes{});
  RawResponse missing = Exchange(bare.port(), GetRequest("/api/v1/user/GetUser"));
  CHECK(missing.status == 404);
  CHECK(missing.Header("content-type") == "application/json");
  CHECK(BodyHas(missing, R"("reason":"NOT_FOUND")"));
}

TEST_CASE("an answer may come later from another thread - the request context is complete") {
  Stubs stubs;
  stubs.api->Set([](HttpRequest request, const RequestContext& context, Responder respond) {
    std::thread([request = std::move(request), context, respond = std::move(respond)]() mutable {
      std::this_thread::sleep_for(20ms);  // An upstream call's latency.
      std::move(respond)(testing::Echo("api-later", request, context));
    }).detach();
  });
  TestServer server(TestOptions(), stubs.AsRoutes());
  RawResponse r = Exchange(server.port(), Post("/api/v1/order/PlaceOrder", "{\"a\":1}"));
  CHECK(r.status == 200);
  CHECK(BodyHas(r, "area=api-later"));
  CHECK(BodyHas(r, "client=127.0.0.1 secure=0 method=POST"));
  CHECK(BodyHas(r, "body_bytes=7"));
}

TEST_CASE("request ids: a sane client id is kept and echoed, anything else replaced") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  RawResponse kept = Exchange(server.port(), GetRequest("/", "X-Request-Id: abc.DEF_123-x\r\n"));
  CHECK(kept.Header("x-request-id") == "abc.DEF_123-x");
  CHECK(BodyHas(kept, "id=abc.DEF_123-x "));

  for (const std::string& bad : {std::string("has space"), std::string("semi;colon"),
                                 std::string(65, 'a'), std::string("<script>")}) {
    RawResponse r = Exchange(server.port(), GetRequest("/", "X-Request-Id: " + bad + "\r\n"));
    const std::string id = r.Header("x-request-id");
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(BodyHas(r, "id=" + id + " "));
  }
  RawResponse none = Exchange(server.port(), GetRequest("/"));
  RawResponse other = Exchange(server.port(), GetRequest("/"));
  CHECK(none.Header("x-request-id").size() == 32);
  CHECK(none.Header("x-request-id") != other.Header("x-request-id"));
  // Server-made answers carry it too, in the header and the JSON body.
  RawResponse rejected =
      Exchange(server.port(), GetRequest("/a/../b", "X-Request-Id: req-400\r\n"));
  CHECK(rejected.status == 400);
  CHECK(rejected.Header("x-request-id") == "req-400");
  CHECK(BodyHas(rejected, R"("requestId":"req-400")"));
}

TEST_CASE("X-Forwarded-For is believed only from trusted proxies, walking past trusted hops") {
  Stubs stubs;
  const std::string xff = "X-Forwarded-For: 198.51.100.7, 203.0.113.9\r\n";
  {
    TestServer server(TestOptions(), stubs.AsRoutes());  // No trusted proxies.
    CHECK(BodyHas(Exchange(server.port(), GetRequest("/", xff)), "client=127.0.0.1 "));
  }
  {
    ServerOptions o = TestOptions();
    o.trusted_proxies = "127.0.0.0/8";
    TestServer server(o, stubs.AsRoutes());
    // The nearest untrusted hop is the client; what it claims further left is not believed.
    CHECK(BodyHas(Exchange(server.port(), GetRequest("/", xff)), "client=203.0.113.9 "));
    // Two headers are one list; a garbage hop ends the walk at the hop before it.
    CHECK(BodyHas(Exchange(server.port(), GetRequest("/",
                                                     "X-Forwarded-For: 198.51.100.7\r\n"
                                                     "X-Forwarded-For: 203.0.113.9\r\n")),
                  "client=203.0.113.9 "));
    CHECK(BodyHas(Exchange(server.port(), GetRequest("/", "X-Forwarded-For: evil, junk\r\n")),
                  "client=127.0.0.1 "));
    // X-Forwarded-Proto from the proxy says the client used TLS: secure, with HSTS.
    RawResponse https =
        Exchange(server.port(), GetRequest("/", xff + "X-Forwarded-Proto: https\r\n"));
    CHECK(BodyHas(https, "secure=1"));
    CHECK(absl::StartsWith(https.Header("strict-transport-security"), "max-age="));
  }
  {
    ServerOptions o = TestOptions();
    o.trusted_proxies = "127.0.0.0/8, 203.0.113.0/24";
    TestServer server(o, stubs.AsRoutes());
    CHECK(BodyHas(Exchange(server.port(), GetRequest("/", xff)), "client=198.51.100.7 "));
  }
  {
    // An untrusted peer's X-Forwarded-Proto changes nothing.
    TestServer server(TestOptions(), stubs.AsRoutes());
    RawResponse r = Exchange(server.port(), GetRequest("/", "X-Forwarded-Proto: https\r\n"));
    CHECK(BodyHas(r, "secure=0"));
    CHECK_FALSE(r.Has("strict-transport-security"));
  }
}

TEST_CASE("every response carries the security headers - an area's own are kept") {
  Stubs stubs;
  stubs.hls->Set([](HttpRequest request, const RequestContext&, Responder respond) {
    HttpResponse r{bhttp::status::ok, request.version()};
    r.set("Content-Security-Policy", "default-src 'none'");
    r.set("Referrer-Policy", "same-origin");
    std::move(respond)(std::move(r));
  });
  TestServer server(TestOptions(), stubs.AsRoutes());
  RawResponse r = Exchange(server.port(), GetRequest("/streams"));
  const std::string csp = r.Header("content-security-policy");
  CHECK(absl::StrContains(csp, "default-src 'self'"));
  CHECK(absl::StrContains(csp, "script-src 'self';"));
  CHECK_FALSE(absl::StrContains(csp, "unsafe-inline"));
  CHECK_FALSE(absl::StrContains(csp, "unsafe-eval"));
  CHECK(absl::StrContains(csp, "media-src 'self' blob:"));
  CHECK(absl::StrContains(csp, "worker-src 'self' blob:"));
  CHECK(absl::StrContains(csp, "connect-src 'self' ws://127.0.0.1 wss://127.0.0.1"));
  CHECK(absl::StrContains(csp, "frame-ancestors 'none'"));
  CHECK(r.Header("x-content-type-options") == "nosniff");
  CHECK(r.Header("x-frame-options") == "DENY");
  CHECK(r.Header("referrer-policy") == "no-referrer");
  CHECK(absl::StrContains(r.Header("permissions-policy"), "geolocation=()"));
  CHECK_FALSE(r.Has("strict-transport-security"));  // Plain HTTP.
  CHECK_FALSE(r.Has("access-control-allow-origin"));

  // A Host that could smuggle policy text is left out of the CSP.
  RawResponse odd = Exchange(
      server.port(), "GET / HTTP/1.1\r\nHost: a.test;script-src *\r\nConnection: close\r\n\r\n");
  CHECK(absl::StrContains(odd.Header("content-security-policy"), "connect-src 'self';"));

  RawResponse own = Exchange(server.port(), GetRequest("/live/s/index.m3u8"));
  CHECK(own.Header("content-security-policy") == "default-src 'none'");
  CHECK(own.Header("referrer-policy") == "same-origin");
  CHECK(own.Header("x-frame-options") == "DENY");
}

TEST_CASE("CORS: allow-listed origins get the headers and preflight answers, others nothing") {
  Stubs stubs;
  ServerOptions o = TestOptions();
  o.cors_origins = {"https://admin.shop.test"};
  TestServer server(o, stubs.AsRoutes());
  const std::string preflight =
      "OPTIONS /api/v1/order/PlaceOrder HTTP/1.1\r\nHost: gw.test\r\n"
      "Origin: https://admin.shop.test\r\nAccess-Control-Request-Method: POST\r\n"
      "Access-Control-Request-Headers: content-type, authorization, x-evil\r\n\r\n";
  RawResponse ok = Exchange(server.port(), preflight);
  CHECK(ok.status == 204);
  CHECK(ok.Header("access-control-allow-origin") == "https://admin.shop.test");
  CHECK(ok.Header("access-control-allow-methods") == "GET, HEAD, POST");
  CHECK(ok.Header("access-control-allow-headers") == "content-type, authorization");
  CHECK(ok.Header("access-control-allow-credentials") == "true");
  CHECK(ok.Has("access-control-max-age"));
  CHECK(ok.Has("x-request-id"));

  std::string foreign = preflight;
  foreign.replace(foreign.find("https://admin.shop.test"), 23, "https://evil.test");
  RawResponse refused = Exchange(server.port(), foreign);
  CHECK(refused.status == 403);
  CHECK_FALSE(refused.Has("access-control-allow-origin"));
  CHECK_FALSE(refused.Has("access-control-allow-methods"));

  RawResponse call =
      Exchange(server.port(), Post("/api/v1/x/Y", "{}", "Origin: https://admin.shop.test\r\n"));
  CHECK(call.Header("access-control-allow-origin") == "https://admin.shop.test");
  CHECK(absl::StrContains(call.Header("access-control-expose-headers"), "X-Request-Id"));
  CHECK(absl::StrContains(call.Header("vary"), "Origin"));
  RawResponse other =
      Exchange(server.port(), Post("/api/v1/x/Y", "{}", "Origin: https://evil.test\r\n"));
  CHECK(other.status == 200);  // The browser, not the server, withholds the answer.
  CHECK_FALSE(other.Has("access-control-allow-origin"));
  CHECK_FALSE(other.Has("access-control-allow-credentials"));
}

TEST_CASE("limits: head size 431, URL 414, header count 431, body 413, per-path upload limit") {
  Stubs stubs;
  ServerOptions o = TestOptions();
  o.max_header_bytes = 4096;
  o.max_url_bytes = 1024;
  o.max_header_count = 20;
  o.max_body_bytes = 1000;
  o.max_upload_bytes = 5000;
  TestServer server(o, stubs.AsRoutes());

  RawResponse head =
      Exchange(server.port(), GetRequest("/", "X-Big: " + std::string(5000, 'a') + "\r\n"));
  CHECK(head.status == 431);
  CHECK(BodyHas(head, "REQUEST_HEADERS_TOO_LARGE"));
  CHECK_FALSE(head.keep_alive);

  RawResponse url = Exchange(server.port(), GetRequest("/" + std::string(1500, 'u')));
  CHECK(url.status == 414);
  CHECK(Exchange(server.port(), GetRequest("/" + std::string(1000, 'u'))).status == 200);

  std::string many;
  for (int i = 0; i < 20; ++i) many += absl::StrCat("X-H", i, ": v\r\n");
  CHECK(Exchange(server.port(), GetRequest("/", many)).status == 431);
  CHECK(Exchange(server.port(), GetRequest("/", "X-One: v\r\n")).status == 200);

  CHECK(Exchange(server.port(), Post("/api/v1/x/Y", std::string(1000, 'b'))).status == 200);
  RawResponse big = Exchange(server.port(), Post("/api/v1/x/Y", std::string(1001, 'b')));
  CHECK(big.status == 413);
  CHECK(BodyHas(big, "BODY_TOO_LARGE"));
  // A chunked body is counted as it arrives.
  RawResponse chunked =
      Exchange(server.port(), absl::StrCat("POST /api/v1/x/Y HTTP/1.1\r\nHost: h\r\n"
                                           "Transfer-Encoding: chunked\r\n\r\n7d0\r\n",
                                           std::string(2000, 'c'), "\r\n0\r\n\r\n"));
  CHECK(chunked.status == 413);
  // The photo upload path has its own, larger limit.
  RawResponse upload = Exchange(
      server.port(), Post("/api/v1/product-inventory/UploadProductImage", std::string(4000, 'p')));
  CHECK(upload.status == 200);
  CHECK(BodyHas(upload, "body_bytes=4000"));
  CHECK(Exchange(server.port(),
                 Post("/api/v1/product-inventory/UploadProductImage", std::string(5001, 'p')))
            .status == 413);
  CHECK(server.Metric("gateway_http_rejected_total", "reason", "body_too_large") >= 3);
}

TEST_CASE("targets with dot segments, encoded separators or odd forms are refused with 400") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  for (const char* target : {"/a/../b", "/..", "/assets/%2e%2e/x", "/a/%2E./b", "/a%2fb", "/a%5cb",
                             "/a%00b", "/a//b", "/a/./b", "http://evil.test/", "/a%zz", "/a%4"}) {
    INFO(target);
    RawResponse r = Exchange(server.port(), GetRequest(target));
    CHECK(r.status == 400);
    CHECK(BodyHas(r, "BAD_TARGET"));
  }
  CHECK(Exchange(server.port(), GetRequest("/a%20b/c-d_e.f~g")).status == 200);
  CHECK(Exchange(server.port(), GetRequest("/streams/")).status == 200);
  RawResponse weird = Exchange(server.port(), "BREW / HTTP/1.1\r\nHost: h\r\n\r\n");
  // RFC 9110 §9.1: a method the server does not know is 501, with our machine-readable reason.
  CHECK(weird.status == 501);
  CHECK(BodyHas(weird, "METHOD_NOT_IMPLEMENTED"));
  RawResponse garbage = Exchange(server.port(), "GET / HTTP/1.1\r\nHost h\r\n\r\n");
  CHECK(garbage.status == 400);
  RawResponse hostless = Exchange(server.port(), "GET / HTTP/1.1\r\n\r\n");
  CHECK(hostless.status == 400);
  CHECK(BodyHas(hostless, "MISSING_HOST"));
  CHECK(Exchange(server.port(), "GET / HTTP/1.0\r\n\r\n").status == 200);
}

TEST_CASE("a body whose length is in doubt is refused and the connection closed (no smuggling)") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  // Each would leave bytes that a proxy in front of us and we could read as different requests:
  // the "body" here is a second request, which must never be answered.
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Transfer-Encoding: gzip\r\n", "BAD_FRAMING"},
      {"Transfer-Encoding: xchunked\r\n", "BAD_FRAMING"},
      {"Transfer-Encoding: chunked, gzip\r\n", "BAD_FRAMING"},
      // Refused by the HTTP parser itself, before our own check.
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "MALFORMED_REQUEST"},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "MALFORMED_REQUEST"},
      {"Transfer-Encoding: gzip, chunked\r\n", "TRANSFER_CODING_UNSUPPORTED"},
  };
  for (const auto& [headers, reason] : cases) {
    INFO(headers);
    TestConnection c(server.port());
    REQUIRE(c.Send(
        absl::StrCat("POST /api/v1/x/Y HTTP/1.1\r\nHost: h\r\n", headers, "\r\n", smuggled)));
    auto r = c.Read();
    REQUIRE(r);
    CHECK((r->status == 400 || r->status == 501));
    CHECK(BodyHas(*r, reason));
    CHECK(c.WaitClosed(std::chrono::seconds(20)));
  }
  {
    TestConnection c(server.port());
    REQUIRE(c.Send("POST /api/v1/x/Y HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    auto r = c.Read();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(c.WaitClosed(std::chrono::seconds(20)));
  }
  // Plain chunked, in any letter case, is fine.
  RawResponse chunked = Exchange(server.port(),
                                 "POST /api/v1/x/Y HTTP/1.1\r\nHost: h\r\n"
                                 "Transfer-Encoding: Chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  CHECK(chunked.status == 200);
  CHECK(server.Metric("gateway_http_rejected_total", "reason", "bad_framing") >= 5);
}

TEST_CASE("HEAD keeps the length of what GET would send and sends no body") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  TestConnection c(server.port());
  REQUIRE(c.Send(GetRequest("/index.html", "", "HEAD")));
  auto head = c.Read(/*head=*/true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(std::stoul(head->Header("content-length")) > 20);
  CHECK(head->body.empty());
  // The connection is still in step: the next response parses.
  REQUIRE(c.Send(GetRequest("/next")));
  auto next = c.Read();
  REQUIRE(next);
  CHECK(BodyHas(*next, "target=/next"));
}

TEST_CASE("Expect: 100-continue gets 100 before the body is sent") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  TestConnection c(server.port());
  REQUIRE(
      c.Send("POST /api/v1/x/Y HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto cont = c.Read();
  REQUIRE(cont);
  CHECK(cont->status == 100);
  REQUIRE(c.Send("hello"));
  auto r = c.Read();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(BodyHas(*r, "body_bytes=5"));
}

TEST_CASE("pipelined requests are answered in order, even when the first answers last") {
  Stubs stubs;
  Holder holder;
  stubs.api->Set(holder.Fn());
  TestServer server(TestOptions(), stubs.AsRoutes());
  TestConnection c(server.port());
  REQUIRE(c.Send(GetRequest("/api/slow") + GetRequest("/second") + GetRequest("/third")));
  REQUIRE(holder.WaitFor(1));
  holder.Answer(0, "first");
  auto a = c.Read();
  auto b = c.Read();
  auto d = c.Read();
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(d);
  CHECK(a->body == "first");
  CHECK(BodyHas(*b, "target=/second"));
  CHECK(BodyHas(*d, "target=/third"));
}

TEST_CASE("a handler that never answers gets 504 - one that drops its responder 500") {
  Stubs stubs;
  Holder holder;
  stubs.api->Set(holder.Fn());
  ServerOptions o = TestOptions();
  o.response_timeout = absl::Milliseconds(300);
  TestServer server(o, stubs.AsRoutes());
  TestConnection c(server.port());
  REQUIRE(c.Send(GetRequest("/api/v1/never")));
  auto r = c.Read(false, 10s);
  REQUIRE(r);
  CHECK(r->status == 504);
  CHECK(BodyHas(*r, "RESPONSE_TIMEOUT"));
  CHECK(r->keep_alive);
  // The late answer is dropped; the connection serves the next request normally.
  holder.Answer(0, "too late");
  REQUIRE(c.Send(GetRequest("/next")));
  auto next = c.Read();
  REQUIRE(next);
  CHECK(BodyHas(*next, "target=/next"));
  CHECK(server.Metric("gateway_http_rejected_total", "reason", "response_timeout") == 1);

  stubs.api->Set([](HttpRequest, const RequestContext&, Responder) {});  // Dropped at once.
  RawResponse dropped = Exchange(server.port(), GetRequest("/api/v1/dropped"));
  CHECK(dropped.status == 500);

  stubs.api->Set([](HttpRequest, const RequestContext&, Responder) -> void {
    throw std::runtime_error("area bug");
  });
  CHECK(Exchange(server.port(), GetRequest("/api/v1/throws")).status == 500);
}

TEST_CASE("slow clients are cut: head, body, idle - a reader that stops reading too") {
  Stubs stubs;
  ServerOptions o = TestOptions();
  o.header_timeout = absl::Milliseconds(300);
  o.body_timeout = absl::Milliseconds(300);
  o.idle_timeout = absl::Milliseconds(300);
  o.write_timeout = absl::Milliseconds(300);
  TestServer server(o, stubs.AsRoutes());

  SECTION("a head trickling in (slow-loris) is cut at the header timeout") {
    TestConnection c(server.port());
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(c.Send("GET / HTTP/1.1\r\nHost: h\r\n"));
    bool closed = false;
    for (int i = 0; i < 50 && !closed; ++i) {
      c.Send("X-Drip: a\r\n");
      closed = c.WaitClosed(100ms);
    }
    CHECK(closed);
    CHECK(std::chrono::steady_clock::now() - start < 4s);
    CHECK(WaitUntil(
        [&] {
          return server.Metric("gateway_http_rejected_total", "reason", "header_timeout") >= 1;
        },
        absl::Seconds(5)));
  }
  SECTION("a body that does not arrive is cut at the body timeout") {
    TestConnection c(server.port());
    REQUIRE(c.Send("POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc"));
    CHECK(c.WaitClosed(5s));
    CHECK(WaitUntil(
        [&] { return server.Metric("gateway_http_rejected_total", "reason", "body_timeout") >= 1; },
        absl::Seconds(5)));
  }
  SECTION("a kept-alive connection idles out") {
    TestConnection c(server.port());
    REQUIRE(c.Send(GetRequest("/")));
    REQUIRE(c.Read());
    CHECK(c.WaitClosed(5s));
    CHECK(WaitUntil(
        [&] { return server.Metric("gateway_http_rejected_total", "reason", "idle_timeout") >= 1; },
        absl::Seconds(5)));
  }
  SECTION("a response the client stops reading is abandoned") {
    stubs.web->Set([](HttpRequest request, const RequestContext&, Responder respond) {
      HttpResponse r{bhttp::status::ok, request.version()};
      r.body() = std::string(32 << 20, 'x');
      std::move(respond)(std::move(r));
    });
    TestConnection c(server.port(), /*receive_buffer=*/4096);
    REQUIRE(c.Send(GetRequest("/big")));
    CHECK(WaitUntil(
        [&] {
          return server.Metric("gateway_http_rejected_total", "reason", "write_timeout") >= 1;
        },
        absl::Seconds(10)));
    CHECK(WaitUntil([&] { return server.server().connections() == 0; }, absl::Seconds(5)));
  }
}

TEST_CASE("connections beyond the limit are closed at once") {
  Stubs stubs;
  ServerOptions o = TestOptions();
  o.max_connections = 2;
  TestServer server(o, stubs.AsRoutes());
  TestConnection a(server.port());
  TestConnection b(server.port());
  REQUIRE(a.Send(GetRequest("/")));
  REQUIRE(a.Read());
  REQUIRE(b.Send(GetRequest("/")));
  REQUIRE(b.Read());
  REQUIRE(WaitUntil([&] { return server.server().connections() == 2; }, absl::Seconds(5)));
  TestConnection c(server.port());
  CHECK(c.WaitClosed(5s));
  CHECK(server.Metric("gateway_http_rejected_total", "reason", "connection_limit") >= 1);
  CHECK(server.Metric("gateway_http_connections") == 2);
}

TEST_CASE("drain: no new connections, idle ones closed, in-flight ones finish with close") {
  Stubs stubs;
  Holder holder;
  stubs.api->Set(holder.Fn());
  TestServer server(TestOptions(), stubs.AsRoutes());
  TestConnection busy(server.port());
  TestConnection idle(server.port());
  REQUIRE(idle.Send(GetRequest("/")));
  REQUIRE(idle.Read());
  REQUIRE(busy.Send(GetRequest("/api/v1/slow")));
  REQUIRE(holder.WaitFor(1));

  auto drained = std::async(std::launch::async, [&] { server.server().Drain(absl::Seconds(20)); });
  CHECK(idle.WaitClosed(5s));
  // The listener is closed: a new connection is refused.
  CHECK(WaitUntil(
      [&] {
        try {
          TestConnection late(server.port());
          return late.WaitClosed(100ms);
        } catch (const std::exception&) {
          return true;
        }
      },
      absl::Seconds(5)));
  CHECK(drained.wait_for(0ms) == std::future_status::timeout);  // Still waiting for `busy`.
  holder.Answer(0, "finished");
  auto r = busy.Read();
  REQUIRE(r);
  CHECK(r->body == "finished");
  CHECK_FALSE(r->keep_alive);
  CHECK(busy.WaitClosed(5s));
  CHECK(drained.wait_for(10s) == std::future_status::ready);
}

TEST_CASE("drain cuts what is still in flight at its deadline") {
  Stubs stubs;
  Holder holder;
  stubs.api->Set(holder.Fn());
  TestServer server(TestOptions(), stubs.AsRoutes());
  TestConnection busy(server.port());
  REQUIRE(busy.Send(GetRequest("/api/v1/never")));
  REQUIRE(holder.WaitFor(1));
  const auto start = std::chrono::steady_clock::now();
  server.server().Drain(absl::Milliseconds(300));
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(busy.WaitClosed(5s));
  holder.Answer(0, "after the drain");  // Nobody to answer any more; must not crash.
  server.server().Stop();
  holder.Drop(0);
}

TEST_CASE("metrics count requests by area and status class, connections and bytes") {
  Stubs stubs;
  TestServer server(TestOptions(), stubs.AsRoutes());
  Exchange(server.port(), GetRequest("/api/x"));
  Exchange(server.port(), GetRequest("/"));
  Exchange(server.port(), GetRequest("/a/../b"));
  double api_2xx = -1;
  double web_4xx = -1;
  for (const auto& family : server.registry().Collect()) {
    if (family.name != "gateway_http_requests_total") continue;
    for (const auto& m : family.metric) {
      std::string area, code;
      for (const auto& l : m.label) (l.name == "area" ? area : code) = l.value;
      if (area == "api" && code == "2xx") api_2xx = m.counter.value;
      if (area == "web" && code == "4xx") web_4xx = m.counter.value;
    }
  }
  CHECK(api_2xx == 1);
  CHECK(web_4xx == 1);
  CHECK(server.Metric("gateway_http_bytes_received_total") > 0);
  CHECK(server.Metric("gateway_http_bytes_sent_total") > 0);
  CHECK(
      WaitUntil([&] { return server.Metric("gateway_http_connections") == 0; }, absl::Seconds(5)));
}

TEST_CASE("options: plain HTTP only on loopback unless behind a TLS proxy - checked values") {
  ServerOptions o = TestOptions();
  CHECK(ValidateOptions(o).ok());
  o.listen_address = "0.0.0.0:8080";
  CHECK(ValidateOptions(o).code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(ValidateOptions(o).message(), "behind_tls_proxy"));
  o.behind_tls_proxy = true;
  CHECK(ValidateOptions(o).ok());
  o.listen_address = "[::1]:0";
  o.behind_tls_proxy = false;
  CHECK(ValidateOptions(o).ok());
  o = TestOptions();
  o.tls_cert_file = "/x.pem";
  CHECK_FALSE(ValidateOptions(o).ok());  // Half a pair.
  o = TestOptions();
  o.trusted_proxies = "10.0.0.1/8";
  CHECK_FALSE(ValidateOptions(o).ok());
  o = TestOptions();
  o.cors_origins = {"*"};
  CHECK_FALSE(ValidateOptions(o).ok());
  o = TestOptions();
  o.listen_address = "localhost:80";
  CHECK_FALSE(ValidateOptions(o).ok());
  o = TestOptions();
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  o.listen_address = "0.0.0.0:0";
  auto s = Server::Create(o, Routes{});
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shopcast::gateway::http
