// Playlist Delta Updates (`_HLS_skip`, RFC 8216bis 6.2.5.1) end to end: the binary with a window
// long enough for them (`playlist_window=12`, 1 s segments: a 6 s Skip Boundary), a real ffmpeg
// publishing over RTMP; the origin answers `_HLS_skip=YES` and `v2` with delta playlists that
// are the full playlist with its oldest segments replaced by EXT-X-SKIP, and hls.js in
// low-latency mode asks for them, merges them and keeps playing.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hls_js.h"
#include "ingest_fixture.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_LIVE;

// The segment URIs of a media playlist, in order.
std::vector<std::string> SegmentUris(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] != '#') out.emplace_back(line);
  }
  return out;
}

// The value of `#TAG:<value>` up to the end of its line, or "" when absent.
std::string TagValue(const std::string& text, const std::string& tag) {
  const size_t at = text.find(tag);
  if (at == std::string::npos) return "";
  const size_t begin = at + tag.size();
  return text.substr(begin, text.find('\n', begin) - begin);
}

TEST_CASE("the origin serves delta updates that hls.js merges while it keeps playing") {
  ServerOptions options;
  options.target_duration = absl::Seconds(1);
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_PLAYLIST_WINDOW=12"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  // Past the Skip Boundary: 14 segments, the first few older than 6 s before the end.
  REQUIRE(server.WaitForSegments(s.id, 14, absl::Seconds(60)));
  const std::string path = "/live/" + s.id + "/live.m3u8";

  testing::HttpResponse full = server.Get(path);
  REQUIRE(full.status == 200);
  INFO(full.body);
  CHECK(absl::StrContains(full.body, ",CAN-SKIP-UNTIL=6.000,CAN-SKIP-DATERANGES=YES,"));
  // The delta update of the same moment: blocking on the segment the full one ends with.
  const std::vector<std::string> full_uris = SegmentUris(full.body);
  REQUIRE(full_uris.size() == 12);
  int64_t last_msn = 0;
  REQUIRE(absl::SimpleAtoi(absl::StripSuffix(full_uris.back(), ".ts"), &last_msn));
  for (const char* skip : {"YES", "v2"}) {
    INFO(skip);
    testing::HttpResponse delta =
        server.Get(absl::StrCat(path, "?_HLS_msn=", last_msn, "&_HLS_skip=", skip));
    REQUIRE(delta.status == 200);
    INFO(delta.body);
    CHECK(absl::StartsWith(delta.body, std::string("#EXTM3U\n#EXT-X-VERSION:") +
                                           (std::string(skip) == "v2" ? "10\n" : "9\n")));
    // Same media sequence; EXT-X-SKIP stands for the oldest segments, the rest are listed.
    CHECK(TagValue(delta.body, "#EXT-X-MEDIA-SEQUENCE:") ==
          TagValue(full.body, "#EXT-X-MEDIA-SEQUENCE:"));
    int skipped = 0;
    const std::string skip_tag = TagValue(delta.body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=");
    REQUIRE(absl::SimpleAtoi(skip_tag.substr(0, skip_tag.find(',')), &skipped));
    CHECK(skipped >= 4);  // 12 segments of about 1 s listed; those ending > 6 s before the end
    const std::vector<std::string> delta_uris = SegmentUris(delta.body);
    REQUIRE(delta_uris.size() + skipped >= full_uris.size());
    // The segments listed after the skip continue where the skipped ones end.
    CHECK(delta_uris.front() ==
          absl::StrFormat("%06d.ts",
                          std::stoll(TagValue(delta.body, "#EXT-X-MEDIA-SEQUENCE:")) + skipped));
    CHECK(delta.body.size() < full.body.size());
    CHECK(absl::StrContains(delta.body, "#EXT-X-PRELOAD-HINT:TYPE=PART"));
    if (std::string(skip) == "v2") {
      CHECK(absl::StrContains(delta.body, ",RECENTLY-REMOVED-DATERANGES=\"\""));
    }
  }

  // hls.js in low-latency mode asks for delta updates, merges them, and plays on.
  std::string report;
  const int played = PlayInHlsJs(server.PlaybackUrl(s.id), /*low_latency=*/true, 14, report);
  WARN("hls.js with delta updates: " << report);
  CHECK(played == 0);
  CHECK(absl::StrContains(report, "\"fatal\":[]"));
  CHECK(absl::StrContains(report, "\"canSkipUntil\":6"));
  CHECK_FALSE(absl::StrContains(report, "\"skip\":0}"));             // requests carried _HLS_skip
  CHECK_FALSE(absl::StrContains(report, "\"skippedSegments\":0,"));  // and merged deltas
  CHECK(absl::StrContains(report, "\"deltaUpdateFailed\":false"));
  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
