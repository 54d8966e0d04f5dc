#include "hls/hls_origin.h"

#include <prometheus/registry.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::hls {
namespace {

using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using http_files::testing::TestConnection;
using http_files::testing::WriteFile;
using shopcast::testing::TempDir;
using namespace std::chrono_literals;

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kPlaylist[] = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n000001.ts\n";

// 1000 bytes whose values encode their offset, so any misplaced range shows.
std::string SegmentBytes() {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i % 251));
  return s;
}

std::string Live(const std::string& file) { return std::string("/live/") + kId + "/" + file; }

// An origin on an ephemeral port over a root holding one stream's files.
struct Origin {
  explicit Origin(const std::function<void(HlsOriginOptions&)>& tweak = {}) {
    root = dir.File("root");
    WriteFile(root + "/" + kId + "/index.m3u8", kPlaylist);
    WriteFile(root + "/" + kId + "/000001.ts", SegmentBytes());
    WriteFile(root + "/" + kId + "/000001.m4s", "m4s");
    WriteFile(root + "/" + kId + "/000002_3.ts", "part");
    WriteFile(root + "/" + kId + "/init.mp4", "mp4");
    WriteFile(root + "/" + kId + "/000001.aac", "aac");
    WriteFile(root + "/" + kId + "/poster.jpg", "jpg");
    WriteFile(dir.File("secret.ts"), "SECRET");
    std::filesystem::create_symlink(dir.File("secret.ts"), root + "/" + kId + "/link.ts");
    options.listen_address = "127.0.0.1";
    options.root = root;
    if (tweak) tweak(options);
    origin = std::make_unique<HlsOrigin>(options, &registry);
    const absl::Status started = origin->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    port = origin->port();
  }

  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& label : metric.label) have[label.name] = label.value;
        if (have != labels) continue;
        return family.type == prometheus::MetricType::Gauge ? metric.gauge.value
                                                            : metric.counter.value;
      }
    }
    return 0;
  }

  // Polls until `condition` holds or `timeout` passes.
  static bool Eventually(const std::function<bool()>& condition,
                         std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return condition();
  }

  TempDir dir;
  std::string root;
  HlsOriginOptions options;
  prometheus::Registry registry;
  std::unique_ptr<HlsOrigin> origin;
  uint16_t port = 0;
};

TEST_CASE("Each file kind is served whole with its content type and caching", "[hls][origin]") {
  Origin o;
  struct Case {
    std::string file, type, cache, body;
  };
  const std::string immutable = "public, max-age=31536000, immutable";
  for (const Case& c :
       {Case{"index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=1", kPlaylist},
        Case{"000001.ts", "video/mp2t", immutable, SegmentBytes()},
        Case{"000001.m4s", "video/iso.segment", immutable, "m4s"},
        Case{"init.mp4", "video/mp4", immutable, "mp4"},
        Case{"000001.aac", "audio/aac", immutable, "aac"},
        // An LL-HLS part's name comes back when a failed session's segment is cut again.
        Case{"000002_3.ts", "video/mp2t", "public, max-age=4", "part"},
        Case{"poster.jpg", "image/jpeg", "public, max-age=1", "jpg"}}) {
    INFO(c.file);
    const RawResponse r = Exchange(o.port, GetRequest(Live(c.file) + "?_HLS_msn=3"));
    CHECK(r.status == 200);
    CHECK(r.body == c.body);
    CHECK(r.Header("content-type") == c.type);
    CHECK(r.Header("cache-control") == c.cache);
    CHECK(r.Header("content-length") == std::to_string(c.body.size()));
    CHECK(r.Header("accept-ranges") == "bytes");
    CHECK(r.Header("etag").size() > 2);
    CHECK(r.Header("last-modified").ends_with(" GMT"));
    CHECK(r.Has("date"));
  }
  CHECK(o.Metric("hls_http_requests_total", {{"code", "200"}, {"kind", "segment"}}) == 5);
  CHECK(o.Metric("hls_http_requests_total", {{"code", "200"}, {"kind", "playlist"}}) == 1);
  CHECK(o.Metric("hls_http_bytes_sent_total") > 1000);
}

TEST_CASE("Playlist max-age follows the configuration", "[hls][origin]") {
  Origin o([](HlsOriginOptions& opts) { opts.playlist_max_age = absl::Seconds(2); });
  CHECK(Exchange(o.port, GetRequest(Live("index.m3u8"))).Header("cache-control") ==
        "public, max-age=2");
}

TEST_CASE("CORS headers are on every response and preflight is answered", "[hls][origin]") {
  Origin o;
  const RawResponse get = Exchange(o.port, GetRequest(Live("index.m3u8")));
  CHECK(get.Header("access-control-allow-origin") == "*");
  CHECK(get.Header("access-control-expose-headers").find("Content-Range") != std::string::npos);
  CHECK(get.Header("access-control-expose-headers").find("Content-Length") != std::string::npos);
  CHECK(Exchange(o.port, GetRequest(Live("nope.ts"))).Header("access-control-allow-origin") == "*");

  const RawResponse preflight = Exchange(
      o.port, GetRequest(Live("000001.ts"),
                         "Origin: https://shop.example\r\nAccess-Control-Request-Method: GET\r\n"
                         "Access-Control-Request-Headers: range\r\n",
                         "OPTIONS"));
  CHECK(preflight.status == 204);
  CHECK(preflight.body.empty());
  CHECK(preflight.Header("access-control-allow-origin") == "*");
  CHECK(preflight.Header("access-control-allow-methods") == "GET, HEAD, OPTIONS");
  CHECK(preflight.Header("access-control-allow-headers") == "Range");

  Origin custom([](HlsOriginOptions& opts) { opts.cors_origin = "https://shop.example"; });
  CHECK(
      Exchange(custom.port, GetRequest(Live("index.m3u8"))).Header("access-control-allow-origin") ==
      "https://shop.example");
}

TEST_CASE("Unknown streams, missing files and every traversal trick are 404", "[hls][origin]") {
  Origin o;
  const std::string id = kId;
  const std::vector<std::string> targets = {
      "/live/str_01J9Z3K8W4V6T2M0QXYHB5R7NA/index.m3u8",  // Unknown stream.
      Live("000999.ts"),                                  // Missing file.
      Live("link.ts"),                                    // Symlink out of the root.
      "/live/" + id + "/../secret.ts",
      "/live/" + id + "/..%2f..%2fsecret.ts",
      "/live/" + id + "/%2e%2e/secret.ts",
      "/live/%2e%2e/secret.ts",
      "/live/../secret.ts",
      "/live/" + id + "//index.m3u8",
      "/live/" + id + "%2findex.m3u8",
      "/live/" + id + "\\..\\secret.ts",
      "/live/" + id + "/index.m3u8%00.ts",
      "/" + o.root + "/" + id + "/index.m3u8",
      o.root + "/" + id + "/index.m3u8",
      "/live/" + id,
      "/",
  };
  for (const std::string& target : targets) {
    INFO(target);
    const RawResponse r = Exchange(o.port, GetRequest(target));
    CHECK(r.status == 404);
    CHECK(r.body == "not found\n");
    CHECK(r.Header("cache-control") == "no-store");
    CHECK(r.body.find("SECRET") == std::string::npos);
  }
  // A directory where a file is expected is not a file.
  std::filesystem::create_directory(o.root + "/" + id + "/dir.ts");
  CHECK(Exchange(o.port, GetRequest(Live("dir.ts"))).status == 404);
}

TEST_CASE("Methods other than GET, HEAD and OPTIONS are 405 with Allow", "[hls][origin]") {
  Origin o;
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
    INFO(method);
    const RawResponse r = Exchange(o.port, GetRequest(Live("index.m3u8"), "", method));
    CHECK(r.status == 405);
    CHECK(r.Header("allow") == "GET, HEAD, OPTIONS");
  }
  // A request body is never accepted.
  const RawResponse body =
      Exchange(o.port, GetRequest(Live("index.m3u8"), "Content-Length: 5\r\n", "POST") + "hello");
  CHECK(body.status == 413);
}

TEST_CASE("Byte ranges return exactly the requested bytes", "[hls][origin]") {
  Origin o;
  const std::string all = SegmentBytes();
  struct Case {
    std::string range;
    size_t first, last;
  };
  for (const Case& c :
       {Case{"bytes=0-9", 0, 9}, Case{"bytes=10-", 10, 999}, Case{"bytes=-5", 995, 999},
        Case{"bytes=990-5000", 990, 999}, Case{"bytes=500-500", 500, 500}}) {
    INFO(c.range);
    const RawResponse r =
        Exchange(o.port, GetRequest(Live("000001.ts"), "Range: " + c.range + "\r\n"));
    CHECK(r.status == 206);
    CHECK(r.body == all.substr(c.first, c.last - c.first + 1));
    CHECK(r.Header("content-range") ==
          "bytes " + std::to_string(c.first) + "-" + std::to_string(c.last) + "/1000");
    CHECK(r.Header("content-length") == std::to_string(c.last - c.first + 1));
    CHECK(r.Header("accept-ranges") == "bytes");
  }

  const RawResponse unsatisfiable =
      Exchange(o.port, GetRequest(Live("000001.ts"), "Range: bytes=1000-\r\n"));
  CHECK(unsatisfiable.status == 416);
  CHECK(unsatisfiable.Header("content-range") == "bytes */1000");
  CHECK(unsatisfiable.body.empty());

  const RawResponse multiple =
      Exchange(o.port, GetRequest(Live("000001.ts"), "Range: bytes=0-1,5-6\r\n"));
  CHECK(multiple.status == 200);
  CHECK(multiple.body == all);

  // If-Range naming an older version: the whole, current file.
  const RawResponse stale =
      Exchange(o.port, GetRequest(Live("000001.ts"), "Range: bytes=0-9\r\nIf-Range: \"old\"\r\n"));
  CHECK(stale.status == 200);
  CHECK(stale.body == all);
}

TEST_CASE("A matching If-None-Match gets 304 until the file changes", "[hls][origin]") {
  Origin o;
  const RawResponse first = Exchange(o.port, GetRequest(Live("index.m3u8")));
  const std::string etag = first.Header("etag");
  REQUIRE_FALSE(etag.empty());

  for (const std::string& header : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    INFO(header);
    const RawResponse r =
        Exchange(o.port, GetRequest(Live("index.m3u8"), "If-None-Match: " + header + "\r\n"));
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(r.Header("etag") == etag);
    CHECK(r.Header("cache-control") == "public, max-age=1");
  }

  // The packager replaces playlists by rename: the new version has another ETag.
  const std::string next = o.root + "/" + kId + "/index.m3u8.tmp";
  WriteFile(next, std::string(kPlaylist) + "#EXTINF:2.0,\n000002.ts\n");
  std::filesystem::rename(next, o.root + "/" + kId + "/index.m3u8");
  const RawResponse changed =
      Exchange(o.port, GetRequest(Live("index.m3u8"), "If-None-Match: " + etag + "\r\n"));
  CHECK(changed.status == 200);
  CHECK(changed.body.find("000002.ts") != std::string::npos);
  CHECK(changed.Header("etag") != etag);
}

TEST_CASE("HEAD returns the headers of GET without a body", "[hls][origin]") {
  Origin o;
  TestConnection c(o.port);
  REQUIRE(c.Send(GetRequest(Live("000001.ts"), "", "HEAD")));
  const auto head = c.Read(/*head=*/true);
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->Header("content-length") == "1000");
  CHECK(head->Header("content-type") == "video/mp2t");
  CHECK(head->Header("accept-ranges") == "bytes");
  // Had any body bytes followed, they would corrupt the next response on this connection.
  REQUIRE(c.Send(GetRequest(Live("index.m3u8"))));
  const auto get = c.Read();
  REQUIRE(get.has_value());
  CHECK(get->status == 200);
  CHECK(get->body == kPlaylist);
}

TEST_CASE("Keep-alive serves several requests on one connection", "[hls][origin]") {
  Origin o;
  SECTION("HTTP/1.1 keeps the connection by default, pipelined or not") {
    TestConnection c(o.port);
    REQUIRE(c.Send(GetRequest(Live("index.m3u8"))));
    const auto first = c.Read();
    REQUIRE(first.has_value());
    CHECK(first->keep_alive);
    REQUIRE(c.Send(GetRequest(Live("000001.ts")) + GetRequest(Live("poster.jpg"))));
    const auto second = c.Read();
    const auto third = c.Read();
    REQUIRE(second.has_value());
    REQUIRE(third.has_value());
    CHECK(second->body == SegmentBytes());
    CHECK(third->body == "jpg");
  }
  SECTION("HTTP/1.0 closes unless asked to keep alive") {
    TestConnection plain(o.port);
    REQUIRE(plain.Send("GET " + Live("index.m3u8") + " HTTP/1.0\r\n\r\n"));
    const auto r = plain.Read();
    REQUIRE(r.has_value());
    CHECK(r->body == kPlaylist);
    CHECK(plain.WaitClosed(10s));

    TestConnection kept(o.port);
    const std::string request =
        "GET " + Live("index.m3u8") + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    REQUIRE(kept.Send(request));
    REQUIRE(kept.Read().has_value());
    REQUIRE(kept.Send(request));
    const auto again = kept.Read();
    REQUIRE(again.has_value());
    CHECK(again->body == kPlaylist);
  }
}

TEST_CASE("A slow-loris client is cut after the header timeout, others are served",
          "[hls][origin][limits]") {
  Origin o([](HlsOriginOptions& opts) { opts.header_timeout = absl::Milliseconds(500); });
  TestConnection slow(o.port);
  const auto start = std::chrono::steady_clock::now();
  // A byte every 100 ms keeps the connection busy but never finishes the head.
  bool closed = false;
  const std::string request =
      GetRequest(Live("index.m3u8"), "X-Padding: " + std::string(200, 'a') + "\r\n");
  for (size_t i = 0; i < request.size() - 2 && !closed; ++i) {
    if (!slow.Send(request.substr(i, 1))) break;
    closed = slow.WaitClosed(100ms);
    // Meanwhile a well-behaved player is unaffected.
    if (i == 3) CHECK(Exchange(o.port, GetRequest(Live("index.m3u8"))).status == 200);
  }
  closed = closed || slow.WaitClosed(10s);
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - start >= 450ms);
}

TEST_CASE("An idle kept-alive connection is closed after the idle timeout",
          "[hls][origin][limits]") {
  Origin o([](HlsOriginOptions& opts) { opts.idle_timeout = absl::Milliseconds(300); });
  TestConnection c(o.port);
  REQUIRE(c.Send(GetRequest(Live("index.m3u8"))));
  REQUIRE(c.Read().has_value());
  CHECK(c.WaitClosed(10s));
}

TEST_CASE("Oversized headers are refused with 431 or a closed connection",
          "[hls][origin][limits]") {
  Origin o;
  TestConnection c(o.port);
  c.Send(GetRequest(Live("index.m3u8"), "X-Big: " + std::string(16 * 1024, 'a') + "\r\n"));
  const auto r = c.Read();
  if (r.has_value()) CHECK(r->status == 431);
  CHECK(c.WaitClosed(10s));
  // A long request line counts against the same limit.
  TestConnection line(o.port);
  line.Send(GetRequest(Live("index.m3u8") + "?" + std::string(16 * 1024, 'q')));
  const auto r2 = line.Read();
  if (r2.has_value()) CHECK(r2->status == 431);
  CHECK(line.WaitClosed(10s));
  CHECK(Exchange(o.port, GetRequest(Live("index.m3u8"))).status == 200);
}

TEST_CASE("Garbage gets 400 or a closed connection", "[hls][origin][limits]") {
  Origin o;
  TestConnection c(o.port);
  c.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 22));
  const auto r = c.Read();
  if (r.has_value()) CHECK(r->status == 400);
  CHECK(c.WaitClosed(10s));
  // HTTP/1.1 without Host is a bad request too.
  CHECK(Exchange(o.port, "GET " + Live("index.m3u8") + " HTTP/1.1\r\n\r\n").status == 400);
}

TEST_CASE("Connections over the limit are closed and freed slots reused", "[hls][origin][limits]") {
  Origin o([](HlsOriginOptions& opts) { opts.max_connections = 4; });
  std::vector<std::unique_ptr<TestConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<TestConnection>(o.port));
    // A response proves the server accepted and counts this connection.
    REQUIRE(held.back()->Send(GetRequest(Live("index.m3u8"))));
    REQUIRE(held.back()->Read().has_value());
  }
  CHECK(o.Metric("hls_http_connections") == 4);
  TestConnection extra(o.port);
  CHECK(extra.WaitClosed(10s));

  held.pop_back();
  CHECK(Origin::Eventually([&] { return o.Metric("hls_http_connections") == 3; }));
  TestConnection next(o.port);
  REQUIRE(next.Send(GetRequest(Live("index.m3u8"))));
  const auto r = next.Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
}

TEST_CASE("A client that stops reading is dropped after the write timeout",
          "[hls][origin][limits]") {
  Origin o([](HlsOriginOptions& opts) { opts.write_timeout = absl::Milliseconds(500); });
  // Larger than what the kernel buffers on both ends of a loopback connection.
  std::string big(16u << 20, 'x');
  WriteFile(o.root + "/" + kId + "/big.ts", big);
  TestConnection reader(o.port, /*receive_buffer=*/4096);
  REQUIRE(reader.Send(GetRequest(Live("big.ts"))));
  CHECK(Origin::Eventually([&] { return o.Metric("hls_http_connections") == 1; }));
  // Never reads: the server must give up on its own and free the connection.
  CHECK(Origin::Eventually([&] { return o.Metric("hls_http_connections") == 0; }, 20s));
  CHECK(o.Metric("hls_http_bytes_sent_total") < static_cast<double>(big.size()));
}

TEST_CASE("Several I/O threads serve concurrent keep-alive clients correctly", "[hls][origin]") {
  Origin o([](HlsOriginOptions& opts) { opts.io_threads = 3; });
  const std::string all = SegmentBytes();
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      std::optional<TestConnection> c;
      try {
        c.emplace(o.port);
      } catch (const std::exception&) {
        return;  // Counted as failures below.
      }
      for (int i = 0; i < 20; ++i) {
        const size_t first = static_cast<size_t>((t * 37 + i * 11) % 900);
        if (!c->Send(GetRequest(Live("000001.ts"), "Range: bytes=" + std::to_string(first) + "-" +
                                                       std::to_string(first + 99) + "\r\n"))) {
          return;
        }
        const auto r = c->Read();
        if (r && r->status == 206 && r->body == all.substr(first, 100)) ++good;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  CHECK(good == 120);
}

TEST_CASE("Start reports a missing root and a busy port", "[hls][origin]") {
  TempDir dir;
  HlsOriginOptions options;
  options.listen_address = "127.0.0.1";
  options.root = dir.File("absent");
  HlsOrigin missing(options);
  const absl::Status s = missing.Start();
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == "HLS_ROOT_MISSING");

  options.root = dir.path().string();
  HlsOrigin first(options);
  REQUIRE(first.Start().ok());
  options.port = first.port();
  HlsOrigin second(options);
  const absl::Status busy = second.Start();
  CHECK(busy.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(busy) == "HLS_LISTEN_FAILED");
  // Stop is prompt and idempotent even with a connection open.
  TestConnection open(first.port());
  first.Stop();
  first.Stop();
  CHECK(open.WaitClosed(10s));
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
