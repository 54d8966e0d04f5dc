// The /vod/ target grammar: exactly the shapes the origin serves, nothing decoded.
#include "playback/vod_target.h"

#include <catch2/catch.hpp>
#include <vector>

namespace shopcast::recording_lifecycle::playback {
namespace {

constexpr char kRec[] = "rec_01J9Z3K8W4V6T2M0QXYHB5R7NC";
const std::string kBase = std::string("/vod/") + kRec;

TEST_CASE("Every served shape parses, with its ids and the token") {
  auto p = ParseVodTarget(kBase + "/index.m3u8?token=abc");
  REQUIRE(p);
  CHECK(p->kind == VodResourceKind::kPlaylist);
  CHECK(p->recording_id == kRec);
  auto s = ParseVodTarget(kBase + "/0.ts");
  REQUIRE(s);
  CHECK(s->kind == VodResourceKind::kSegment);
  CHECK(s->sequence == 0);
  CHECK(ParseVodTarget(kBase + "/123456789012345678.ts")->sequence == 123456789012345678);
  CHECK(ParseVodTarget("http://gw:8080" + kBase + "/41.ts?token=x")->sequence == 41);
  CHECK(ParseVodTarget(kBase + "/poster.jpg")->kind == VodResourceKind::kPoster);
  auto clip = ParseVodTarget(kBase + "/clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4");
  REQUIRE(clip);
  CHECK(clip->kind == VodResourceKind::kClipVideo);
  CHECK(clip->ObjectKey() == std::string(kRec) + "/clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4");
  CHECK(ParseVodTarget(kBase + "/clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.jpg")->kind ==
        VodResourceKind::kClipPoster);
  auto thm = ParseVodTarget(kBase + "/thumbs/thm_01J9Z3K8W4V6T2M0QXYHB5R7NC.jpg");
  REQUIRE(thm);
  CHECK(thm->ObjectKey() == std::string(kRec) + "/thumbs/thm_01J9Z3K8W4V6T2M0QXYHB5R7NC.jpg");
  CHECK(VodTokenParam(kBase + "/0.ts?a=1&token=T0k-_&token=x") == "T0k-_");
  CHECK(VodTokenParam(kBase + "/0.ts?token=") == "");
  CHECK_FALSE(VodTokenParam(kBase + "/0.ts?xtoken=1").has_value());
  CHECK_FALSE(VodTokenParam(kBase + "/0.ts").has_value());
}

TEST_CASE("Anything else is not found: traversal, encoding, other ids, padding, extensions") {
  for (const std::string& bad :
       std::vector<std::string>{std::string("/vod/"),
                                "/vod/" + std::string(kRec),
                                kBase + "/",
                                kBase + "/index.m3u",
                                kBase + "/INDEX.m3u8",
                                kBase + "/01.ts",
                                kBase + "/-1.ts",
                                kBase + "/1.ts/",
                                kBase + "/1234567890123456789.ts",
                                kBase + "/1.TS",
                                kBase + "/.ts",
                                kBase + "/1%2Ets",
                                kBase + "/../" + kRec + "/0.ts",
                                kBase + "/clips/../poster.jpg",
                                kBase + "/clips/clp_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4/x",
                                kBase + "/clips/thm_01J9Z3K8W4V6T2M0QXYHB5R7NC.jpg",
                                kBase + "/thumbs/thm_01J9Z3K8W4V6T2M0QXYHB5R7NC.mp4",
                                kBase + "/thumbs/thm_01j9z3k8w4v6t2m0qxyhb5r7nc.jpg",
                                "/vod/str_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",
                                "/vod/rec_01J9Z3K8W4V6T2M0QXYHB5R7N/index.m3u8",
                                "/vod/rec_81J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8",
                                "/vod//index.m3u8",
                                "/live/" + std::string(kRec) + "/index.m3u8",
                                "//vod/" + std::string(kRec) + "/0.ts",
                                kBase + "/0.ts" + std::string(1, '\0'),
                                std::string("/vod/") + kRec + "\\0.ts",
                                "http://h",
                                "*"}) {
    INFO(bad);
    CHECK_FALSE(ParseVodTarget(bad).has_value());
  }
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
