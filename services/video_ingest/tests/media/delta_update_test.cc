// Playlist Delta Updates (RFC 8216bis 6.2.5.1, `_HLS_skip`): what LivePlaylist writes beside its
// media playlist when the window is long enough for a skip to save anything — the exact
// EXT-X-SKIP text, which segments it replaces, the EXT-X-DATERANGE rules of `v2`
// (RECENTLY-REMOVED-DATERANGES) on a moved clock, the order of the writes, and nothing at all
// for a short window or an ended playlist.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "media/live_playlist.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::ReadFileText;
using shopcast::testing::TempDir;

absl::Time T0() { return absl::FromUnixMillis(1714564800021); }  // 2024-05-01T12:00:00.021Z
absl::Time Pdt(int64_t sequence) { return T0() + sequence * absl::Seconds(2); }

SegmentInfo Segment(int64_t sequence) {
  SegmentInfo s;
  s.sequence = sequence;
  s.program_date_time = Pdt(sequence);
  s.duration = absl::Seconds(2);
  s.size_bytes = 100'000;
  s.path = absl::StrFormat("%06d.ts", sequence);
  return s;
}

LivePlaylist::PartInfo Part(int64_t sequence, int index) {
  return LivePlaylist::PartInfo{.sequence = sequence,
                                .index = index,
                                .duration = absl::Milliseconds(index < 5 ? 334 : 330),
                                .independent = index == 0,
                                .program_date_time = Pdt(sequence)};
}

struct Clock {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
};

LivePlaylist::Options Options(const fs::path& dir, int window, Clock* clock = nullptr) {
  LivePlaylist::Options o;
  o.stream_dir = dir;
  o.target_duration = absl::Seconds(2);
  o.part_target = absl::Milliseconds(334);
  o.window = window;
  if (clock != nullptr) o.now = [clock] { return clock->now; };
  return o;
}

void AppendSegment(LivePlaylist& p, int64_t sequence) {
  for (int i = 0; i < 5; ++i) REQUIRE(p.AppendPart(Part(sequence, i)).ok());
  REQUIRE(p.Append(Segment(sequence), MediaInfo{}, Part(sequence, 5)).ok());
}

// An instant marker at `at`.
DateRange Marker(const std::string& id, absl::Time at) {
  DateRange r;
  r.id = id;
  r.class_name = "com.shopcast.sale";
  r.start = at;
  r.duration = absl::ZeroDuration();
  return r;
}

std::string SkipFile(const fs::path& dir) { return ReadFileText(dir / "live_skip.m3u8"); }
std::string SkipV2File(const fs::path& dir) { return ReadFileText(dir / "live_skip_v2.m3u8"); }

// The lines of segment `sequence` in a playlist written by LivePlaylist (no parts: it is older
// than three target durations).
std::string SegmentLines(int64_t sequence) {
  return absl::StrFormat(
      "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:2.000,\n%06d.ts\n",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", Pdt(sequence), absl::UTCTimeZone()), sequence);
}

TEST_CASE("a short window advertises no delta updates and writes none", "[delta]") {
  TempDir dir;
  LivePlaylist playlist(Options(dir.path(), 6), 0, absl::ZeroDuration());
  CHECK_FALSE(playlist.delta_updates());
  for (int64_t s = 0; s < 8; ++s) AppendSegment(playlist, s);
  const std::string full = ReadFileText(dir.path() / "live.m3u8");
  CHECK(
      absl::StrContains(full, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.503\n"));
  CHECK_FALSE(absl::StrContains(full, "CAN-SKIP"));
  CHECK_FALSE(fs::exists(dir.path() / "live_skip.m3u8"));
  CHECK_FALSE(fs::exists(dir.path() / "live_skip_v2.m3u8"));
  CHECK(playlist.DeltaPlaylistText(false).empty());
  // Regular HLS never: no EXT-X-SERVER-CONTROL at all.
  TempDir regular_dir;
  LivePlaylist::Options o = Options(regular_dir.path(), 30);
  o.part_target = absl::ZeroDuration();
  LivePlaylist regular(o, 0, absl::ZeroDuration());
  CHECK_FALSE(regular.delta_updates());
}

TEST_CASE("a long window writes delta updates that skip what is older than the Skip Boundary",
          "[delta]") {
  TempDir dir;
  // A stale delta update of an earlier run is deleted when the playlist is made.
  std::ofstream(dir.path() / "live_skip.m3u8") << "#EXTM3U\n#EXT-X-SKIP:SKIPPED-SEGMENTS=99\n";
  LivePlaylist playlist(Options(dir.path(), 12), 0, absl::ZeroDuration());
  CHECK_FALSE(fs::exists(dir.path() / "live_skip.m3u8"));
  REQUIRE(playlist.delta_updates());
  for (int64_t s = 0; s < 14; ++s) AppendSegment(playlist, s);
  REQUIRE(playlist.AppendPart(Part(14, 0)).ok());

  const std::string full = ReadFileText(dir.path() / "live.m3u8");
  INFO(full);
  // 12 s: six target durations, the least the specification allows.
  CHECK(absl::StrContains(full,
                          "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,"
                          "CAN-SKIP-DATERANGES=YES,PART-HOLD-BACK=1.503\n"));
  CHECK(absl::StrContains(full, "#EXT-X-MEDIA-SEQUENCE:2\n"));
  // Segments 2..13 are listed and end at 28 s: the ones that end more than 12 s before that
  // (2..6, ending at 6..14 s) are skipped; 7 (ending at 16 s) and later stay.
  std::string expected = full;
  std::string skipped;
  for (int64_t s = 2; s <= 6; ++s) skipped += SegmentLines(s);
  REQUIRE(absl::StrContains(expected, skipped));
  absl::StrReplaceAll(
      {{skipped, "#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n"}, {"#EXT-X-VERSION:6\n", "#EXT-X-VERSION:9\n"}},
      &expected);
  CHECK(SkipFile(dir.path()) == expected);
  CHECK(playlist.DeltaPlaylistText(false) == expected);
  // v2: EXT-X-VERSION 10 and the (empty) list of removed date ranges.
  std::string expected_v2 = absl::StrReplaceAll(
      expected,
      {{"#EXT-X-VERSION:9\n", "#EXT-X-VERSION:10\n"},
       {"SKIPPED-SEGMENTS=5\n", "SKIPPED-SEGMENTS=5,RECENTLY-REMOVED-DATERANGES=\"\"\n"}});
  CHECK(SkipV2File(dir.path()) == expected_v2);
  CHECK(playlist.DeltaPlaylistText(true) == expected_v2);
  // The delta keeps the segment in progress, its hint, and segment 7 onwards.
  CHECK(absl::StrContains(expected, "#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n" + SegmentLines(7)));
  CHECK(absl::EndsWith(expected, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"000014_1.ts\"\n"));

  // Ended: no delta update is left to serve, and the full playlist no longer offers one.
  REQUIRE(playlist.End().ok());
  CHECK_FALSE(fs::exists(dir.path() / "live_skip.m3u8"));
  CHECK_FALSE(fs::exists(dir.path() / "live_skip_v2.m3u8"));
  CHECK_FALSE(absl::StrContains(ReadFileText(dir.path() / "live.m3u8"), "CAN-SKIP-UNTIL"));
  CHECK(playlist.DeltaPlaylistText(false).empty());
}

TEST_CASE("early in a stream the delta update skips nothing yet", "[delta]") {
  TempDir dir;
  LivePlaylist playlist(Options(dir.path(), 12), 0, absl::ZeroDuration());
  for (int64_t s = 0; s < 3; ++s) AppendSegment(playlist, s);
  const std::string delta = SkipFile(dir.path());
  INFO(delta);
  CHECK(absl::StrContains(delta,
                          "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-SKIP:SKIPPED-SEGMENTS=0\n"
                          "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.021Z\n"));
}

TEST_CASE("each delta update is written before the full playlist it matches", "[delta]") {
  TempDir dir;
  int mismatches = 0;
  int checks = 0;
  LivePlaylist::Options o = Options(dir.path(), 12);
  // When the origin is told of a write, the delta updates on disk end as the full playlist.
  o.on_written = [&](const PlaylistProgress&) {
    const std::string full = ReadFileText(dir.path() / "live.m3u8");
    const std::string tail = full.substr(full.rfind("#EXT-X-PROGRAM-DATE-TIME"));
    for (const std::string& delta : {SkipFile(dir.path()), SkipV2File(dir.path())}) {
      ++checks;
      if (!absl::EndsWith(delta, tail)) ++mismatches;
    }
  };
  LivePlaylist playlist(std::move(o), 0, absl::ZeroDuration());
  for (int64_t s = 0; s < 16; ++s) AppendSegment(playlist, s);
  // The first segment's parts were not published (nothing is before the first segment).
  CHECK(checks == 2 * (1 + 15 * 6));
  CHECK(mismatches == 0);
}

TEST_CASE("delta updates follow the date range rules of YES and v2", "[delta]") {
  TempDir dir;
  Clock clock;
  LivePlaylist playlist(Options(dir.path(), 12, &clock), 0, absl::ZeroDuration());
  for (int64_t s = 0; s < 12; ++s) {
    AppendSegment(playlist, s);
    clock.now += absl::Seconds(2);
  }
  // "old" enters the playlist now, "new" 13 s later (more than the 12 s Skip Boundary).
  REQUIRE(*playlist.AddDateRange(Marker("sale:old", Pdt(5))));
  const std::string old_tag = RenderDateRange(Marker("sale:old", Pdt(5)));
  const std::string new_tag = RenderDateRange(Marker("sale:new", Pdt(11)));
  clock.now += absl::Seconds(13);
  REQUIRE(*playlist.AddDateRange(Marker("sale:new", Pdt(11))));
  {
    const std::string full = ReadFileText(dir.path() / "live.m3u8");
    INFO(full);
    CHECK(absl::StrContains(full, old_tag + new_tag));
    // YES: every date range stays (only segments are skipped).
    CHECK(absl::StrContains(SkipFile(dir.path()), old_tag + new_tag + "#EXT-X-SKIP:"));
    // v2: not the one that entered more than CAN-SKIP-UNTIL ago; nothing removed yet.
    const std::string v2 = SkipV2File(dir.path());
    CHECK_FALSE(absl::StrContains(v2, "sale:old"));
    CHECK(absl::StrContains(
        v2, new_tag + "#EXT-X-SKIP:SKIPPED-SEGMENTS=5,RECENTLY-REMOVED-DATERANGES=\"\"\n"));
  }
  // The window slides past segment 5: "old" (an instant at its date time) leaves the playlist.
  for (int64_t s = 12; s < 18; ++s) {
    AppendSegment(playlist, s);
    clock.now += absl::Seconds(2);
  }
  {
    const std::string full = ReadFileText(dir.path() / "live.m3u8");
    INFO(full);
    CHECK_FALSE(absl::StrContains(full, "sale:old"));
    CHECK_FALSE(absl::StrContains(SkipFile(dir.path()), "sale:old"));
    // v2 says it was removed, so a client drops its copy; "new" entered 12 s ago (not more).
    const std::string v2 = SkipV2File(dir.path());
    CHECK(absl::StrContains(v2, new_tag));
    CHECK(absl::StrContains(v2, "RECENTLY-REMOVED-DATERANGES=\"sale:old\"\n"));
  }
  // A removal is reported for the Skip Boundary only.
  // ("old" left 2 s ago.)
  REQUIRE(*playlist.AddDateRange(Marker("sale:third", Pdt(17))));
  clock.now += absl::Seconds(9);  // 11 s after the removal
  AppendSegment(playlist, 18);
  CHECK(absl::StrContains(SkipV2File(dir.path()), "RECENTLY-REMOVED-DATERANGES=\"sale:old\""));
  clock.now += absl::Seconds(2);  // 13 s
  AppendSegment(playlist, 19);
  const std::string v2 = SkipV2File(dir.path());
  INFO(v2);
  CHECK(absl::StrContains(v2, "RECENTLY-REMOVED-DATERANGES=\"\""));
  // "new" entered 23 s ago: skipped in v2, still in YES; "third" 11 s ago: in both.
  CHECK_FALSE(absl::StrContains(v2, "sale:new"));
  CHECK(absl::StrContains(v2, "sale:third"));
  CHECK(absl::StrContains(SkipFile(dir.path()), "sale:new"));
  CHECK(absl::StrContains(SkipFile(dir.path()), "sale:third"));
}

TEST_CASE("two removed date ranges are listed tab-separated", "[delta]") {
  TempDir dir;
  Clock clock;
  LivePlaylist playlist(Options(dir.path(), 12, &clock), 0, absl::ZeroDuration());
  for (int64_t s = 0; s < 12; ++s) AppendSegment(playlist, s);
  REQUIRE(*playlist.AddDateRange(Marker("a", Pdt(0))));
  REQUIRE(*playlist.AddDateRange(Marker("b", Pdt(0) + absl::Milliseconds(500))));
  clock.now += absl::Seconds(1);
  AppendSegment(playlist, 12);  // segment 0 leaves, and with it "a" and "b" (before segment 1)
  const std::string v2 = SkipV2File(dir.path());
  INFO(v2);
  CHECK(absl::StrContains(v2, "RECENTLY-REMOVED-DATERANGES=\"a\tb\"\n"));
}

}  // namespace
}  // namespace shopcast::video_ingest::media
