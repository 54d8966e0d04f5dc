// The registry between live playlists and blocking requests, on its own: what is ready, what
// may wait, what is too far ahead, who is woken and when, and what a feeder's end does.

#include "hls/playlist_watch.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hls/hls_path.h"

namespace shopcast::video_ingest::hls {
namespace {

using Outcome = PlaylistWatch::Outcome;
using Progress = media::PlaylistProgress;

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";

struct Woken {
  std::vector<std::pair<int, bool>> calls;  // (tag, satisfied)
  PlaylistWatch::Wake Tag(int tag) {
    return [this, tag](bool satisfied) { calls.emplace_back(tag, satisfied); };
  }
};

TEST_CASE("PlaylistWatch decides at once what it can and parks the rest", "[hls][watch]") {
  PlaylistWatch watch;
  Woken woken;
  // Unknown until the first report.
  auto feed = watch.Feeder(kId, "live.m3u8");
  CHECK(watch.Watch(kId, "live.m3u8", {3, std::nullopt}, false, woken.Tag(0)).outcome ==
        Outcome::kUnknown);
  CHECK_FALSE(watch.Current(kId, "live.m3u8").has_value());
  feed(Progress{.next_msn = 3, .next_parts = 1, .last_parts = 4});
  CHECK(watch.Current(kId, "live.m3u8")->next_parts == 1);
  CHECK(watch.Watch(kId, "other.m3u8", {0, std::nullopt}, false, woken.Tag(0)).outcome ==
        Outcome::kUnknown);

  // Playlists: listed → ready; up to two segments beyond the last listed (2) may wait.
  CHECK(watch.Watch(kId, "live.m3u8", {2, std::nullopt}, false, woken.Tag(0)).outcome ==
        Outcome::kReady);
  CHECK(watch.Watch(kId, "live.m3u8", {3, 0}, false, woken.Tag(0)).outcome == Outcome::kReady);
  CHECK(watch.Watch(kId, "live.m3u8", {4, std::nullopt}, false, woken.Tag(1)).outcome ==
        Outcome::kParked);
  CHECK(watch.Watch(kId, "live.m3u8", {5, std::nullopt}, false, woken.Tag(0)).outcome ==
        Outcome::kTooFarAhead);
  // Part files: only the hinted part (3.1), the one after it, or the next segment's first.
  CHECK(watch.Watch(kId, "live.m3u8", {3, 0}, true, woken.Tag(0)).outcome == Outcome::kReady);
  CHECK(watch.Watch(kId, "live.m3u8", {3, 1}, true, woken.Tag(2)).outcome == Outcome::kParked);
  CHECK(watch.Watch(kId, "live.m3u8", {3, 2}, true, woken.Tag(3)).outcome == Outcome::kParked);
  CHECK(watch.Watch(kId, "live.m3u8", {3, 3}, true, woken.Tag(0)).outcome == Outcome::kTooFarAhead);
  CHECK(watch.Watch(kId, "live.m3u8", {4, 0}, true, woken.Tag(4)).outcome == Outcome::kParked);
  CHECK(watch.Watch(kId, "live.m3u8", {4, 1}, true, woken.Tag(0)).outcome == Outcome::kTooFarAhead);
  CHECK(watch.parked() == 4);

  // Each report wakes exactly those it satisfies, once.
  feed(Progress{.next_msn = 3, .next_parts = 2, .last_parts = 4});
  CHECK(woken.calls == std::vector<std::pair<int, bool>>{{2, true}});
  feed(Progress{.next_msn = 3, .next_parts = 2, .last_parts = 4});
  CHECK(woken.calls.size() == 1);
  feed(Progress{.next_msn = 4, .next_parts = 0, .last_parts = 3});  // 3 closed with 3 parts
  // Part 3.2 exists (listed before the close); segment 4 and its part 0 are not there yet.
  CHECK(woken.calls == std::vector<std::pair<int, bool>>{{2, true}, {3, true}});
  feed(Progress{.next_msn = 4, .next_parts = 1, .last_parts = 3});
  CHECK(woken.calls.back() == std::pair<int, bool>{4, true});
  feed(Progress{.next_msn = 5, .next_parts = 0, .last_parts = 1});
  CHECK(woken.calls.back() == std::pair<int, bool>{1, true});
  CHECK(watch.parked() == 0);
}

TEST_CASE("Unwatch, end of stream and the feeder's end", "[hls][watch]") {
  PlaylistWatch watch;
  Woken woken;
  auto feed = watch.Feeder(kId, "live.m3u8");
  feed(Progress{.next_msn = 10});
  const auto a = watch.Watch(kId, "live.m3u8", {10, std::nullopt}, false, woken.Tag(1));
  const auto b = watch.Watch(kId, "live.m3u8", {11, std::nullopt}, false, woken.Tag(2));
  REQUIRE(a.outcome == Outcome::kParked);
  REQUIRE(b.outcome == Outcome::kParked);
  watch.Unwatch(kId, "live.m3u8", a.id);
  watch.Unwatch(kId, "live.m3u8", a.id);  // twice: harmless
  CHECK(watch.parked() == 1);
  // The end of the stream satisfies everyone.
  feed(Progress{.next_msn = 10, .ended = true});
  CHECK(woken.calls == std::vector<std::pair<int, bool>>{{2, true}});
  CHECK(watch.Watch(kId, "live.m3u8", {99, std::nullopt}, false, woken.Tag(0)).outcome ==
        Outcome::kReady);

  // A newer playlist object takes the entry over; the old one's reports and end are ignored.
  auto old_feed = std::move(feed);
  auto new_feed = watch.Feeder(kId, "live.m3u8");
  new_feed(Progress{.next_msn = 20});
  watch.NoteTargetSeconds(kId, "live.m3u8", 4);
  const auto c = watch.Watch(kId, "live.m3u8", {21, std::nullopt}, false, woken.Tag(3));
  REQUIRE(c.outcome == Outcome::kParked);
  CHECK(c.target_seconds == 4);
  old_feed(Progress{.next_msn = 30});
  old_feed = nullptr;
  CHECK(watch.playlists() == 1);
  CHECK(watch.parked() == 1);
  // The current feeder's end wakes its waiters unsatisfied and drops the entry.
  new_feed = nullptr;
  CHECK(woken.calls.back() == std::pair<int, bool>{3, false});
  CHECK(watch.playlists() == 0);
  CHECK(watch.parked() == 0);
}

TEST_CASE("Delivery directives are parsed strictly", "[hls][watch]") {
  DeliveryDirectives d;
  CHECK(ParseDeliveryDirectives("/live/x/live.m3u8", d) == DirectivesError::kOk);
  CHECK_FALSE(d.msn.has_value());
  CHECK(ParseDeliveryDirectives("/live/x/live.m3u8?_HLS_msn=42&_HLS_part=3&_HLS_skip=YES&t=1", d) ==
        DirectivesError::kOk);
  CHECK(d.msn == 42);
  CHECK(d.part == 3);
  CHECK(d.skip);
  CHECK_FALSE(d.skip_dateranges);  // YES: segments only
  CHECK(ParseDeliveryDirectives("/a?token=x&_HLS_skip=v2&&_HLS_msn=007", d) ==
        DirectivesError::kOk);
  CHECK(d.msn == 7);
  CHECK(d.skip);
  CHECK(d.skip_dateranges);  // v2: date ranges too
  CHECK_FALSE(d.part.has_value());
  CHECK(ParseDeliveryDirectives("/a?_HLS_msn=999999999999999", d) == DirectivesError::kOk);
  CHECK(ParseDeliveryDirectives("/a?_HLS_part=1", d) == DirectivesError::kPartWithoutMsn);
  for (const char* bad :
       {"/a?_HLS_msn", "/a?_HLS_msn=", "/a?_HLS_msn=+1", "/a?_HLS_msn= 1", "/a?_HLS_msn=0x1",
        "/a?_HLS_msn=1000000000000000", "/a?_HLS_msn=1&_HLS_part=10000", "/a?_HLS_msn=1&_HLS_msn=1",
        "/a?_HLS_msn=1&_HLS_part=1&_HLS_part=1", "/a?_HLS_skip=yes",
        "/a?_HLS_skip=YES&_HLS_skip=YES", "/a?_HLS_msn=%31"}) {
    INFO(bad);
    CHECK(ParseDeliveryDirectives(bad, d) == DirectivesError::kMalformed);
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
