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
  CHECK(Satisfies(p, 9, 3));    // A complete segment holds all its parts.
  CHECK(Satisfies(p, 8, 7));    // Far behind: satisfied whatever the part.
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
}

}  // namespace
}  // namespace shopcast::video_ingest::media
