#include "media/date_time_anchor.h"

#include <catch2/catch.hpp>

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kS = 1'000'000'000;
const absl::Time kWall = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("Date times follow the media from the first parsed buffer, not the clock", "[anchor]") {
  DateTimeAnchor anchor;
  anchor.Observe(kWall, 10 * kS);
  anchor.Observe(kWall + absl::Hours(1), 11 * kS);  // Only the first counts.
  // However late a segment is published, its date time is its media distance from the anchor.
  CHECK(anchor.SegmentStart(10 * kS, true, std::nullopt, kWall + absl::Seconds(30)) == kWall);
  CHECK(anchor.SegmentStart(12 * kS, false, std::nullopt, kWall + absl::Hours(2)) ==
        kWall + absl::Seconds(2));
}

TEST_CASE("A reconnecting encoder's burst never starts before the previous session ended",
          "[anchor]") {
  DateTimeAnchor anchor;
  anchor.Observe(kWall, 0);
  const absl::Time previous_end = kWall + absl::Seconds(3);
  // The first segment moves forward to the previous end, and the whole session with it.
  CHECK(anchor.SegmentStart(0, true, previous_end, kWall) == previous_end);
  CHECK(anchor.SegmentStart(2 * kS, false, previous_end, kWall) == previous_end + absl::Seconds(2));
  // A first segment after the previous end is left where it is.
  DateTimeAnchor later;
  later.Observe(kWall, 0);
  CHECK(later.SegmentStart(0, true, kWall - absl::Seconds(1), kWall) == kWall);
}

TEST_CASE("A session whose buffers had no times is anchored when its first segment is",
          "[anchor]") {
  DateTimeAnchor anchor;
  CHECK(anchor.SegmentStart(5 * kS, true, std::nullopt, kWall) == kWall);
  CHECK(anchor.SegmentStart(7 * kS, false, std::nullopt, kWall + absl::Hours(1)) ==
        kWall + absl::Seconds(2));
}

}  // namespace
}  // namespace shopcast::video_ingest::media
