#include "media/timestamp_normalizer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <functional>

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kVideoStep = 33 * kMs;  // ~30 fps
constexpr int64_t kAudioStep = 21 * kMs;  // ~1024 samples at 48 kHz

using Times = TimestampNormalizer::Times;

Times At(int64_t t, int64_t duration) { return Times{t, t, duration}; }

// Feeds 10 s of interleaved audio and video, in media-time order, whose encoder clock is
// `encoder(t)` for true media time t, and checks that every output frame follows the previous
// one of its track by exactly one frame step: the jump has disappeared.
void ExpectContinuous(TimestampNormalizer& n, const std::function<int64_t(int64_t)>& encoder) {
  int64_t next[2] = {0, 0};
  int64_t last_out[2] = {-1, -1};
  const int64_t step[2] = {kVideoStep, kAudioStep};
  while (next[0] < 10'000 * kMs || next[1] < 10'000 * kMs) {
    const int track = next[0] <= next[1] ? 0 : 1;
    const int64_t t = next[track];
    Times out = n.Normalize(track, At(encoder(t), step[track]));
    REQUIRE(out.pts.has_value());
    if (last_out[track] >= 0) {
      INFO("track " << track << " at " << t / kMs << " ms");
      CHECK(*out.pts - last_out[track] == step[track]);
    }
    last_out[track] = *out.pts;
    next[track] += step[track];
  }
  // The tracks stay together.
  CHECK(std::llabs(last_out[0] - last_out[1]) < 100 * kMs);
}

TEST_CASE("TimestampNormalizer passes a continuous stream through unchanged", "[normalizer]") {
  TimestampNormalizer n(2);
  for (int i = 0; i < 100; ++i) {
    Times v = n.Normalize(
        0, Times{5000 * kMs + i * kVideoStep + 66 * kMs, 5000 * kMs + i * kVideoStep, kVideoStep});
    CHECK(*v.pts == 5000 * kMs + i * kVideoStep + 66 * kMs);
    CHECK(*v.dts == 5000 * kMs + i * kVideoStep);
    CHECK(*v.duration == kVideoStep);
  }
  CHECK(n.jumps() == 0);
}

TEST_CASE("TimestampNormalizer closes a forward jump of an hour", "[normalizer]") {
  TimestampNormalizer n(2);
  ExpectContinuous(n, [](int64_t t) { return t + (t >= 5000 * kMs ? 3600'000 * kMs : 0); });
  // One correction, followed by the other track.
  CHECK(n.jumps() == 1);
}

TEST_CASE("TimestampNormalizer closes a backward jump (encoder restarted its clock)",
          "[normalizer]") {
  TimestampNormalizer n(2);
  ExpectContinuous(n, [](int64_t t) { return t < 5000 * kMs ? 20'000 * kMs + t : t - 5000 * kMs; });
  CHECK(n.jumps() == 1);
}

TEST_CASE("TimestampNormalizer survives 33-bit MPEG-TS and 32-bit FLV wrap-arounds",
          "[normalizer]") {
  // 2^33 ticks of 90 kHz, and 2^32 milliseconds, in nanoseconds.
  for (int64_t wrap : {(int64_t{1} << 33) * 100'000 / 9, (int64_t{1} << 32) * kMs}) {
    TimestampNormalizer n(1);
    const int64_t start = wrap - 50 * kVideoStep;
    int64_t last = -1;
    for (int i = 0; i < 100; ++i) {
      Times out = n.Normalize(0, At((start + i * kVideoStep) % wrap, kVideoStep));
      if (last >= 0) CHECK(*out.dts - last == kVideoStep);
      last = *out.dts;
    }
    CHECK(n.jumps() == 1);
  }
}

TEST_CASE("TimestampNormalizer keeps small gaps and jitter", "[normalizer]") {
  TimestampNormalizer n(1);
  CHECK(*n.Normalize(0, At(0, kVideoStep)).pts == 0);
  // A 1.5 s gap (dropped frames) is real time passing: kept.
  CHECK(*n.Normalize(0, At(1500 * kMs, kVideoStep)).pts == 1500 * kMs);
  // 5 ms backwards is jitter, not a jump: the frame goes just after its predecessor.
  CHECK(*n.Normalize(0, At(1495 * kMs, kVideoStep)).pts == 1501 * kMs);
  CHECK(*n.Normalize(0, At(1533 * kMs, kVideoStep)).pts == 1533 * kMs);
  CHECK(n.jumps() == 0);
}

TEST_CASE("TimestampNormalizer keeps each track's decode times strictly increasing",
          "[normalizer]") {
  // An encoder's muxer that clamps early audio gives several frames one timestamp; remuxed as
  // they are, the segment's DTS would not increase and players reject it.
  TimestampNormalizer n(2);
  int64_t last = -1;
  for (int64_t t : {int64_t{0}, int64_t{0}, int64_t{0}, 64 * kMs, 64 * kMs, 85 * kMs}) {
    Times out = n.Normalize(1, At(t, kAudioStep));
    CHECK(*out.dts > last);
    CHECK(*out.pts == *out.dts);
    last = *out.dts;
  }
  CHECK(last == 85 * kMs);
  // Video with B-frames keeps each frame's presentation delay when it is moved.
  CHECK(*n.Normalize(0, Times{66 * kMs, 0, kVideoStep}).dts == 0);
  Times moved = n.Normalize(0, Times{66 * kMs, 0, kVideoStep});
  CHECK(*moved.dts == 1 * kMs);
  CHECK(*moved.pts == 67 * kMs);
  CHECK(n.jumps() == 0);
}

TEST_CASE("TimestampNormalizer never produces negative times and passes missing ones",
          "[normalizer]") {
  TimestampNormalizer n(1);
  Times out = n.Normalize(0, Times{-10 * kMs, -20 * kMs, std::nullopt});
  CHECK(*out.pts == 0);
  CHECK(*out.dts == 0);
  Times none = n.Normalize(0, Times{});
  CHECK_FALSE(none.pts.has_value());
  CHECK_FALSE(none.dts.has_value());
}

}  // namespace
}  // namespace shopcast::video_ingest::media
