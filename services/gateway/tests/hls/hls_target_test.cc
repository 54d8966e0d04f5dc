// What the proxy accepts before anything is forwarded: only /live/<str id>/<HLS file>[?query],
// nothing decoded or normalised; and what an origin URL may be.
#include "hls/hls_target.h"

#include <catch2/catch.hpp>

#include "hls/origin.h"

namespace shopcast::gateway::hls {
namespace {

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";

std::string Live(const std::string& rest) { return std::string("/live/") + kId + "/" + rest; }

TEST_CASE("Live HLS targets are parsed, the query kept byte for byte") {
  auto t = ParseLiveTarget(Live("index.m3u8"));
  REQUIRE(t);
  CHECK(t->stream_id == kId);
  CHECK(t->file_name == "index.m3u8");
  CHECK(t->query.empty());
  CHECK(t->playlist);
  t = ParseLiveTarget(Live("live.m3u8?_HLS_msn=42&_HLS_part=3&_HLS_skip=YES&token=AbC-_x.y~"));
  REQUIRE(t);
  CHECK(t->query == "_HLS_msn=42&_HLS_part=3&_HLS_skip=YES&token=AbC-_x.y~");
  t = ParseLiveTarget(Live("000123.ts?token=a%2Bb"));
  REQUIRE(t);
  CHECK_FALSE(t->playlist);
  for (const char* file : {"init.mp4", "seg_1.m4s", "a.aac", "subs-en.vtt", "thumb.jpg"}) {
    CHECK(ParseLiveTarget(Live(file)));
  }
}

TEST_CASE("Anything else is refused before it could reach an origin") {
  const std::vector<std::string> bad = {
      "/live/",
      "/live/" + std::string(kId),
      "/live/" + std::string(kId) + "/",
      Live("../index.m3u8"),
      Live("..%2findex.m3u8"),
      Live("%2e%2e/index.m3u8"),
      Live("sub/index.m3u8"),
      Live("index.m3u8/"),
      Live("index.M3U8"),
      Live("index.m3u8.txt"),
      Live("index.php"),
      Live("thumb.JPG"),
      Live("thumb.jpeg"),
      Live(".m3u8"),
      Live("a\\b.ts"),
      Live(std::string("a\0b.ts", 6)),
      Live(std::string(65, 'a') + ".ts"),
      Live("index.m3u8#frag"),
      Live("index.m3u8?a b"),
      Live("index.m3u8?a=%zz"),
      Live("index.m3u8?a=%4"),
      Live("index.m3u8?a=\x01"),
      Live("index.m3u8?\xc3\xa9"),
      Live("index.m3u8?" + std::string(kMaxTargetBytes, 'a')),
      "/live/str_01j9z3k8w4v6t2m0qxyhb5r7nc/index.m3u8",  // lower case is not our id
      "/live/str_91J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",  // over 128 bits
      "/live/prd_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",  // not a stream
      "/live/str_01J9Z3K8W4V6T2M0QXYHB5R7N/index.m3u8",   // too short
      "/live//index.m3u8",
      "//live/" + std::string(kId) + "/index.m3u8",
      "http://evil.test/live/" + std::string(kId) + "/index.m3u8",
      "/vod/" + std::string(kId) + "/index.m3u8",
      "/LIVE/" + std::string(kId) + "/index.m3u8",
  };
  for (const std::string& target : bad) {
    INFO(target);
    CHECK_FALSE(ParseLiveTarget(target));
  }
}

TEST_CASE("A show's bare live address names its watch page, the query kept") {
  const std::string bare = std::string("/live/") + kId;
  CHECK(WatchPageFor(bare) == std::string("/watch/") + kId);
  CHECK(WatchPageFor(bare + "/") == std::string("/watch/") + kId);
  CHECK(WatchPageFor(bare + "?queue_ticket=qtk_1") ==
        std::string("/watch/") + kId + "?queue_ticket=qtk_1");
  for (const std::string& target :
       {Live("index.m3u8"), std::string("/live/str_nope"), bare + "//", bare + "?a b", bare + "#f",
        bare + "?x=%zz", std::string("/live/"), std::string("/live"), std::string("/vod/") + kId,
        std::string("/live/") + kId + "x", std::string("/live/") + kId + "/../x",
        bare + "?" + std::string(2100, 'a')}) {
    INFO(target);
    CHECK_FALSE(WatchPageFor(target));
  }
}

TEST_CASE("The path without its query is what gets logged") {
  CHECK(PathOf(Live("a.ts?token=secret")) == Live("a.ts"));
  CHECK(PathOf("/x") == "/x");
}

TEST_CASE("Origins are http://host[:port] and nothing more") {
  auto o = ParseOrigin("http://video-ingest-1.video-ingest-hls:8088");
  REQUIRE(o);
  CHECK(o->host == "video-ingest-1.video-ingest-hls");
  CHECK(o->port == "8088");
  CHECK(o->host_header == "video-ingest-1.video-ingest-hls:8088");
  o = ParseOrigin("http://127.0.0.1");
  REQUIRE(o);
  CHECK(o->port == "80");
  o = ParseOrigin("http://[::1]:9/");
  REQUIRE(o);
  CHECK(o->host == "::1");
  CHECK(o->port == "9");
  for (const char* bad : {"", "https://x:1", "http://", "http://x:0", "http://x:70000",
                          "http://x:1/live", "http://u@x:1", "http://x:1?q", "http://[::1"}) {
    INFO(bad);
    CHECK_FALSE(ParseOrigin(bad));
  }
}

}  // namespace
}  // namespace shopcast::gateway::hls

namespace shopcast::gateway::hls {
namespace {

TEST_CASE("VOD targets: a recording id, one file (or clips/, thumbs/), the query kept") {
  const std::string rec = "/vod/rec_01J9Z3K8W4V6T2M0QXYHB5R7NC/";
  auto t = ParseVodTarget(rec + "index.m3u8?token=AbC-_x");
  REQUIRE(t);
  CHECK(t->recording_id == "rec_01J9Z3K8W4V6T2M0QXYHB5R7NC");
  CHECK(t->path == "index.m3u8");
  CHECK(t->query == "token=AbC-_x");
  CHECK(ParseVodTarget(rec + "41.ts")->path == "41.ts");
  CHECK(ParseVodTarget(rec + "poster.jpg"));
  CHECK(ParseVodTarget(rec + "clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4")->path ==
        "clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4");
  CHECK(ParseVodTarget(rec + "thumbs/thm_01J9Z3K8W4V6T2M0QXYHB5R7NC.jpg"));
  for (const std::string& bad : std::vector<std::string>{
           "/vod", "/vod/", rec, rec + "x", rec + ".ts", rec + "../a.ts", rec + "a/b.ts",
           rec + "clips/../a.ts", rec + "clips/a/b.mp4", rec + "a.php", rec + "a.ts?x y",
           rec + "a.ts?%zz", rec + "a%2e.ts", "/vod/rec_nope/a.ts",
           "/vod/str_01J9Z3K8W4V6T2M0QXYHB5R7NC/a.ts", "/live/rec_01J9Z3K8W4V6T2M0QXYHB5R7NC/a.ts",
           rec + std::string(65, 'a') + ".ts", rec + "a.ts" + std::string(kMaxTargetBytes, 'x')}) {
    INFO(bad);
    CHECK_FALSE(ParseVodTarget(bad));
  }
}

}  // namespace
}  // namespace shopcast::gateway::hls
