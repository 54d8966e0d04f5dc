#include "media/live_playlist.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::TempDir;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::Time At(const char* text) {
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, text, &t, &err));
  return t;
}

SegmentInfo Segment(int64_t sequence, absl::Time pdt, absl::Duration duration,
                    int64_t size_bytes = 500'000) {
  SegmentInfo s;
  s.sequence = sequence;
  s.program_date_time = pdt;
  s.duration = duration;
  s.size_bytes = size_bytes;
  s.path = "str_1/" + std::string(6 - std::to_string(sequence).size(), '0') +
           std::to_string(sequence) + ".ts";
  return s;
}

MediaInfo Media() {
  MediaInfo m;
  m.video_codec = "h264";
  m.width = 640;
  m.height = 360;
  m.frame_rate = 30;
  m.audio_codec = "aac";
  m.audio_sample_rate = 48000;
  m.audio_channels = 1;
  m.codecs = "avc1.42c01e,mp4a.40.2";
  return m;
}

LivePlaylist::Options Opts(const fs::path& dir, int window = 6) {
  LivePlaylist::Options o;
  o.stream_dir = dir;
  o.target_duration = absl::Seconds(2);
  o.window = window;
  return o;
}

TEST_CASE("LivePlaylist writes the exact media and master playlists", "[playlist]") {
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00.021Z");
  REQUIRE(playlist.Append(Segment(0, t0, absl::Milliseconds(2000), 500'000), Media()).ok());
  REQUIRE(
      playlist
          .Append(Segment(1, t0 + absl::Milliseconds(2000), absl::Microseconds(1999600), 250'000),
                  Media())
          .ok());

  CHECK(ReadFile(dir.path() / "live.m3u8") ==
        "#EXTM3U\n"
        "#EXT-X-VERSION:3\n"
        "#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.021Z\n"
        "#EXTINF:2.000,\n"
        "000000.ts\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:02.021Z\n"
        "#EXTINF:2.000,\n"
        "000001.ts\n");
  // Peak: 500000 B * 8 / 2 s; average: 750000 B * 8 / 3.9996 s.
  CHECK(ReadFile(dir.path() / "index.m3u8") ==
        "#EXTM3U\n"
        "#EXT-X-VERSION:3\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1500150,RESOLUTION=640x360,"
        "FRAME-RATE=30.000,CODECS=\"avc1.42c01e,mp4a.40.2\"\n"
        "live.m3u8\n");
  CHECK(playlist.next_sequence() == 2);
  CHECK(playlist.media_offset() == absl::Microseconds(3999600));
  CHECK_FALSE(fs::exists(dir.path() / "live.m3u8.tmp"));
}

TEST_CASE("LivePlaylist slides its window and keeps the discontinuity sequence", "[playlist]") {
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path(), 2), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  REQUIRE(playlist.Append(Segment(0, t0, absl::Seconds(2)), Media()).ok());
  playlist.MarkDiscontinuity();  // A reconnect.
  REQUIRE(playlist.Append(Segment(1, t0 + absl::Seconds(30), absl::Seconds(2)), Media()).ok());
  CHECK(playlist.MediaPlaylistText() ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z\n#EXTINF:2.000,\n000000.ts\n"
        "#EXT-X-DISCONTINUITY\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:30.000Z\n#EXTINF:2.000,\n000001.ts\n");

  REQUIRE(playlist.Append(Segment(2, t0 + absl::Seconds(32), absl::Seconds(2)), Media()).ok());
  REQUIRE(playlist.Append(Segment(3, t0 + absl::Seconds(34), absl::Seconds(2)), Media()).ok());
  // Segment 1 (the discontinuity) slid out: players must still count it.
  CHECK(ReadFile(dir.path() / "live.m3u8") ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:2\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:1\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:32.000Z\n#EXTINF:2.000,\n000002.ts\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:34.000Z\n#EXTINF:2.000,\n000003.ts\n");
}

TEST_CASE("LivePlaylist marks a segment flagged as a discontinuity", "[playlist]") {
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path()), 7, absl::Seconds(14));
  SegmentInfo s = Segment(7, At("2024-05-01T12:00:00Z"), absl::Seconds(2));
  s.discontinuity = true;
  REQUIRE(playlist.Append(s, Media()).ok());
  CHECK(playlist.MediaPlaylistText() ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n"
        "#EXT-X-DISCONTINUITY\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z\n#EXTINF:2.000,\n000007.ts\n");
  CHECK(playlist.media_offset() == absl::Seconds(16));
}

TEST_CASE("LivePlaylist takes its target duration from a longer first segment and keeps it",
          "[playlist]") {
  // A 10 s keyframe interval makes every segment 10 s long: the tag covers the first one.
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path(), 1), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  REQUIRE(playlist.Append(Segment(0, t0, absl::Milliseconds(10010)), Media()).ok());
  CHECK(playlist.target_duration_s() == 10);
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXT-X-TARGETDURATION:10\n"));
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXTINF:10.010,\n"));
  // Shorter segments later, and the long one sliding out of the window, change nothing.
  REQUIRE(
      playlist.Append(Segment(1, t0 + absl::Milliseconds(10010), absl::Seconds(2)), Media()).ok());
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXT-X-TARGETDURATION:10\n"));
  CHECK(playlist.segments_over_target() == 0);
}

TEST_CASE("LivePlaylist never changes its target duration once published", "[playlist]") {
  // RFC 8216 forbids changing EXT-X-TARGETDURATION; a reconnecting encoder with a longer
  // keyframe interval gets its long segments listed and counted, under the same tag.
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  REQUIRE(playlist.Append(Segment(0, t0, absl::Seconds(2)), Media()).ok());
  CHECK(playlist.target_duration_s() == 2);
  playlist.MarkDiscontinuity();
  REQUIRE(playlist.Append(Segment(1, t0 + absl::Seconds(2), absl::Milliseconds(3600)), Media())
              .ok());
  CHECK(playlist.target_duration_s() == 2);
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXT-X-TARGETDURATION:2\n"));
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXTINF:3.600,\n"));
  CHECK(playlist.segments_over_target() == 1);
}

TEST_CASE("LivePlaylist keeps its target duration when segments run a few ms long",
          "[playlist]") {
  // Keyframe-cut segments of a 2 s target come out at 2.005 s and the like; rounding each up
  // changed the tag from 2 to 3 mid-stream, which RFC 8216 forbids.
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  absl::Time t = t0;
  for (int i = 0; i < 4; ++i) {
    const absl::Duration d = absl::Milliseconds(i % 2 == 0 ? 2005 : 2499);
    REQUIRE(playlist.Append(Segment(i, t, d), Media()).ok());
    t += d;
    CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXT-X-TARGETDURATION:2\n"));
  }
}

TEST_CASE("LivePlaylist rejects out-of-order segments and appends after End", "[playlist]") {
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  absl::Status gap = playlist.Append(Segment(1, t0, absl::Seconds(2)), Media());
  CHECK(ReasonOf(gap) == "SEGMENT_OUT_OF_ORDER");
  REQUIRE(playlist.Append(Segment(0, t0, absl::Seconds(2)), Media()).ok());
  REQUIRE(playlist.End().ok());
  const std::string text = ReadFile(dir.path() / "live.m3u8");
  CHECK(text.size() > 15);
  CHECK(text.substr(text.size() - 15) == "#EXT-X-ENDLIST\n");
  CHECK(ReasonOf(playlist.Append(Segment(1, t0, absl::Seconds(2)), Media())) == "PLAYLIST_ENDED");
}

TEST_CASE("LivePlaylist tells on_written where it is after each write, and only then",
          "[playlist]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = Opts(dir.path());
  options.on_written = [&](const PlaylistProgress& p) {
    // Called after the rename: the file a woken request reads already lists the segment.
    CHECK(ReadFile(dir.path() / "live.m3u8").find("#EXT-X-MEDIA-SEQUENCE:") != std::string::npos);
    told.push_back(p);
  };
  LivePlaylist playlist(std::move(options), 7, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  REQUIRE(playlist.Append(Segment(7, t0, absl::Seconds(2)), Media()).ok());
  REQUIRE(playlist.End().ok());
  REQUIRE(told.size() == 2);
  CHECK(told[0].next_msn == 8);
  CHECK_FALSE(told[0].ended);
  CHECK(told[1].ended);

  LivePlaylist::Options broken = Opts(dir.path() / "missing");
  bool called = false;
  broken.on_written = [&](const PlaylistProgress&) { called = true; };
  LivePlaylist failing(std::move(broken), 0, absl::ZeroDuration());
  CHECK_FALSE(failing.Append(Segment(0, t0, absl::Seconds(2)), Media()).ok());
  CHECK_FALSE(called);  // Nothing new to read: no blocked request may be woken.
}

TEST_CASE("LivePlaylist reports a write failure as STORAGE_FAILURE", "[playlist]") {
  TempDir dir;
  LivePlaylist playlist(Opts(dir.path() / "missing"), 0, absl::ZeroDuration());
  absl::Status s =
      playlist.Append(Segment(0, At("2024-05-01T12:00:00Z"), absl::Seconds(2)), Media());
  CHECK(ReasonOf(s) == "STORAGE_FAILURE");
  // DATA_LOSS: the code that tells the runtime reconnecting cannot fix it.
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  // The segment exists on disk regardless; the next successful write lists it.
  CHECK(playlist.next_sequence() == 1);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
