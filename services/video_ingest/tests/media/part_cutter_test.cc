#include "media/part_cutter.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "media/fragment_tracker.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kMs = 1'000'000;

struct Seen {
  int64_t at_ms;
  bool independent;
  bool segment;
  bool operator==(const Seen&) const = default;
};

// Feeds `seconds` of 30 fps video (FLV-style whole-millisecond times, no B-frames) with a
// keyframe every `gop_frames` through a tracker with a 2 s target and a `part_ms` part target.
std::vector<Seen> Feed(int seconds, int gop_frames, int64_t part_ms) {
  FragmentTracker t(absl::Seconds(2), absl::Milliseconds(part_ms));
  std::vector<Seen> out;
  for (int frame = 0; frame < seconds * 30; ++frame) {
    const int64_t pts = (frame * 1000 / 30) * kMs;
    FragmentTracker::Cuts c =
        t.ObserveCuts(kVideoTrack, pts, pts, std::nullopt, frame % gop_frames == 0);
    if (c.segment) REQUIRE(c.part.has_value());
    if (c.part) {
      if (c.segment) CHECK(c.part->at_ns == *c.segment);
      out.push_back({c.part->at_ns / kMs, c.part->independent, c.segment.has_value()});
    }
  }
  return out;
}

TEST_CASE("Parts are cut by media time, never longer than the part target", "[parts]") {
  // 334 ms at 30 fps: ten frames (333 or 334 ms with millisecond times) per part.
  const std::vector<Seen> cuts = Feed(3, 30, 334);
  std::vector<int64_t> at;
  for (const Seen& s : cuts) at.push_back(s.at_ms);
  CHECK(at == std::vector<int64_t>{333, 666, 1000, 1333, 1666, 2000, 2333, 2666});
  int64_t previous = 0;
  for (const Seen& s : cuts) {
    CHECK(s.at_ms - previous <= 334);
    previous = s.at_ms;
  }
  // A part that starts on a keyframe (every 1 s here) is independent; the segment cut at 2 s is
  // also a part boundary.
  CHECK(cuts[2] == Seen{1000, true, false});
  CHECK(cuts[1] == Seen{666, false, false});
  CHECK(cuts[5] == Seen{2000, true, true});
}

TEST_CASE("A 10 s keyframe interval still gets a part every part target", "[parts]") {
  const std::vector<Seen> cuts = Feed(12, 300, 334);
  // 12 s of parts of ten frames: every 1/3 s, all dependent but the one at the keyframe at 10 s,
  // which is also the only segment cut.
  REQUIRE(cuts.size() == 35);
  int segment_cuts = 0;
  for (const Seen& s : cuts) {
    INFO(s.at_ms);
    CHECK(s.independent == (s.at_ms == 10000));
    segment_cuts += s.segment ? 1 : 0;
  }
  CHECK(segment_cuts == 1);
}

TEST_CASE("A segment cut between part boundaries ends a short last part", "[parts]") {
  // Keyframes every 25 frames (833 ms): the segment is cut at the first one at or after 2 s
  // (2500 ms), in the middle of a part's span.
  const std::vector<Seen> cuts = Feed(3, 25, 334);
  std::vector<int64_t> at;
  for (const Seen& s : cuts) at.push_back(s.at_ms);
  CHECK(at == std::vector<int64_t>{333, 666, 1000, 1333, 1666, 2000, 2333, 2500, 2833});
  CHECK(cuts[7] == Seen{2500, true, true});
  CHECK(cuts[8] == Seen{2833, false, false});  // Counted from the segment cut.
}

TEST_CASE("Parts follow decode order: B-frames do not make them irregular", "[parts]") {
  // Decode order I P B B P B B … with presentation = decode + 67 ms for the reordered stream.
  PartCutter c(absl::Milliseconds(334));
  std::vector<int64_t> at;
  for (int frame = 0; frame < 40; ++frame) {
    const int64_t dts = frame * 33'333'333LL;
    const int kind = frame % 3;  // 0: P (or I), 1 and 2: B frames shown earlier.
    const int64_t pts = kind == 0 ? dts + 100'000'000 : dts;
    if (auto b = c.Observe(pts, dts, frame == 0, false)) at.push_back(b->at_ns);
  }
  REQUIRE(at.size() == 3);
  // Placed on the presentation timeline of the first keyframe (its pts − dts = 100 ms).
  CHECK(at[0] == 10 * 33'333'333LL + 100'000'000);
  CHECK(at[1] - at[0] == 10 * 33'333'333LL);
  CHECK(at[2] - at[1] == 10 * 33'333'333LL);
}

TEST_CASE("An audio-only session cuts parts on AAC frames, every one independent", "[parts]") {
  FragmentTracker t(absl::Seconds(2), absl::Milliseconds(334));
  t.SetAudioOnly();
  std::vector<int64_t> at;
  const int64_t frame = 21'333'333;  // 1024 samples at 48 kHz.
  for (int i = 0; i < 100; ++i) {
    FragmentTracker::Cuts c = t.ObserveCuts(kAudioTrack, i * frame, std::nullopt, frame, true);
    if (c.part) {
      CHECK(c.part->independent);
      at.push_back(c.part->at_ns);
    }
  }
  // 15 frames (320 ms) per part; a segment cut (first frame at or after 2 s) in between.
  REQUIRE(at.size() >= 6);
  CHECK(at[0] == 15 * frame);
  CHECK(at[1] == 30 * frame);
  for (size_t i = 1; i < at.size(); ++i) CHECK(at[i] - at[i - 1] <= 334'000'000);
}

TEST_CASE("Without a part target the tracker cuts no parts", "[parts]") {
  FragmentTracker t(absl::Seconds(2));
  for (int frame = 0; frame < 90; ++frame) {
    const int64_t pts = frame * 33'333'333LL;
    CHECK_FALSE(t.ObserveCuts(kVideoTrack, pts, pts, std::nullopt, frame % 30 == 0).part);
  }
}

TEST_CASE("A gap in the media never makes an empty part", "[parts]") {
  PartCutter c(absl::Milliseconds(334));
  CHECK_FALSE(c.Observe(0, 0, true, false));
  // The next frame comes 2 s later (an encoder pause): the part holds the one frame before.
  auto b = c.Observe(2'000'000'000, 2'000'000'000, false, false);
  REQUIRE(b.has_value());
  CHECK(b->at_ns == 2'000'000'000);
  // Times going back keep the part open.
  CHECK_FALSE(c.Observe(1'000'000'000, 1'000'000'000, false, false));
}

}  // namespace
}  // namespace shopcast::video_ingest::media
