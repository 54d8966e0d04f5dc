// The clip range rules and keyframe snapping, on plain numbers.

#include "clips/clip_range.h"

#include <catch2/catch.hpp>
#include <vector>

#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::clips {
namespace {

constexpr int64_t kS = 1'000'000;

TEST_CASE("ranges are validated against the limits and the recording") {
  const RangeLimits limits;
  CHECK(ValidateRange(0, 1 * kS, 10 * kS, limits).ok());
  CHECK(ValidateRange(0, 10 * kS, 10 * kS, limits).ok());
  CHECK(ValidateRange(9 * kS, 1 * kS, 10 * kS, limits).ok());
  struct Bad {
    int64_t start, duration, recording;
    const char* field;
  };
  for (const Bad& b : std::vector<Bad>{{-1, 2 * kS, 10 * kS, "range.start_offset"},
                                       {0, kS - 1, 10 * kS, "range.duration"},
                                       {0, 0, 10 * kS, "range.duration"},
                                       {0, 180 * kS + 1, 600 * kS, "range.duration"},
                                       {10 * kS, kS, 10 * kS, "range.start_offset"},
                                       {9 * kS, 2 * kS, 10 * kS, "range.duration"},
                                       {0, 2 * kS, 0, "range.start_offset"}}) {
    absl::Status s = ValidateRange(b.start, b.duration, b.recording, limits);
    INFO(b.start << " " << b.duration << " " << b.recording);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == "CLIP_RANGE_INVALID");
    CHECK(FieldOf(s) == b.field);
  }
  CHECK(ValidateRange(0, 180 * kS, 600 * kS, limits).ok());
}

TEST_CASE("a moment's window is the lead-in and lead-out, kept inside the recording") {
  const RangeLimits limits;
  auto window = [&](int64_t moment, int64_t duration) {
    absl::StatusOr<Window> w =
        MomentWindow(moment, duration, absl::Seconds(5), absl::Seconds(20), limits);
    REQUIRE(w.ok());
    return *w;
  };
  CHECK(window(60 * kS, 600 * kS).start_us == 55 * kS);
  CHECK(window(60 * kS, 600 * kS).duration_us == 25 * kS);
  CHECK(window(2 * kS, 600 * kS).start_us == 0);
  CHECK(window(2 * kS, 600 * kS).duration_us == 22 * kS);
  CHECK(window(590 * kS, 600 * kS).duration_us == 15 * kS);
  // At the very end: widened backwards to the minimum.
  CHECK(window(600 * kS, 600 * kS).start_us == 595 * kS);
  Window tiny = window(0, kS + 500'000);
  CHECK(tiny.start_us == 0);
  CHECK(tiny.duration_us == kS + 500'000);
  absl::StatusOr<Window> too_short =
      MomentWindow(0, kS / 2, absl::Seconds(5), absl::Seconds(20), limits);
  CHECK(ReasonOf(too_short.status()) == "CLIP_RANGE_INVALID");
  // Long lead-outs are capped at the longest clip.
  absl::StatusOr<Window> capped =
      MomentWindow(60 * kS, 3600 * kS, absl::Seconds(5), absl::Minutes(10), limits);
  REQUIRE(capped.ok());
  CHECK(capped->duration_us == 180 * kS);
}

TEST_CASE("a cut reads the segments of its range and the one after") {
  std::vector<SegmentSpan> segs;
  for (int i = 0; i < 5; ++i) segs.push_back({i, i * 2 * kS, 2 * kS, false});
  CHECK(SegmentsFor(segs, 2'500'000, 5'500'000) == std::vector<size_t>{1, 2, 3});
  CHECK(SegmentsFor(segs, 2 * kS, 4 * kS) == std::vector<size_t>{1, 2});
  CHECK(SegmentsFor(segs, 8 * kS, 10 * kS) == std::vector<size_t>{4});
  CHECK(SegmentsFor(segs, 10 * kS, 12 * kS).empty());
  CHECK(*SegmentAt(segs, 0) == 0);
  CHECK(*SegmentAt(segs, 3'999'999) == 1);
  CHECK(*SegmentAt(segs, 10 * kS) == 4);
  CHECK(!SegmentAt(segs, 10 * kS + 1).has_value());
}

// A 30 fps stream, keyframe every `gop` frames, one B-frame pair shape: decode order with
// dts = pts - 2 frames for simplicity; audio every 21.333 ms.
std::vector<Unit<int>> Stream(int frames, int gop, bool audio) {
  std::vector<Unit<int>> out;
  const int64_t f = kS / 30;
  int64_t next_audio = 0;
  for (int i = 0; i < frames; ++i) {
    const int64_t pts = int64_t{i} * kS / 30;
    while (audio && next_audio <= pts) {
      out.push_back({Track::kAudio, next_audio, next_audio, 21'333, false, -1});
      next_audio += 21'333;
    }
    out.push_back({Track::kVideo, pts, pts - 2 * f, f, i % gop == 0, i});
  }
  return out;
}

struct Outcome {
  std::vector<Emitted<int>> units;
  std::optional<int64_t> start, end;
  size_t max_held = 0;
};

Outcome Select(const std::vector<Unit<int>>& units, int64_t start, int64_t end, bool video) {
  ClipSelector<int> selector(start, end, video);
  Outcome o;
  for (const Unit<int>& u : units) {
    selector.Offer(u, o.units);
    o.max_held = std::max(o.max_held, selector.held());
    if (selector.done()) break;
  }
  selector.Finish(o.units);
  o.start = selector.start();
  o.end = selector.end();
  return o;
}

TEST_CASE("the selector snaps to the keyframe before the start and the one after the end") {
  const auto units = Stream(300, 30, true);
  Outcome o = Select(units, 2'500'000, 5'500'000, true);
  REQUIRE(o.start);
  CHECK(*o.start == 2 * kS);
  CHECK(*o.end == 6 * kS);
  REQUIRE(!o.units.empty());
  CHECK(o.units.front().track == Track::kVideo);
  CHECK(o.units.front().keyframe);
  CHECK(o.units.front().pts_us == 0);
  int video = 0;
  for (const auto& e : o.units) {
    if (e.track == Track::kVideo) {
      ++video;
      CHECK(e.payload >= 60);
      CHECK(e.payload < 180);
    } else {
      CHECK(e.pts_us >= 0);
      CHECK(e.pts_us < 4 * kS);
    }
  }
  CHECK(video == 120);
  // Held at most a GOP of video plus its audio.
  CHECK(o.max_held <= 30 + 50);
}

TEST_CASE("a start on a keyframe starts there, an end past the media ends with it") {
  const auto units = Stream(90, 30, false);
  Outcome o = Select(units, 1 * kS, 10 * kS, true);
  CHECK(*o.start == 1 * kS);
  CHECK(*o.end >= 3 * kS - 1);
  CHECK(*o.end <= 3 * kS);
  CHECK(o.units.size() == 60);
}

TEST_CASE("video before the first keyframe is dropped, a start before it snaps forward") {
  auto units = Stream(90, 30, false);
  units.erase(units.begin(), units.begin() + 10);  // Frames 10.. : first keyframe is frame 30.
  Outcome o = Select(units, 0, 2 * kS, true);
  CHECK(*o.start == 1 * kS);
  CHECK(o.units.front().payload == 30);
}

TEST_CASE("audio-only clips start at the frame holding the start and end at the end") {
  std::vector<Unit<int>> units;
  for (int i = 0; i < 500; ++i) {
    const int64_t pts = i * 21'333;
    units.push_back({Track::kAudio, pts, pts, 21'333, false, i});
  }
  Outcome o = Select(units, 2'500'000, 5'500'000, false);
  CHECK(*o.start <= 2'500'000);
  CHECK(*o.start > 2'500'000 - 21'333);
  CHECK(*o.end == 5'500'000);
  CHECK(o.units.back().pts_us + *o.start < 5'500'000);
  CHECK(o.units.back().pts_us + *o.start + 21'333 >= 5'500'000);
}

TEST_CASE("nothing in range gives no start") {
  const auto units = Stream(60, 30, true);
  ClipSelector<int> selector(10 * kS, 12 * kS, true);
  std::vector<Emitted<int>> out;
  // No keyframe at or before 10 s ever arrives within the units: the last GOP is the start.
  for (const auto& u : units) selector.Offer(u, out);
  selector.Finish(out);
  CHECK(*selector.start() == 1 * kS);
  ClipSelector<int> empty(0, kS, true);
  empty.Finish(out);
  CHECK(!empty.start().has_value());
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::clips
