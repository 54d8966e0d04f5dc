#include "media/live_playlist.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::ReadFileText;
using shopcast::testing::TempDir;

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

  CHECK(ReadFileText(dir.path() / "live.m3u8") ==
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
  CHECK(ReadFileText(dir.path() / "index.m3u8") ==
        "#EXTM3U\n"
        "#EXT-X-VERSION:3\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1500150,RESOLUTION=640x360,"
        "FRAME-RATE=30.000,CODECS=\"avc1.42c01e,mp4a.40.2\"\n"
        "live.m3u8\n");
  CHECK(playlist.next_sequence() == 2);
  CHECK(playlist.media_offset() == absl::Microseconds(3999600));
  // The previous version is kept as the next write's spare (file_io.h), nothing else.
  const std::string spare = ReadFileText(dir.path() / "live.m3u8.tmp");
  CHECK(spare.find("000000.ts") != std::string::npos);
  CHECK(spare.find("000001.ts") == std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    CHECK((name == "live.m3u8" || name == "index.m3u8" || name == "live.m3u8.tmp" ||
           name == "index.m3u8.tmp"));
  }
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
  CHECK(ReadFileText(dir.path() / "live.m3u8") ==
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
  REQUIRE(
      playlist.Append(Segment(1, t0 + absl::Seconds(2), absl::Milliseconds(3600)), Media()).ok());
  CHECK(playlist.target_duration_s() == 2);
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXT-X-TARGETDURATION:2\n"));
  CHECK_THAT(playlist.MediaPlaylistText(), Catch::Contains("#EXTINF:3.600,\n"));
  CHECK(playlist.segments_over_target() == 1);
}

TEST_CASE("LivePlaylist keeps its target duration when segments run a few ms long", "[playlist]") {
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
  const std::string text = ReadFileText(dir.path() / "live.m3u8");
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
    CHECK(ReadFileText(dir.path() / "live.m3u8").find("#EXT-X-MEDIA-SEQUENCE:") !=
          std::string::npos);
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

// ---- Low-Latency HLS ---------------------------------------------------------------------------

LivePlaylist::Options LowLatency(const fs::path& dir, int window = 6) {
  LivePlaylist::Options o = Opts(dir, window);
  o.part_target = absl::Milliseconds(334);
  return o;
}

LivePlaylist::PartInfo Part(int64_t sequence, int index, int64_t ms, bool independent,
                            absl::Time pdt) {
  return LivePlaylist::PartInfo{.sequence = sequence,
                                .index = index,
                                .duration = absl::Milliseconds(ms),
                                .independent = independent,
                                .program_date_time = pdt};
}

// Appends segment `sequence` of 2 s as six parts (334 ms × 5 + 330 ms), the first independent,
// the last listed with the segment.
void AppendSegmentWithParts(LivePlaylist& playlist, int64_t sequence, absl::Time pdt) {
  for (int i = 0; i < 5; ++i) {
    REQUIRE(playlist.AppendPart(Part(sequence, i, 334, i == 0, pdt)).ok());
  }
  REQUIRE(playlist
              .Append(Segment(sequence, pdt, absl::Seconds(2)), Media(),
                      Part(sequence, 5, 330, false, pdt))
              .ok());
}

TEST_CASE("LivePlaylist writes the exact Low-Latency HLS playlist", "[playlist][ll]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = LowLatency(dir.path());
  options.on_written = [&](const PlaylistProgress& p) { told.push_back(p); };
  LivePlaylist playlist(std::move(options), 40, absl::Seconds(80));
  const absl::Time t0 = At("2024-05-01T12:00:00.021Z");
  AppendSegmentWithParts(playlist, 40, t0);
  REQUIRE(playlist.AppendPart(Part(41, 0, 334, true, t0 + absl::Seconds(2))).ok());
  REQUIRE(playlist.AppendPart(Part(41, 1, 333, false, t0 + absl::Seconds(2))).ok());

  CHECK(ReadFileText(dir.path() / "live.m3u8") ==
        "#EXTM3U\n"
        "#EXT-X-VERSION:6\n"
        "#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.503\n"
        "#EXT-X-PART-INF:PART-TARGET=0.334\n"
        "#EXT-X-MEDIA-SEQUENCE:40\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.021Z\n"
        "#EXT-X-PART:DURATION=0.334,URI=\"000040_0.ts\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.334,URI=\"000040_1.ts\"\n"
        "#EXT-X-PART:DURATION=0.334,URI=\"000040_2.ts\"\n"
        "#EXT-X-PART:DURATION=0.334,URI=\"000040_3.ts\"\n"
        "#EXT-X-PART:DURATION=0.334,URI=\"000040_4.ts\"\n"
        "#EXT-X-PART:DURATION=0.330,URI=\"000040_5.ts\"\n"
        "#EXTINF:2.000,\n"
        "000040.ts\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:02.021Z\n"
        "#EXT-X-PART:DURATION=0.334,URI=\"000041_0.ts\",INDEPENDENT=YES\n"
        "#EXT-X-PART:DURATION=0.333,URI=\"000041_1.ts\"\n"
        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"000041_2.ts\"\n");
  CHECK(playlist.MediaPlaylistText() == ReadFileText(dir.path() / "live.m3u8"));

  // Parts appended before the first segment were not published (EXT-X-TARGETDURATION is fixed
  // by that segment); after it, the playlist was rewritten after every part.
  REQUIRE(told.size() == 3);
  CHECK(told[0].next_msn == 41);
  CHECK(told[0].next_parts == 0);
  CHECK(told[0].last_parts == 6);
  CHECK(told[2].next_msn == 41);
  CHECK(told[2].next_parts == 2);
  CHECK(told[2].last_parts == 6);
  CHECK_FALSE(told[2].ended);
  CHECK(Satisfies(told[2], 41, 1));
  CHECK_FALSE(Satisfies(told[2], 41, 2));
}

TEST_CASE("LivePlaylist lists parts for the last three target durations only", "[playlist][ll]") {
  TempDir dir;
  LivePlaylist playlist(LowLatency(dir.path(), 10), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  for (int64_t seq = 0; seq < 6; ++seq) {
    // Every part file exists, as the packager writes them before listing them.
    for (int i = 0; i < 6; ++i) {
      std::ofstream(dir.path() / PartFileName(seq, i)) << "ts";
    }
    AppendSegmentWithParts(playlist, seq, t0 + absl::Seconds(2 * seq));
  }
  REQUIRE(playlist.AppendPart(Part(6, 0, 334, true, t0 + absl::Seconds(12))).ok());
  const std::string text = playlist.MediaPlaylistText();
  // 12.334 s of media: segments ending after 6.334 s (3, 4 and 5) keep their parts.
  for (int64_t seq = 0; seq < 6; ++seq) {
    INFO(seq);
    CHECK((text.find("URI=\"" + PartFileName(seq, 0) + "\"") != std::string::npos) == (seq >= 3));
    CHECK(text.find(absl::StrFormat("%06d.ts\n", seq)) != std::string::npos);
  }
  // Part files are deleted one target duration after they left the listing (the playlist
  // before may still name them): segment 1's ended at 4 s, more than 8 s before 12 s.
  CHECK_FALSE(fs::exists(dir.path() / PartFileName(0, 0)));
  CHECK_FALSE(fs::exists(dir.path() / PartFileName(1, 5)));
  CHECK(fs::exists(dir.path() / PartFileName(2, 0)));
  CHECK(fs::exists(dir.path() / PartFileName(5, 0)));
}

TEST_CASE("LivePlaylist keeps discontinuities and date times for the segment in progress",
          "[playlist][ll]") {
  TempDir dir;
  LivePlaylist playlist(LowLatency(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  AppendSegmentWithParts(playlist, 0, t0);
  playlist.MarkDiscontinuity();  // A reconnect: the new session's first segment is in progress.
  REQUIRE(playlist.AppendPart(Part(1, 0, 334, true, t0 + absl::Seconds(30))).ok());
  CHECK_THAT(playlist.MediaPlaylistText(),
             Catch::EndsWith("000000.ts\n"
                             "#EXT-X-DISCONTINUITY\n"
                             "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:30.000Z\n"
                             "#EXT-X-PART:DURATION=0.334,URI=\"000001_0.ts\",INDEPENDENT=YES\n"
                             "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"000001_1.ts\"\n"));
  for (int i = 1; i < 5; ++i) {
    REQUIRE(playlist.AppendPart(Part(1, i, 334, false, t0 + absl::Seconds(30))).ok());
  }
  REQUIRE(playlist
              .Append(Segment(1, t0 + absl::Seconds(30), absl::Seconds(2)), Media(),
                      Part(1, 5, 330, false, t0 + absl::Seconds(30)))
              .ok());
  // Complete, the segment keeps its discontinuity before its date time and its parts.
  CHECK_THAT(playlist.MediaPlaylistText(),
             Catch::Contains("000000.ts\n"
                             "#EXT-X-DISCONTINUITY\n"
                             "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:30.000Z\n"
                             "#EXT-X-PART:DURATION=0.334,URI=\"000001_0.ts\",INDEPENDENT=YES\n"));
}

TEST_CASE("LivePlaylist ends with complete media only and no preload hint", "[playlist][ll]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = LowLatency(dir.path());
  options.on_written = [&](const PlaylistProgress& p) { told.push_back(p); };
  LivePlaylist playlist(std::move(options), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  AppendSegmentWithParts(playlist, 0, t0);
  std::ofstream(dir.path() / PartFileName(1, 0)) << "ts";
  REQUIRE(playlist.AppendPart(Part(1, 0, 334, true, t0 + absl::Seconds(2))).ok());
  REQUIRE(playlist.End().ok());
  const std::string text = ReadFileText(dir.path() / "live.m3u8");
  CHECK_THAT(text, Catch::EndsWith("#EXTINF:2.000,\n000000.ts\n#EXT-X-ENDLIST\n"));
  CHECK_THAT(text, !Catch::Contains("PRELOAD-HINT"));
  CHECK_THAT(text, !Catch::Contains("000001_0.ts"));
  CHECK_FALSE(fs::exists(dir.path() / PartFileName(1, 0)));  // Never complete: gone.
  CHECK(told.back().ended);
  CHECK(ReasonOf(playlist.AppendPart(Part(1, 0, 334, true, t0))) == "PLAYLIST_ENDED");
}

TEST_CASE("LivePlaylist drops the parts of a segment its session never finished",
          "[playlist][ll]") {
  TempDir dir;
  LivePlaylist playlist(LowLatency(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  AppendSegmentWithParts(playlist, 0, t0);
  REQUIRE(playlist.AppendPart(Part(1, 0, 334, true, t0 + absl::Seconds(2))).ok());
  REQUIRE(playlist.AppendPart(Part(1, 1, 334, false, t0 + absl::Seconds(2))).ok());
  REQUIRE(playlist.DropPendingParts().ok());
  CHECK_THAT(ReadFileText(dir.path() / "live.m3u8"),
             Catch::EndsWith("000000.ts\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"000001_0.ts\"\n"));
  CHECK(playlist.progress().next_parts == 0);
  // The next session writes segment 1 afresh, from part 0.
  CHECK(playlist.AppendPart(Part(1, 0, 334, true, t0 + absl::Seconds(3))).ok());
}

TEST_CASE("LivePlaylist refuses parts out of order or without Low-Latency HLS", "[playlist][ll]") {
  TempDir dir;
  LivePlaylist regular(Opts(dir.path()), 0, absl::ZeroDuration());
  const absl::Time t0 = At("2024-05-01T12:00:00Z");
  CHECK(ReasonOf(regular.AppendPart(Part(0, 0, 334, true, t0))) == "LOW_LATENCY_OFF");
  LivePlaylist playlist(LowLatency(dir.path()), 0, absl::ZeroDuration());
  CHECK(ReasonOf(playlist.AppendPart(Part(0, 1, 334, true, t0))) == "PART_OUT_OF_ORDER");
  CHECK(ReasonOf(playlist.AppendPart(Part(1, 0, 334, true, t0))) == "PART_OUT_OF_ORDER");
  CHECK(playlist.AppendPart(Part(0, 0, 334, true, t0)).ok());
  CHECK(ReasonOf(playlist.AppendPart(Part(0, 0, 334, true, t0))) == "PART_OUT_OF_ORDER");
  // Regular HLS stays exactly as it was: no tag of Low-Latency HLS.
  REQUIRE(regular.Append(Segment(0, t0, absl::Seconds(2)), Media()).ok());
  CHECK(regular.MediaPlaylistText() ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z\n#EXTINF:2.000,\n000000.ts\n");
}

// ---- Versions in memory (Options::playlist_files) ----------------------------------------------

TEST_CASE("LivePlaylist hands every version over in memory, byte for byte what it writes",
          "[playlist][ll][memory]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = LowLatency(dir.path());
  options.on_written = [&](const PlaylistProgress& p) {
    told.push_back(p);
    // Each snapshot is the file as this write left it.
    REQUIRE(p.snapshot != nullptr);
    CHECK(p.snapshot->text == ReadFileText(dir.path() / "live.m3u8"));
    CHECK(p.snapshot->skip.empty());  // a six-segment window writes no delta updates
  };
  LivePlaylist playlist(std::move(options), 40, absl::Seconds(80));
  const absl::Time t0 = At("2024-05-01T12:00:00.021Z");
  AppendSegmentWithParts(playlist, 40, t0);
  REQUIRE(playlist.AppendPart(Part(41, 0, 334, true, t0 + absl::Seconds(2))).ok());
  REQUIRE(playlist.End().ok());
  REQUIRE(told.size() == 3);
  CHECK(told.back().snapshot->text == playlist.MediaPlaylistText());
  CHECK(told.back().snapshot->text.ends_with("#EXT-X-ENDLIST\n"));
  CHECK(told.front().snapshot->made <= told.back().snapshot->made);
}

TEST_CASE("LivePlaylist with PlaylistFiles::kSegments writes its file per segment and at the end",
          "[playlist][ll][memory]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = LowLatency(dir.path());
  options.playlist_files = LivePlaylist::Options::PlaylistFiles::kSegments;
  options.on_written = [&](const PlaylistProgress& p) { told.push_back(p); };
  LivePlaylist playlist(std::move(options), 40, absl::Seconds(80));
  const absl::Time t0 = At("2024-05-01T12:00:00.021Z");
  AppendSegmentWithParts(playlist, 40, t0);
  const std::string at_segment = ReadFileText(dir.path() / "live.m3u8");
  CHECK(at_segment == told.back().snapshot->text);
  const auto inode = [&] {
    struct stat st {};
    REQUIRE(::stat((dir.path() / "live.m3u8").c_str(), &st) == 0);
    return st.st_ino;
  };
  const auto first_inode = inode();

  // Parts (and a date range) between segments: in memory only, the file untouched.
  REQUIRE(playlist.AppendPart(Part(41, 0, 334, true, t0 + absl::Seconds(2))).ok());
  REQUIRE(playlist.AppendPart(Part(41, 1, 333, false, t0 + absl::Seconds(2))).ok());
  DateRange pinned;
  pinned.id = "pin:1";
  pinned.start = t0 + absl::Seconds(2);
  REQUIRE(*playlist.AddDateRange(pinned));
  CHECK(ReadFileText(dir.path() / "live.m3u8") == at_segment);
  CHECK(inode() == first_inode);
  REQUIRE(told.size() == 4);
  CHECK(told.back().next_parts == 2);
  CHECK(told.back().snapshot->text == playlist.MediaPlaylistText());
  CHECK(told.back().snapshot->text.find("000041_1.ts") != std::string::npos);
  CHECK(told.back().snapshot->text.find("pin:1") != std::string::npos);
  // No temporary left behind, nothing else created.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    CHECK((entry.path().filename() == "live.m3u8" || entry.path().filename() == "index.m3u8"));
  }

  // The segment: the file catches up (parts of the new segment in progress are not in it).
  REQUIRE(playlist
              .Append(Segment(41, t0 + absl::Seconds(2), absl::Seconds(2)), Media(),
                      Part(41, 2, 333, false, t0 + absl::Seconds(2)))
              .ok());
  CHECK(ReadFileText(dir.path() / "live.m3u8") == playlist.MediaPlaylistText());
  // The end: on disk (fsynced), as before.
  REQUIRE(playlist.AppendPart(Part(42, 0, 334, true, t0 + absl::Seconds(4))).ok());
  REQUIRE(playlist.End().ok());
  CHECK(ReadFileText(dir.path() / "live.m3u8") == playlist.MediaPlaylistText());
  CHECK(told.back().ended);
  CHECK(told.back().snapshot->text == playlist.MediaPlaylistText());
}

TEST_CASE("LivePlaylist with kSegments but nobody told writes every version",
          "[playlist][ll][memory]") {
  TempDir dir;
  LivePlaylist::Options options = LowLatency(dir.path());
  options.playlist_files = LivePlaylist::Options::PlaylistFiles::kSegments;
  LivePlaylist playlist(std::move(options), 40, absl::Seconds(80));
  const absl::Time t0 = At("2024-05-01T12:00:00.021Z");
  AppendSegmentWithParts(playlist, 40, t0);
  REQUIRE(playlist.AppendPart(Part(41, 0, 334, true, t0 + absl::Seconds(2))).ok());
  CHECK(ReadFileText(dir.path() / "live.m3u8") == playlist.MediaPlaylistText());
}

TEST_CASE("LivePlaylist with kSegments keeps its delta updates in memory only",
          "[playlist][ll][memory]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = LowLatency(dir.path(), LivePlaylist::kDeltaUpdateMinWindow);
  options.playlist_files = LivePlaylist::Options::PlaylistFiles::kSegments;
  options.on_written = [&](const PlaylistProgress& p) { told.push_back(p); };
  LivePlaylist playlist(std::move(options), 0, absl::ZeroDuration());
  REQUIRE(playlist.delta_updates());
  const absl::Time t0 = At("2024-05-01T12:00:00.000Z");
  for (int64_t msn = 0; msn < 14; ++msn) {
    AppendSegmentWithParts(playlist, msn, t0 + msn * absl::Seconds(2));
  }
  REQUIRE(playlist.AppendPart(Part(14, 0, 334, true, t0 + absl::Seconds(28))).ok());
  CHECK_FALSE(fs::exists(dir.path() / SkipPlaylistName("live.m3u8")));
  CHECK_FALSE(fs::exists(dir.path() / SkipV2PlaylistName("live.m3u8")));
  const PlaylistSnapshot& last = *told.back().snapshot;
  CHECK(last.skip == playlist.DeltaPlaylistText(false));
  CHECK(last.skip_v2 == playlist.DeltaPlaylistText(true));
  CHECK(last.skip.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=") != std::string::npos);
}

TEST_CASE("LivePlaylist with parts in memory hands them over with each version, bounded",
          "[playlist][ll][memory]") {
  TempDir dir;
  std::vector<PlaylistProgress> told;
  LivePlaylist::Options options = LowLatency(dir.path());
  options.playlist_files = LivePlaylist::Options::PlaylistFiles::kSegments;
  options.parts_in_memory = true;
  options.on_written = [&](const PlaylistProgress& p) { told.push_back(p); };
  LivePlaylist playlist(std::move(options), 40, absl::Seconds(80));
  REQUIRE(playlist.parts_in_memory());
  const absl::Time t0 = At("2024-05-01T12:00:00.021Z");
  std::vector<std::weak_ptr<const PartData>> made;
  auto part = [&](int64_t msn, int index, int64_t ms) {
    LivePlaylist::PartInfo p = Part(msn, index, ms, index == 0, t0 + (msn - 40) * absl::Seconds(2));
    auto data = std::make_shared<PartData>();
    data->bytes = PartFileName(msn, index) + " bytes";
    made.push_back(data);
    p.data = std::move(data);
    return p;
  };
  auto segment = [&](int64_t msn, int first = 0) {
    for (int i = first; i < 5; ++i) REQUIRE(playlist.AppendPart(part(msn, i, 334)).ok());
    REQUIRE(playlist
                .Append(Segment(msn, t0 + (msn - 40) * absl::Seconds(2), absl::Seconds(2)), Media(),
                        part(msn, 5, 330))
                .ok());
  };
  segment(40);
  REQUIRE(playlist.AppendPart(part(41, 0, 334)).ok());
  const PlaylistSnapshot& now = *told.back().snapshot;
  // Every part listed is in the snapshot, by its name, with the bytes the packager gave.
  REQUIRE(now.parts.size() == 7);
  CHECK(now.FindPart("000040_3.ts")->bytes == "000040_3.ts bytes");
  CHECK(now.FindPart("000041_0.ts")->bytes == "000041_0.ts bytes");
  CHECK(now.FindPart("000041_1.ts") == nullptr);
  CHECK(now.text.find("#EXT-X-PART:DURATION=0.334,URI=\"000041_0.ts\"") != std::string::npos);
  // The file lists no parts (nobody reading it could fetch one): a regular HLS playlist.
  const std::string file = ReadFileText(dir.path() / "live.m3u8");
  CHECK(file.find("EXT-X-PART") == std::string::npos);
  CHECK(file.find("PRELOAD-HINT") == std::string::npos);
  CHECK(file.find("#EXT-X-VERSION:3\n") != std::string::npos);
  CHECK(file.find("000040.ts\n") != std::string::npos);
  // No part file anywhere.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    CHECK((entry.path().filename() == "live.m3u8" || entry.path().filename() == "index.m3u8"));
  }
  // Bounded: a part is let go when it leaves the listing (three target durations), so at most
  // three target durations of parts and the segment in progress are held.
  segment(41, /*first=*/1);
  for (int64_t msn = 42; msn < 48; ++msn) segment(msn);
  told.clear();
  REQUIRE(playlist.AppendPart(part(48, 0, 334)).ok());
  const PlaylistSnapshot& later = *told.back().snapshot;
  CHECK(later.FindPart("000040_0.ts") == nullptr);
  CHECK(made.front().expired());  // freed: nothing holds the bytes any more
  CHECK(later.parts.size() <= 3 * 6 + 1);
  size_t alive = 0;
  for (const auto& w : made) alive += w.expired() ? 0 : 1;
  CHECK(alive == later.parts.size());
  // Ended: no parts listed or held.
  told.clear();
  REQUIRE(playlist.End().ok());
  CHECK(told.back().snapshot->parts.empty());
  CHECK(told.back().snapshot->text.find("EXT-X-PART:") == std::string::npos);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
