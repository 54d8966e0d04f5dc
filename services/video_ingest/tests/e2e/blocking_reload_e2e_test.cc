// Blocking playlist reload through the real binary: a real ffmpeg publishes over RTMP, the
// runtime's playlist reports each write to the origin's PlaylistWatch (the app's wiring), and a
// player's `_HLS_msn` request for the next segment is held until that segment is listed, then
// answered with it, well inside the hold (three 1 s target durations). A request too far ahead
// is refused at once; the metrics say what happened.

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ingest_fixture.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::e2e {
namespace {

TEST_CASE("a blocking playlist reload is answered when the next segment is listed") {
  IngestServer server;  // target duration 1 s
  CreatedStream s = server.CreateStream();
  testing::TempDir dir;
  INFO(server.log());
  testing::ChildProcess ffmpeg({"/usr/bin/ffmpeg",
                                "-hide_banner",
                                "-loglevel",
                                "warning",
                                "-nostdin",
                                "-re",
                                "-f",
                                "lavfi",
                                "-i",
                                "testsrc2=size=320x240:rate=30",
                                "-f",
                                "lavfi",
                                "-i",
                                "sine=frequency=440:sample_rate=44100",
                                "-t",
                                "20",
                                "-c:v",
                                "libx264",
                                "-preset",
                                "ultrafast",
                                "-g",
                                "30",
                                "-keyint_min",
                                "30",
                                "-sc_threshold",
                                "0",
                                "-pix_fmt",
                                "yuv420p",
                                "-c:a",
                                "aac",
                                "-f",
                                "flv",
                                s.rtmp_url},
                               {}, dir.File("ffmpeg.log"));
  REQUIRE(server.WaitForSegments(s.id, 2, absl::Seconds(60)));

  const MediaPlaylist now = server.ReadPlaylist(s.id);
  const int64_t next = now.media_sequence + static_cast<int64_t>(now.entries.size());
  const std::string next_uri = absl::StrFormat("%06d.ts", next);
  const std::string base = absl::StrCat("/live/", s.id, "/live.m3u8");

  // Held until segment `next` is listed (about a second away), then answered with it.
  const absl::Time asked = absl::Now();
  testing::HttpResponse held = server.Get(absl::StrCat(base, "?_HLS_msn=", next));
  const absl::Duration waited = absl::Now() - asked;
  INFO("waited " << waited << "\n" << held.body);
  CHECK(held.status == 200);
  CHECK(absl::StrContains(held.body, next_uri));
  CHECK(waited < absl::Seconds(3));  // the hold: 3 target durations

  // Too far ahead and malformed: 400 at once.
  CHECK(server.Get(absl::StrCat(base, "?_HLS_msn=", next + 10)).status == 400);
  CHECK(server.Get(absl::StrCat(base, "?_HLS_part=1")).status == 400);

  const std::string metrics = server.Metrics();
  INFO(metrics);
  CHECK(absl::StrContains(metrics, "hls_blocking_parked 0"));
  CHECK(absl::StrContains(metrics,
                          "hls_blocking_requests_total{kind=\"playlist\",outcome=\"too_far\"} 1"));
  CHECK(absl::StrContains(
      metrics, "hls_blocking_requests_total{kind=\"playlist\",outcome=\"bad_request\"} 1"));
  CHECK(absl::StrContains(metrics, "hls_blocking_wake_seconds_count"));
}  // ffmpeg is killed with its ChildProcess

}  // namespace
}  // namespace shopcast::video_ingest::e2e
