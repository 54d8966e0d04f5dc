// What the rendition ladder asks of LivePlaylist: the master listing the rungs after the
// passthrough (and unchanged without them), rung playlists without a master of their own, and
// a rung resuming at a later segment after it lost some.

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "media/live_playlist.h"
#include "media/rendition_spec.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::ReadFileText;
using shopcast::testing::TempDir;

SegmentInfo Segment(int64_t sequence, absl::Time pdt) {
  SegmentInfo s;
  s.sequence = sequence;
  s.program_date_time = pdt;
  s.duration = absl::Seconds(2);
  s.size_bytes = 250'000;
  s.path = "str_1/" + std::string(6 - std::to_string(sequence).size(), '0') +
           std::to_string(sequence) + ".ts";
  return s;
}

MediaInfo Media(int width, int height, const std::string& codecs) {
  MediaInfo m;
  m.video_codec = "h264";
  m.width = width;
  m.height = height;
  m.frame_rate = 30;
  m.audio_codec = "aac";
  m.codecs = codecs;
  return m;
}

const absl::Time kT0 = absl::FromUnixSeconds(1'714'564'800);  // 2024-05-01T12:00:00Z

TEST_CASE("The master lists the rungs after the passthrough, and nothing more without them",
          "[renditions][playlist]") {
  TempDir tmp;
  LivePlaylist::Options o;
  o.stream_dir = tmp.path();
  o.target_duration = absl::Seconds(2);
  LivePlaylist plain(o, 0, absl::ZeroDuration());
  REQUIRE(plain.Append(Segment(0, kT0), Media(640, 360, "avc1.42c01e,mp4a.40.2")).ok());
  const std::string passthrough_only =
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=1000000,RESOLUTION=640x360,"
      "FRAME-RATE=30.000,CODECS=\"avc1.42c01e,mp4a.40.2\"\nlive.m3u8\n";
  CHECK(ReadFileText(tmp.path() / "index.m3u8") == passthrough_only);

  // With a ladder: the rung lines come from the ladder, after the passthrough's.
  std::string rungs;
  o.master_variants = [&rungs] { return rungs; };
  o.stream_dir = tmp.path() / "with";
  fs::create_directories(o.stream_dir);
  LivePlaylist with(o, 0, absl::ZeroDuration());
  CHECK(with.WriteMaster().ok());  // Nothing before the first segment.
  CHECK(!fs::exists(o.stream_dir / "index.m3u8"));
  REQUIRE(with.Append(Segment(0, kT0), Media(640, 360, "avc1.42c01e,mp4a.40.2")).ok());
  CHECK(ReadFileText(o.stream_dir / "index.m3u8") == passthrough_only);  // No rung yet.
  VariantLine v;
  v.uri = "240p/live.m3u8";
  v.bandwidth = 470'000;
  v.average_bandwidth = 455'000;
  v.resolution = {426, 240};
  v.frame_rate = 30;
  v.codecs = "avc1.64000d,mp4a.40.2";
  rungs = VariantText(v);
  REQUIRE(with.WriteMaster().ok());  // A rung appeared.
  CHECK(ReadFileText(o.stream_dir / "index.m3u8") ==
        passthrough_only +
            "#EXT-X-STREAM-INF:BANDWIDTH=470000,AVERAGE-BANDWIDTH=455000,RESOLUTION=426x240,"
            "FRAME-RATE=30.000,CODECS=\"avc1.64000d,mp4a.40.2\"\n240p/live.m3u8\n");
  const LivePlaylist::VariantStats stats = with.variant_stats();
  CHECK(stats.peak_bps == 1'000'000);
  CHECK(stats.average_bps == 1'000'000);
  CHECK(stats.segments == 1);
  CHECK(stats.media.width == 640);
}

TEST_CASE("A rung's playlist writes no master of its own", "[renditions][playlist]") {
  TempDir tmp;
  LivePlaylist::Options o;
  o.stream_dir = tmp.path();
  o.target_duration = absl::Seconds(2);
  o.master_playlist_name.clear();
  LivePlaylist rung(o, 0, absl::ZeroDuration());
  REQUIRE(rung.Append(Segment(0, kT0), Media(426, 240, "avc1.64000d,mp4a.40.2")).ok());
  CHECK(fs::exists(tmp.path() / "live.m3u8"));
  CHECK(!fs::exists(tmp.path() / "index.m3u8"));
  CHECK(rung.WriteMaster().ok());
  CHECK(!fs::exists(tmp.path() / "index.m3u8"));
}

TEST_CASE("A rung that lost segments resumes at a later one after a discontinuity",
          "[renditions][playlist]") {
  TempDir tmp;
  LivePlaylist::Options o;
  o.stream_dir = tmp.path();
  o.target_duration = absl::Seconds(2);
  o.master_playlist_name.clear();
  LivePlaylist rung(o, 10, absl::Seconds(20));
  rung.MarkDiscontinuity();
  REQUIRE(rung.Append(Segment(10, kT0), Media(426, 240, "avc1.64000d")).ok());
  REQUIRE(rung.Append(Segment(11, kT0 + absl::Seconds(2)), Media(426, 240, "avc1.64000d")).ok());
  // Going back, or standing still, is refused.
  CHECK(ReasonOf(rung.SkipTo(12, absl::Seconds(24))) == "SEGMENT_OUT_OF_ORDER");
  CHECK(ReasonOf(rung.SkipTo(5, absl::Seconds(24))) == "SEGMENT_OUT_OF_ORDER");
  // Segments 12 and 13 were lost: the listing restarts at 14.
  REQUIRE(rung.SkipTo(14, absl::Seconds(28)).ok());
  CHECK(rung.next_sequence() == 14);
  REQUIRE(rung.Append(Segment(14, kT0 + absl::Seconds(8)), Media(426, 240, "avc1.64000d")).ok());
  CHECK(ReadFileText(tmp.path() / "live.m3u8") ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:14\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-DISCONTINUITY\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:08.000Z\n#EXTINF:2.000,\n000014.ts\n");
  REQUIRE(rung.End().ok());
  CHECK(ReasonOf(rung.SkipTo(20, absl::Seconds(40))) == "PLAYLIST_ENDED");
}

}  // namespace
}  // namespace shopcast::video_ingest::media
