#include "media/playlist_progress.h"

#include <catch2/catch.hpp>

namespace shopcast::video_ingest::media {
namespace {

TEST_CASE("a blocking reload for a whole segment waits until that segment is complete",
          "[playlist_progress]") {
  PlaylistProgress p{.next_msn = 10, .next_parts = 3, .last_parts = 4};
  CHECK(Satisfies(p, 9, std::nullopt));
  CHECK_FALSE(Satisfies(p, 10, std::nullopt));  // In progress: only parts of it are listed.
  p.next_msn = 11;
  CHECK(Satisfies(p, 10, std::nullopt));
}

TEST_CASE("a blocking reload for a part waits for that part or a later one",
          "[playlist_progress]") {
  PlaylistProgress p{.next_msn = 10, .next_parts = 2, .last_parts = 4};
  CHECK(Satisfies(p, 10, 0));
  CHECK(Satisfies(p, 10, 1));
  CHECK_FALSE(Satisfies(p, 10, 2));
  CHECK(Satisfies(p, 9, 3));  // A complete segment holds all its parts.
  CHECK(Satisfies(p, 8, 7));  // Far behind: satisfied whatever the part.
  CHECK_FALSE(Satisfies(p, 11, 0));
}

TEST_CASE("a part number past a complete segment's last part means the next segment's first",
          "[playlist_progress]") {
  PlaylistProgress p{.next_msn = 10, .next_parts = 0, .last_parts = 4};
  CHECK(Satisfies(p, 9, 3));
  CHECK_FALSE(Satisfies(p, 9, 4));  // That is part 0 of segment 10, not listed yet.
  p.next_parts = 1;
  CHECK(Satisfies(p, 9, 4));
}

TEST_CASE("an ended playlist answers every blocking reload", "[playlist_progress]") {
  PlaylistProgress p{.next_msn = 3, .ended = true};
  CHECK(Satisfies(p, 100, std::nullopt));
  CHECK(Satisfies(p, 100, 5));
}

TEST_CASE("a segment more than two beyond the last one listed is too far ahead",
          "[playlist_progress]") {
  PlaylistProgress p{.next_msn = 10};  // Segment 9 is the last listed.
  CHECK_FALSE(TooFarAhead(p, 10));
  CHECK_FALSE(TooFarAhead(p, 11));
  CHECK(TooFarAhead(p, 12));
}

TEST_CASE("part file names round-trip and nothing else parses as one", "[playlist_progress]") {
  CHECK(PartFileName(42, 3) == "000042_3.ts");
  CHECK(PartFileName(1234567, 12) == "1234567_12.ts");
  CHECK(ParsePartFileName("000042_3.ts") == std::make_pair(int64_t{42}, 3));
  CHECK(ParsePartFileName("1234567_12.ts") == std::make_pair(int64_t{1234567}, 12));
  for (const char* bad : {"000042.ts", "000042_.ts", "_3.ts", "42_3.ts", "000042_03.ts",
                          "0000042_3.ts", "000042_3.m3u8", "000042_3", "000042_-1.ts",
                          "000042_3_1.ts", "00004a_3.ts", "000042_99999.ts"}) {
    INFO(bad);
    CHECK_FALSE(ParsePartFileName(bad).has_value());
  }
  CHECK(SkipPlaylistName("live.m3u8") == "live_skip.m3u8");
  CHECK(SkipV2PlaylistName("live.m3u8") == "live_skip_v2.m3u8");
}

TEST_CASE("the Advance Part Limit is three divided by PART-TARGET below one second, else three",
          "[playlist_progress]") {
  // 0.334 s: 3 / 0.334 = 8.98 parts.
  CHECK_FALSE(AdvancePartLimitReached(8, 334));
  CHECK(AdvancePartLimitReached(9, 334));
  // 0.5 s: exactly 6, and 6 parts ahead "exceeds the last part by the limit".
  CHECK_FALSE(AdvancePartLimitReached(5, 500));
  CHECK(AdvancePartLimitReached(6, 500));
  // 0.1 s: 30.
  CHECK_FALSE(AdvancePartLimitReached(29, 100));
  CHECK(AdvancePartLimitReached(30, 100));
  // 0.999 s: 3.003 (4 refused, 3 waited for); 1 s and longer: 3.
  CHECK_FALSE(AdvancePartLimitReached(3, 999));
  CHECK(AdvancePartLimitReached(4, 999));
  CHECK_FALSE(AdvancePartLimitReached(2, 1000));
  CHECK(AdvancePartLimitReached(3, 1000));
  CHECK(AdvancePartLimitReached(3, 2000));
  // No part target (regular HLS): no limit.
  CHECK_FALSE(AdvancePartLimitReached(1000, 0));
}

TEST_CASE("parts beyond the last one listed count the roll-over to the next segment",
          "[playlist_progress]") {
  // Segment 10 in progress with parts 0..2 listed; segment 9 had 6 parts.
  PlaylistProgress p{.next_msn = 10, .next_parts = 3, .last_parts = 6, .part_target_ms = 334};
  CHECK_FALSE(PartsBeyondLast(p, 10, 2).has_value());   // listed
  CHECK_FALSE(PartsBeyondLast(p, 9, 100).has_value());  // an earlier segment: part 0 of 10
  CHECK(PartsBeyondLast(p, 10, 3) == 1);                // the preload hint
  CHECK(PartsBeyondLast(p, 10, 10) == 8);
  CHECK(PartsBeyondLast(p, 10, 11) == 9);
  CHECK(PartsBeyondLast(p, 11, 0) == 1);  // at least: segment 10 may end now
  CHECK(PartsBeyondLast(p, 11, 7) == 8);
  CHECK(PartsBeyondLast(p, 11, 8) == 9);
  // Segment 10 just started (no part yet): the last part is segment 9's last, whose segment is
  // complete, so any part past it is part 0 of segment 10.
  p.next_parts = 0;
  CHECK(PartsBeyondLast(p, 9, 6) == 1);
  CHECK(PartsBeyondLast(p, 9, 9999) == 1);
  CHECK(PartsBeyondLast(p, 10, 0) == 1);
  CHECK(PartsBeyondLast(p, 10, 8) == 9);
  CHECK(PartsBeyondLast(p, 11, 7) == 9);  // segment 10 has at least one part
  // Regular HLS: no parts, no part distance.
  CHECK_FALSE(PartsBeyondLast(PlaylistProgress{.next_msn = 10}, 10, 5).has_value());
}

TEST_CASE("a part at the Advance Part Limit beyond the last one is too far ahead",
          "[playlist_progress]") {
  PlaylistProgress p{.next_msn = 10, .next_parts = 3, .last_parts = 6, .part_target_ms = 334};
  CHECK_FALSE(TooFarAhead(p, 10, 3));
  CHECK_FALSE(TooFarAhead(p, 10, 10));  // 8 ahead
  CHECK(TooFarAhead(p, 10, 11));        // 9 ahead: 9 x 0.334 s >= 3 s
  CHECK_FALSE(TooFarAhead(p, 11, 7));
  CHECK(TooFarAhead(p, 11, 8));
  CHECK_FALSE(TooFarAhead(p, 9, 9999));  // part 0 of segment 10, listed
  CHECK(TooFarAhead(p, 12, 0));          // segment 12: more than two beyond segment 9
  CHECK_FALSE(TooFarAhead(p, 11, std::nullopt));
  // A one-second part target: three parts.
  p.part_target_ms = 1000;
  CHECK_FALSE(TooFarAhead(p, 10, 4));
  CHECK(TooFarAhead(p, 10, 5));
  // An ended playlist answers everything.
  p.ended = true;
  CHECK_FALSE(TooFarAhead(p, 100, 50));
  // Regular HLS (no PART-TARGET): only the segment rule.
  PlaylistProgress regular{.next_msn = 10};
  CHECK_FALSE(TooFarAhead(regular, 11, 500));
  CHECK(TooFarAhead(regular, 12, 0));
}

}  // namespace
}  // namespace shopcast::video_ingest::media
