#include "media/rendition_spec.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

TEST_CASE("An empty ladder is passthrough only", "[renditions]") {
  auto rungs = ParseRenditions("");
  REQUIRE(rungs.ok());
  CHECK(rungs->empty());
}

TEST_CASE("Rungs parse as <height>p:<kbps>, highest first", "[renditions]") {
  auto rungs = ParseRenditions("360p:800,720p:2800,480p:1400");
  REQUIRE(rungs.ok());
  REQUIRE(rungs->size() == 3);
  CHECK((*rungs)[0].name == "720p");
  CHECK((*rungs)[0].height == 720);
  CHECK((*rungs)[0].video_kbps == 2800);
  CHECK((*rungs)[1].name == "480p");
  CHECK((*rungs)[2].name == "360p");
  CHECK((*rungs)[2].video_kbps == 800);
}

TEST_CASE("Bad rungs are refused with a reason naming the rung", "[renditions]") {
  for (const char* bad : {"720p",
                          "720:2800",
                          "720p:",
                          ":2800",
                          "p:100",
                          "0720p:2800",
                          "720P:2800",
                          "720p:28x0",
                          "720p:+2800",
                          "720p:-1",
                          "720p:2800,",
                          ",720p:2800",
                          "720p:2800,720p:1400",
                          "100p:500",
                          "4320p:9000",
                          "721p:2800",
                          "720p:99",
                          "720p:50001",
                          "720p:02800",
                          "72 0p:2800",
                          "720p:2800;480p:1400",
                          "../p:1",
                          "720p:2800:1",
                          "720p:99999999999999999999"}) {
    CAPTURE(bad);
    auto rungs = ParseRenditions(bad);
    REQUIRE_FALSE(rungs.ok());
    CHECK(rungs.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(rungs.status()) == "RENDITIONS_INVALID");
  }
  CHECK_FALSE(ParseRenditions("144p:100,240p:300,360p:800,480p:1400,720p:2800,1080p:5000,"
                              "1440p:9000")
                  .ok());
  CHECK(ParseRenditions("144p:100,240p:300,360p:800,480p:1400,720p:2800,1080p:5000").ok());
}

TEST_CASE("Rung names are a small fixed alphabet", "[renditions]") {
  for (const char* good : {"144p", "360p", "720p", "1080p", "2160p", "10p"}) {
    CAPTURE(good);
    CHECK(IsRungName(good));
  }
  for (const char* bad :
       {"", "p", "0p", "720", "720P", "p720", "7200000p", "72a0p", "..", "720p/", "720p "}) {
    CAPTURE(bad);
    CHECK_FALSE(IsRungName(bad));
  }
}

TEST_CASE("Scaling keeps the aspect ratio with an even width and never upscales", "[renditions]") {
  CHECK(ScaledSize({1920, 1080}, 720) == PictureSize{1280, 720});
  CHECK(ScaledSize({1920, 1080}, 360) == PictureSize{640, 360});
  CHECK(ScaledSize({1280, 720}, 480) == PictureSize{854, 480});  // 853.33 → 854
  CHECK(ScaledSize({640, 360}, 360) == PictureSize{640, 360});   // same height: re-encoded only
  CHECK(ScaledSize({1080, 1920}, 720) == PictureSize{406, 720});  // a phone held upright: 405 → 406
  CHECK(ScaledSize({1440, 1080}, 480) == PictureSize{640, 480});  // 4:3
  CHECK_FALSE(ScaledSize({640, 360}, 480).has_value());           // smaller source: skipped
  CHECK_FALSE(ScaledSize({0, 0}, 360).has_value());
  for (int h : {144, 240, 360, 480, 720, 1080}) {
    for (PictureSize src : {PictureSize{1920, 1080}, PictureSize{1366, 768}, PictureSize{854, 480},
                            PictureSize{1080, 1920}, PictureSize{3840, 2160}}) {
      auto s = ScaledSize(src, h);
      if (src.height < h) {
        CHECK_FALSE(s.has_value());
        continue;
      }
      REQUIRE(s.has_value());
      CHECK(s->height == h);
      CHECK(s->width % 2 == 0);
      CHECK(s->width <= src.width);
    }
  }
}

TEST_CASE("A rung's master playlist lines", "[renditions]") {
  VariantLine v;
  v.uri = "720p/live.m3u8";
  v.bandwidth = 3100000;
  v.average_bandwidth = 2850000;
  v.resolution = {1280, 720};
  v.frame_rate = 30;
  v.codecs = "avc1.64001f,mp4a.40.2";
  CHECK(VariantText(v) ==
        "#EXT-X-STREAM-INF:BANDWIDTH=3100000,AVERAGE-BANDWIDTH=2850000,RESOLUTION=1280x720,"
        "FRAME-RATE=30.000,CODECS=\"avc1.64001f,mp4a.40.2\"\n720p/live.m3u8\n");
  VariantLine bare;
  bare.uri = "360p/live.m3u8";
  bare.bandwidth = 900000;
  CHECK(VariantText(bare) == "#EXT-X-STREAM-INF:BANDWIDTH=900000\n360p/live.m3u8\n");
}

}  // namespace
}  // namespace shopcast::video_ingest::media
