// An encoder with a keyframe only every 10 s (OBS's "auto" interval is about 8 s at 30 fps)
// goes live at its second keyframe and publishes to the end: segments close at the first
// keyframe after the target whatever the GOP, and the stall watchdog judges media flow, not how
// many segments closed.

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ingest_fixture.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_RECONNECTING;

constexpr int kGopSeconds = 10;
constexpr int kPublishSeconds = 21;  // Two whole GOPs and one second.

TEST_CASE("a 10 s keyframe interval goes live at its second keyframe and is never cut") {
  IngestServer server;  // Target duration 1 s: every GOP is ten times longer.
  CreatedStream s = server.CreateStream();
  testing::TempDir dir;
  INFO(server.log());
  const absl::Time start = absl::Now();
  testing::ChildProcess ffmpeg({"/usr/bin/ffmpeg",
                                "-hide_banner",
                                "-loglevel",
                                "warning",
                                "-nostdin",
                                "-re",
                                "-f",
                                "lavfi",
                                "-i",
                                "testsrc2=size=640x360:rate=30",
                                "-f",
                                "lavfi",
                                "-i",
                                "sine=frequency=440:sample_rate=44100",
                                "-t",
                                absl::StrCat(kPublishSeconds),
                                "-c:v",
                                "libx264",
                                "-preset",
                                "ultrafast",
                                "-bf",
                                "2",
                                "-g",
                                absl::StrCat(30 * kGopSeconds),
                                "-keyint_min",
                                absl::StrCat(30 * kGopSeconds),
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

  // Playable once the second keyframe (10 s into the publish) closes the first GOP.
  REQUIRE(server.WaitForSegments(s.id, 1, absl::Seconds(60)));
  INFO("first segment after " << absl::Now() - start);
  CHECK(server.GetStream(s.id).status() == STREAM_STATUS_LIVE);
  MediaPlaylist first = server.ReadPlaylist(s.id);
  REQUIRE(first.entries.size() == 1);
  CHECK(first.entries[0].duration == Approx(kGopSeconds).margin(0.05));
  // RFC 8216: the target covers every segment from the first playlist on, and never changes.
  CHECK(first.target_duration == kGopSeconds);

  // The encoder runs to its end: nothing cut it while a GOP was still open.
  const int code = ffmpeg.Wait(120'000);
  INFO(ffmpeg.log());
  CHECK(code == 0);
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(s.id, 3, absl::Seconds(30)));
  MediaPlaylist all = server.ReadPlaylist(s.id);
  INFO(all.text);
  REQUIRE(all.entries.size() == 3);
  CHECK(all.target_duration == kGopSeconds);
  CHECK(all.entries[1].duration == Approx(kGopSeconds).margin(0.05));
  CHECK(all.entries[2].duration == Approx(kPublishSeconds - 2 * kGopSeconds).margin(0.1));
  for (const PlaylistEntry& e : all.entries) {
    INFO(e.uri);
    CHECK(DecodeErrors(server.SegmentPath(s.id, e.uri)).empty());
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
