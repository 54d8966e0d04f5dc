#include "hls/hls_path.h"

#include <catch2/catch.hpp>
#include <string>

namespace shopcast::video_ingest::hls {
namespace {

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";

TEST_CASE("A well-formed live target names the stream's file with its type", "[hls][path]") {
  struct Case {
    std::string file;
    ResourceKind kind;
    std::string content_type;
  };
  for (const Case& c :
       {Case{"index.m3u8", ResourceKind::kPlaylist, "application/vnd.apple.mpegurl"},
        Case{"000123.ts", ResourceKind::kSegment, "video/mp2t"},
        Case{"seg-7.m4s", ResourceKind::kSegment, "video/iso.segment"},
        Case{"init_0.mp4", ResourceKind::kSegment, "video/mp4"},
        Case{"a.aac", ResourceKind::kSegment, "audio/aac"},
        Case{"poster.jpg", ResourceKind::kImage, "image/jpeg"},
        Case{"thumb.jpg", ResourceKind::kImage, "image/jpeg"}}) {
    INFO(c.file);
    const auto r = ParseHlsTarget(std::string("/live/") + kId + "/" + c.file);
    REQUIRE(r.has_value());
    CHECK(r->stream_id == kId);
    CHECK(r->file_name == c.file);
    CHECK(r->kind == c.kind);
    CHECK(r->content_type == c.content_type);
  }
}

TEST_CASE("The query string is ignored and the absolute form accepted", "[hls][path]") {
  const std::string path = std::string("/live/") + kId + "/index.m3u8";
  for (const std::string& target : {path + "?_HLS_msn=5&x=../../etc", path + "?",
                                    path + "?/../../x", "http://example.com" + path}) {
    INFO(target);
    const auto r = ParseHlsTarget(target);
    REQUIRE(r.has_value());
    CHECK(r->file_name == "index.m3u8");
  }
}

TEST_CASE("Traversal tricks and malformed targets name nothing", "[hls][path]") {
  const std::string id = kId;
  const std::string bad[] = {
      "/live/" + id + "/../index.m3u8",
      "/live/" + id + "/..%2findex.m3u8",
      "/live/" + id + "/%2e%2e/index.m3u8",
      "/live/%2e%2e/" + id + "/index.m3u8",
      "/live/../../etc/passwd",
      "/live/" + id + "//index.m3u8",
      "/live//" + id + "/index.m3u8",
      "//live/" + id + "/index.m3u8",
      "/live/" + id + "/sub/index.m3u8",
      "/live/" + id + "/index.m3u8/",
      "/live/" + id + "\\index.m3u8",
      "/live/" + id + "/..\\index.m3u8",
      "/live/" + id + "/index.m3u8#x",
      "/live/" + id + "/index%2em3u8",
      std::string("/live/") + id + "/in" + std::string(1, '\0') + "dex.m3u8",
      "/live/" + id + "/.m3u8",
      "/live/" + id + "/index.M3U8",
      "/live/" + id + "/index.txt",
      "/live/" + id + "/index.m3u8.bak",
      "/live/" + id + "/" + std::string(65, 'a') + ".ts",
      "/live/" + id,
      "/live/" + id + "/",
      "/live/",
      "/etc/passwd",
      "/LIVE/" + id + "/index.m3u8",
      "live/" + id + "/index.m3u8",
      "*",
      "http://example.com",
      "/live/str_x/index.m3u8",                                 // Not one of our ids.
      "/live/STR_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",        // Upper-case prefix.
      "/live/str_01j9z3k8w4v6t2m0qxyhb5r7nc/index.m3u8",        // Lower-case body.
      "/live/str_81J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",        // Over 128 bits.
      "/live/str_01J9Z3K8W4V6T2M0QXYHB5R7N/index.m3u8",         // Too short.
      "/live/abcdefghi_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",  // Prefix too long.
      "/live/_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",
  };
  for (const std::string& target : bad) {
    INFO(target);
    CHECK_FALSE(ParseHlsTarget(target).has_value());
  }
}

TEST_CASE("A rendition's files live in exactly one rung folder", "[hls][path]") {
  const std::string id = kId;
  for (const std::string rung : {"144p", "240p", "360p", "480p", "720p", "1080p", "2160p"}) {
    for (const std::string file : {"live.m3u8", "000042.ts", "000042_3.ts", "live_skip.m3u8"}) {
      const std::string target = "/live/" + id + "/" + rung + "/" + file + "?_HLS_msn=42";
      INFO(target);
      const auto r = ParseHlsTarget(target);
      REQUIRE(r.has_value());
      CHECK(r->stream_id == kId);
      CHECK(r->rung == rung);
      CHECK(r->file_name == file);
      CHECK(r->path() == rung + "/" + file);
      CHECK(r->path("live.m3u8") == rung + "/live.m3u8");
    }
  }
  // The stream's own files have no rung.
  const auto own = ParseHlsTarget("/live/" + id + "/live.m3u8");
  REQUIRE(own.has_value());
  CHECK(own->rung.empty());
  CHECK(own->path() == "live.m3u8");

  const std::string bad[] = {
      "/live/" + id + "/720p/480p/live.m3u8",  // One folder at most.
      "/live/" + id + "/720p/../live.m3u8",
      "/live/" + id + "/../720p/live.m3u8",
      "/live/" + id + "/720p//live.m3u8",
      "/live/" + id + "/720p/",
      "/live/" + id + "/720p",
      "/live/" + id + "//live.m3u8",
      "/live/" + id + "/720P/live.m3u8",
      "/live/" + id + "/p720/live.m3u8",
      "/live/" + id + "/0720p/live.m3u8",
      "/live/" + id + "/0p/live.m3u8",
      "/live/" + id + "/7p/live.m3u8",
      "/live/" + id + "/72000p/live.m3u8",
      "/live/" + id + "/72a0p/live.m3u8",
      "/live/" + id + "/720p%2f/live.m3u8",
      "/live/" + id + "/%37%32%30p/live.m3u8",
      "/live/" + id + "/720p\\live.m3u8",
      "/live/" + id + "/720p./live.m3u8",
      "/live/" + id + "/.720p/live.m3u8",
      "/live/" + id + "/720p /live.m3u8",
      "/live/" + id + "/thumbs/thumb.jpg",
      std::string("/live/") + id + "/720p" + std::string(1, '\0') + "/live.m3u8",
      "/live/720p/" + id + "/live.m3u8",
      "/live/720p/live.m3u8",
  };
  for (const std::string& target : bad) {
    INFO(target);
    CHECK_FALSE(ParseHlsTarget(target).has_value());
  }
  CHECK(IsValidRungName("720p"));
  CHECK_FALSE(IsValidRungName(""));
  CHECK_FALSE(IsValidRungName("p"));
  CHECK_FALSE(IsValidRungName(".."));
}

TEST_CASE("File names allow 64 stem characters and nothing else", "[hls][path]") {
  CHECK(IsValidFileName(std::string(64, 'a') + ".ts"));
  CHECK_FALSE(IsValidFileName(std::string(65, 'a') + ".ts"));
  CHECK_FALSE(IsValidFileName("a b.ts"));
  CHECK_FALSE(IsValidFileName("a.b.ts"));
  CHECK(IsValidStreamId(kId));
  CHECK(IsValidStreamId("rec_01J9Z3K8W4V6T2M0QXYHB5R7NC"));
  CHECK_FALSE(IsValidStreamId("str_01J9Z3K8W4V6T2M0QXYHB5R7NI"));  // 'I' is not Crockford.
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
