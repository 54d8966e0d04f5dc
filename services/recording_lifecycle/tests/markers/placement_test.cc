// The pure mapping of a wall-clock moment onto a recording's media timeline (markers/placement.h):
// inside segments, across a reconnect gap, across encoder/server clock jumps, before the first
// and after the last segment, and what waits for segments not indexed yet.

#include "markers/placement.h"

#include <catch2/catch.hpp>

namespace shopcast::recording_lifecycle::markers {
namespace {

constexpr int64_t kS = 1'000'000;
// 2026-12-05T10:00:00Z in microseconds.
constexpr int64_t kT0 = 1796551200LL * kS;

// Session 1: sequences 0..2, 2 s each from T0. Reconnect: session 2 starts 7 s after session 1
// ended (gap [T0+6s, T0+13s)), sequences 3..4 of 2 s, then 5 of 1.5 s.
std::vector<SegmentSpan> Reconnected() {
  return {{0, kT0, 2 * kS},           {1, kT0 + 2 * kS, 2 * kS},  {2, kT0 + 4 * kS, 2 * kS},
          {3, kT0 + 13 * kS, 2 * kS}, {4, kT0 + 15 * kS, 2 * kS}, {5, kT0 + 17 * kS, 1'500'000}};
}

TEST_CASE(
    "a moment inside a segment maps to its start in the recording plus the time since its pdt") {
  const Timeline t(Reconnected(), 5);
  CHECK(t.Place(kT0) == Placement{0, 0, false});
  CHECK(t.Place(kT0 + 3 * kS + 250'000) == Placement{1, 3 * kS + 250'000, false});
  // After the reconnect the media timeline has no gap: sequence 3 starts at 6 s, not at 13 s.
  CHECK(t.Place(kT0 + 13 * kS) == Placement{3, 6 * kS, false});
  CHECK(t.Place(kT0 + 16 * kS + 40'000) == Placement{4, 9 * kS + 40'000, false});
  CHECK(t.Place(kT0 + 18 * kS) == Placement{5, 11 * kS, false});
  CHECK(t.duration_us() == 11'500'000);
  CHECK(t.StartOf(3) == 6 * kS);
  CHECK_FALSE(t.StartOf(9).has_value());
}

TEST_CASE("a moment in the reconnect gap is clamped to the next session's first segment") {
  const Timeline t(Reconnected(), 5);
  CHECK(t.Place(kT0 + 6 * kS) == Placement{3, 6 * kS, true});
  CHECK(t.Place(kT0 + 10 * kS) == Placement{3, 6 * kS, true});
  CHECK(t.Place(kT0 + 13 * kS - 1) == Placement{3, 6 * kS, true});
}

TEST_CASE("before the first segment is offset 0, after the last is the duration, both clamped") {
  const Timeline t(Reconnected(), 5);
  CHECK(t.Place(kT0 - 30 * kS) == Placement{0, 0, true});
  CHECK(t.Place(kT0 + 18 * kS + 500'000) == Placement{5, 11'500'000, true});
  CHECK(t.Place(kT0 + 3600 * kS) == Placement{5, 11'500'000, true});
}

TEST_CASE("an encoder clock jump between segments is a gap on the wall clock, not in the media") {
  // No discontinuity: the program date time leaps 40 s forward between 1 and 2 (the encoder's
  // clock jumped), and then 5 s back between 3 and 4 (overlapping 3's range).
  const std::vector<SegmentSpan> s = {{0, kT0, 2 * kS},
                                      {1, kT0 + 2 * kS, 2 * kS},
                                      {2, kT0 + 44 * kS, 2 * kS},
                                      {3, kT0 + 46 * kS, 2 * kS},
                                      {4, kT0 + 43 * kS, 2 * kS}};
  const Timeline t(s, 4);
  CHECK(t.Place(kT0 + 20 * kS) == Placement{2, 4 * kS, true});
  // In both 2 and 4's ranges: 2 started last.
  CHECK(t.Place(kT0 + 44 * kS + 500'000) == Placement{2, 4 * kS + 500'000, false});
  CHECK(t.Place(kT0 + 46 * kS + 500'000) == Placement{3, 6 * kS + 500'000, false});
  CHECK(t.Place(kT0 + 43 * kS + 100) == Placement{4, 8 * kS + 100, false});
}

TEST_CASE("what depends on a segment not indexed yet waits") {
  // 2 has not arrived (out of order): a moment after 1's end may be in 2.
  std::vector<SegmentSpan> s = Reconnected();
  s.erase(s.begin() + 2);
  const Timeline t(s, 5);
  CHECK_FALSE(t.Place(kT0 + 5 * kS).has_value());
  CHECK_FALSE(t.Place(kT0 + 8 * kS).has_value());
  // Segments after the hole are placed on the timeline of what is indexed (moved later).
  CHECK(t.Place(kT0 + 13 * kS) == Placement{3, 4 * kS, false});

  // 0 missing: before-the-first cannot be decided.
  const Timeline late_start({{1, kT0 + 2 * kS, 2 * kS}}, std::nullopt);
  CHECK_FALSE(late_start.Place(kT0 + kS).has_value());
  CHECK(late_start.Place(kT0 + 3 * kS) == Placement{1, kS, false});

  // Live: after the last indexed segment waits for the next one.
  const Timeline live(Reconnected(), std::nullopt);
  CHECK_FALSE(live.Place(kT0 + 19 * kS).has_value());
  // The stream ended with a sequence 6 still to come: still waiting.
  const Timeline ended_missing(Reconnected(), 6);
  CHECK_FALSE(ended_missing.Place(kT0 + 19 * kS).has_value());
  // Nothing indexed at all.
  CHECK_FALSE(Timeline({}, 3).Place(kT0).has_value());
}

TEST_CASE("segments given in any order give the same timeline") {
  std::vector<SegmentSpan> s = Reconnected();
  std::reverse(s.begin(), s.end());
  const Timeline t(s, 5);
  CHECK(t.Place(kT0 + 16 * kS) == Placement{4, 9 * kS, false});
  CHECK(t.Place(kT0 + 7 * kS) == Placement{3, 6 * kS, true});
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::markers
