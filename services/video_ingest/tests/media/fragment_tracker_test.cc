#include "media/fragment_tracker.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST_CASE("FragmentTracker cuts on video keyframes and ignores audio while there is video",
          "[tracker]") {
  FragmentTracker t(absl::Seconds(2));
  std::vector<int64_t> cuts;
  for (int frame = 0; frame < 7 * 30; ++frame) {
    const int64_t pts = frame * 1000 * kMs / 30;
    // Audio at every instant, all sync points: never cuts while video is the reference.
    CHECK_FALSE(t.Observe(kAudioTrack, pts + 5 * kMs, 21 * kMs, true).has_value());
    if (auto cut = t.Observe(kVideoTrack, pts, std::nullopt, frame % 30 == 0)) {
      cuts.push_back(*cut / kMs);
    }
  }
  CHECK(cuts == std::vector<int64_t>{2000, 4000, 6000});
  CHECK(t.cuts() == 3);
  CHECK(t.first_start_ns() == 0);
  // Video frames carry no duration here: the media ends one frame interval after the last.
  const int64_t last = (7 * 30 - 1) * 1000 * kMs / 30;
  CHECK(t.end_ns() == last + (last - (7 * 30 - 2) * 1000 * kMs / 30));
}

TEST_CASE("FragmentTracker ends the media at the latest presentation, B-frames included",
          "[tracker]") {
  FragmentTracker t(absl::Seconds(2));
  // Decode order I P B B with presentation 0, 100, 33, 67 (ms): the end is after 100.
  t.Observe(kVideoTrack, 0, 33 * kMs, true);
  t.Observe(kVideoTrack, 100 * kMs, 33 * kMs, false);
  t.Observe(kVideoTrack, 33 * kMs, 33 * kMs, false);
  t.Observe(kVideoTrack, 67 * kMs, 33 * kMs, false);
  CHECK(t.end_ns() == 133 * kMs);
}

TEST_CASE("An audio-only session cuts on AAC frames from its first one", "[tracker]") {
  FragmentTracker t(absl::Seconds(1));
  // Audio came before the session was known to be audio-only.
  CHECK_FALSE(t.Observe(kAudioTrack, 500 * kMs, 23 * kMs, true).has_value());
  CHECK(t.first_start_ns() == 0);  // Video would be the reference: none yet.
  t.SetAudioOnly();
  CHECK(t.audio_only());
  CHECK(t.first_start_ns() == 500 * kMs);
  std::vector<int64_t> cuts;
  for (int64_t ms = 523; ms < 3000; ms += 23) {
    if (auto cut = t.Observe(kAudioTrack, ms * kMs, 23 * kMs, true)) cuts.push_back(*cut / kMs);
  }
  // The first AAC frame at or after each target, counted from the first frame at 500 ms.
  CHECK(cuts == std::vector<int64_t>{1512, 2524});
  CHECK(t.end_ns() == (2984 + 23) * kMs);  // The last frame, at 2984 ms, lasts 23 ms.
}

TEST_CASE("Buffers without a time change nothing", "[tracker]") {
  FragmentTracker t(absl::Seconds(1));
  CHECK_FALSE(t.Observe(kVideoTrack, std::nullopt, 33 * kMs, true).has_value());
  CHECK_FALSE(t.Observe(7, 0, 33 * kMs, true).has_value());
  CHECK(t.end_ns() == 0);
  CHECK(t.cuts() == 0);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
