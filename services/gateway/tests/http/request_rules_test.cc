// The pure rules the server applies to request heads.

#include "http/request_rules.h"

#include "catch2/catch.hpp"
#include "http/edge_policy.h"

namespace shopcast::gateway::http {
namespace {

namespace ip = boost::asio::ip;

std::vector<Cidr> Blocks(const std::string& text) {
  auto b = ParseCidrs(text);
  REQUIRE(b.ok());
  return *b;
}

TEST_CASE("request ids: 1..64 of [A-Za-z0-9._-]") {
  CHECK(IsValidRequestId("a"));
  CHECK(IsValidRequestId(std::string(64, 'Z')));
  CHECK(IsValidRequestId("0f.A_b-9"));
  CHECK_FALSE(IsValidRequestId(""));
  CHECK_FALSE(IsValidRequestId(std::string(65, 'a')));
  CHECK_FALSE(IsValidRequestId("a b"));
  CHECK_FALSE(IsValidRequestId("a\nb"));
  CHECK_FALSE(IsValidRequestId("é"));
  CHECK(RequestIdFor("keep-me") == "keep-me");
  const std::string fresh = RequestIdFor("x y");
  CHECK(fresh.size() == 32);
  CHECK(IsValidRequestId(fresh));
  CHECK(NewRequestId() != NewRequestId());
}

TEST_CASE("address blocks parse strictly") {
  CHECK(ParseCidrs("").ok());
  CHECK(Blocks("10.0.0.0/8, 192.168.1.7 ,fd00::/8").size() == 3);
  CHECK(Blocks("0.0.0.0/0").size() == 1);
  CHECK_FALSE(ParseCidrs("10.0.0.1/8").ok());  // Host bits set.
  CHECK_FALSE(ParseCidrs("10.0.0.0/33").ok());
  CHECK_FALSE(ParseCidrs("10.0.0.0/-1").ok());
  CHECK_FALSE(ParseCidrs("fd00::1/8").ok());
  CHECK_FALSE(ParseCidrs("example.com").ok());
  CHECK_FALSE(ParseCidrs("10.0.0.0/x").ok());
  const auto b = Blocks("10.0.0.0/8,fd00::/8");
  CHECK(InAnyCidr(ip::make_address("10.255.0.1"), b));
  CHECK(InAnyCidr(ip::make_address("::ffff:10.1.2.3"), b));  // IPv4-mapped.
  CHECK(InAnyCidr(ip::make_address("fd12::1"), b));
  CHECK_FALSE(InAnyCidr(ip::make_address("11.0.0.1"), b));
  CHECK_FALSE(InAnyCidr(ip::make_address("fe80::1"), b));
}

TEST_CASE("the client address walks X-Forwarded-For from the right past trusted hops") {
  const auto trusted = Blocks("10.0.0.0/8");
  const auto proxy = ip::make_address("10.0.0.5");
  const auto stranger = ip::make_address("198.51.100.1");
  CHECK(ClientAddress(stranger, "203.0.113.9", trusted) == "198.51.100.1");
  CHECK(ClientAddress(proxy, "", trusted) == "10.0.0.5");
  CHECK(ClientAddress(proxy, "203.0.113.9", trusted) == "203.0.113.9");
  CHECK(ClientAddress(proxy, "1.1.1.1, 203.0.113.9, 10.0.0.7", trusted) == "203.0.113.9");
  CHECK(ClientAddress(proxy, "10.0.0.8, 10.0.0.7", trusted) == "10.0.0.8");
  CHECK(ClientAddress(proxy, "garbage, 203.0.113.9", trusted) == "203.0.113.9");
  CHECK(ClientAddress(proxy, "203.0.113.9, garbage", trusted) == "10.0.0.5");
  CHECK(ClientAddress(proxy, "203.0.113.9:4711", trusted) == "203.0.113.9");
  CHECK(ClientAddress(proxy, "[2001:db8::1]", trusted) == "2001:db8::1");
  CHECK(ClientAddress(proxy, "2001:db8::2", trusted) == "2001:db8::2");
  CHECK(ClientAddress(ip::make_address("::ffff:198.51.100.1"), "", trusted) == "198.51.100.1");
  CHECK(IsLoopback(ip::make_address("127.3.4.5")));
  CHECK(IsLoopback(ip::make_address("::1")));
  CHECK_FALSE(IsLoopback(ip::make_address("0.0.0.0")));
}

TEST_CASE("targets: origin-form, visible ASCII, no dot segments or hidden separators") {
  CHECK(IsSafeTarget("/"));
  CHECK(IsSafeTarget("/a/b.c?x=1&y=../z"));  // The query is not a path.
  CHECK(IsSafeTarget("/streams/"));
  CHECK(IsSafeTarget("/a%20b"));
  CHECK(IsSafeTarget("/..a/b.."));  // Dots inside a name are fine.
  for (const char* bad :
       {"",     "x",         "*",     "http://h/", "/a/../b", "/..",    "/.",    "/a/.",
        "/%2e", "/%2E%2e/x", "/.%2e", "/a%2fb",    "/a%2Fb",  "/a%5cb", "/a%00", "/a\\b",
        "//",   "/a//b",     "/a%",   "/a%2",      "/a%g0",   "/a b",   "/a\x7f"}) {
    INFO(bad);
    CHECK_FALSE(IsSafeTarget(bad));
  }
  CHECK(PathOf("/a?b?c") == "/a");
}

TEST_CASE("areas by path prefix, whole segments only") {
  CHECK(AreaOf("/api") == Area::kApi);
  CHECK(AreaOf("/api/v1/user/Login") == Area::kApi);
  CHECK(AreaOf("/openapi.json") == Area::kApi);
  CHECK(AreaOf("/live/str_1/index.m3u8") == Area::kHls);
  CHECK(AreaOf("/vod/x") == Area::kHls);
  CHECK(AreaOf("/images/0a.webp") == Area::kImages);
  CHECK(AreaOf("/images") == Area::kImages);
  CHECK(AreaOf("/imagesx") == Area::kWeb);
  CHECK(AreaOf("/ws/v1") == Area::kWs);
  CHECK(AreaOf("/ws") == Area::kWs);
  CHECK(AreaOf("/apis") == Area::kWeb);
  CHECK(AreaOf("/wsx") == Area::kWeb);
  CHECK(AreaOf("/") == Area::kWeb);
  CHECK(AreaName(Area::kHls) == "hls");
}

TEST_CASE("origins and hosts") {
  CHECK(IsOrigin("https://shop.example"));
  CHECK(IsOrigin("http://localhost:5173"));
  CHECK(IsOrigin("https://[::1]:8443"));
  CHECK_FALSE(IsOrigin("*"));
  CHECK_FALSE(IsOrigin("null"));
  CHECK_FALSE(IsOrigin("https://shop.example/"));
  CHECK_FALSE(IsOrigin("ftp://shop.example"));
  CHECK_FALSE(IsOrigin("https://"));
  CHECK_FALSE(IsOrigin("https://a b"));
  CHECK_FALSE(IsOrigin("https://h:0"));
  CHECK_FALSE(IsOrigin("https://h:99999"));
  CHECK(IsPlainHost("127.0.0.1:8080"));
  CHECK_FALSE(IsPlainHost("a;b"));
  CHECK_FALSE(IsPlainHost("a b"));
  CHECK_FALSE(IsPlainHost(""));
}

TEST_CASE("edge policy: CSP names ws/wss of a plain host only - preflight allow-list") {
  auto policy = EdgePolicy::Create({{"https://admin.test"}, {"http://127.0.0.1:8098"}});
  REQUIRE(policy.ok());
  const std::string csp = policy->ContentSecurityPolicy("gw.test:8080");
  CHECK(csp.find("connect-src 'self' ws://gw.test:8080 wss://gw.test:8080;") != std::string::npos);
  CHECK(csp.find("img-src 'self' data: blob: http://127.0.0.1:8098;") != std::string::npos);
  CHECK(policy->ContentSecurityPolicy("x\"y").find("connect-src 'self';") != std::string::npos);
  CHECK(policy->OriginAllowed("https://admin.test"));
  CHECK_FALSE(policy->OriginAllowed("https://admin.test.evil"));
  CHECK_FALSE(policy->OriginAllowed(""));
  CHECK_FALSE(EdgePolicy::Create({{"https://a.test/path"}, {}}).ok());
  CHECK_FALSE(EdgePolicy::Create({{}, {"javascript:x"}}).ok());
}

}  // namespace
}  // namespace shopcast::gateway::http
