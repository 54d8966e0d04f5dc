#include "media/segment_cutter.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kMs = 1'000'000;

// Feeds `seconds` of 30 fps video with a keyframe every `gop_ms` and returns where it was cut.
std::vector<int64_t> CutsFor(int64_t gop_ms, int seconds) {
  SegmentCutter cutter(absl::Seconds(2));
  std::vector<int64_t> cuts;
  for (int frame = 0; frame < seconds * 30; ++frame) {
    const int64_t pts = frame * 1000 * kMs / 30;
    const bool keyframe = (frame * 1000 / 30) % gop_ms == 0 && (frame * 1000) % 30 == 0;
    if (cutter.Cut(pts, keyframe)) cuts.push_back(pts / kMs);
  }
  return cuts;
}

TEST_CASE("SegmentCutter cuts at the first keyframe at or after the target", "[cutter]") {
  CHECK(CutsFor(1000, 7) == std::vector<int64_t>{2000, 4000, 6000});
  // A keyframe interval longer than the target: one GOP per segment, cut when it ends.
  CHECK(CutsFor(4000, 13) == std::vector<int64_t>{4000, 8000, 12000});
  CHECK(CutsFor(10000, 21) == std::vector<int64_t>{10000, 20000});
  // 1.5 s GOPs: 3 s segments (the first keyframe past 2 s), never 1.5 s ones.
  CHECK(CutsFor(1500, 10) == std::vector<int64_t>{3000, 6000, 9000});
}

TEST_CASE("SegmentCutter opens the first segment at the first buffer, sync point or not",
          "[cutter]") {
  SegmentCutter cutter(absl::Seconds(2));
  CHECK_FALSE(cutter.segment_start_ns().has_value());
  CHECK_FALSE(cutter.Cut(500 * kMs, false));
  CHECK(cutter.segment_start_ns() == 500 * kMs);
  CHECK_FALSE(cutter.Cut(2400 * kMs, false));  // Past the target, but not a sync point.
  CHECK(cutter.Cut(2600 * kMs, true));
  CHECK(cutter.segment_start_ns() == 2600 * kMs);
}

TEST_CASE("SegmentCutter cuts audio-only sessions on time", "[cutter]") {
  // Every AAC frame (1024 samples at 48 kHz) is a sync point.
  SegmentCutter cutter(absl::Seconds(2));
  std::vector<int64_t> cuts;
  for (int frame = 0; frame < 300; ++frame) {
    const int64_t pts = static_cast<int64_t>(frame) * 1024 * 1'000'000'000 / 48000;
    if (cutter.Cut(pts, true)) cuts.push_back(pts);
  }
  REQUIRE(cuts.size() == 3);
  int64_t previous = 0;
  for (int64_t cut : cuts) {
    // The first frame at or after 2 s: at most one frame (21.3 ms) later.
    CHECK(cut - previous >= 2000 * kMs);
    CHECK(cut - previous < 2022 * kMs);
    previous = cut;
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::media
