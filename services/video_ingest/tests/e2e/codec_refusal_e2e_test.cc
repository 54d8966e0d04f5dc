// Encoders sending what the packager cannot take are told so at their first media, with a
// NetStream.Publish status their operator sees, and the session ends as REJECTED /
// UNSUPPORTED_CODEC (not cut later as NO_MEDIA or PACKAGER_FAILURE); the stream stays ready for
// the same key with the right settings.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "ingest_fixture.h"
#include "raw_publisher.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_ERROR_REASON_UNSUPPORTED_CODEC;
using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_PREPARING;
using rtmp::testing::RawPublisher;

// The stream was left as it was, with the refusal recorded on it and on the session.
void CheckRefusedAndReady(const IngestServer& server, const std::string& id) {
  v1::Stream stream;
  // The session end is recorded by a worker just after the encoder is told.
  for (int i = 0; i < 250; ++i) {
    stream = server.GetStream(id);
    if (stream.current_session().has_ended_at()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(stream.status() == STREAM_STATUS_PREPARING);
  CHECK(stream.error_reason() == STREAM_ERROR_REASON_UNSUPPORTED_CODEC);
  CHECK(stream.current_session().end_reason() == v1::SESSION_END_REASON_REJECTED);
  CHECK(stream.current_session().has_ended_at());
}

}  // namespace

TEST_CASE("an audio-only ffmpeg publish is refused by name at its first audio") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  testing::TempDir dir;
  testing::ChildProcess ffmpeg(
      {"/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i",
       "sine=frequency=440", "-t", "30", "-c:a", "aac", "-f", "flv", s.rtmp_url},
      {}, dir.File("ffmpeg.log"));
  INFO(server.log());
  // Refused at its first audio tag: long before the packager's 10 s stall watchdog.
  const int code = ffmpeg.Wait(8000);
  INFO(ffmpeg.log());
  CHECK(code > 0);
  CHECK(absl::StrContains(ffmpeg.log(), "UNSUPPORTED_CODEC"));
  CHECK(absl::StrContains(ffmpeg.log(), "audio-only"));
  CheckRefusedAndReady(server, s.id);
}

TEST_CASE("HEVC over RTMP is refused at its sequence header with a status, not a bare EOF") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  testing::TempDir dir;
  INFO(server.log());
  const std::string key = s.rtmp_url.substr(s.rtmp_url.rfind('/') + 1);
  {
    RawPublisher p(static_cast<uint16_t>(server.rtmp_port()));
    std::optional<rtmp::testing::StatusReply> started =
        p.Publish("live", key, std::chrono::seconds(10));
    REQUIRE(started.has_value());
    REQUIRE(started->code == "NetStream.Publish.Start");
    // Enhanced RTMP: IsExHeader | keyframe, PacketTypeSequenceStart, 'hvc1', then the record.
    REQUIRE(p.SendTag(9, 0, {0x90, 'h', 'v', 'c', '1', 0x01, 0x01, 0x60}));
    std::optional<rtmp::testing::StatusReply> refused = p.NextStatus(std::chrono::seconds(10));
    REQUIRE(refused.has_value());
    INFO(refused->description);
    CHECK(refused->level == "error");
    CHECK(refused->code == "NetStream.Publish.Rejected");
    CHECK(absl::StrContains(refused->description, "HEVC"));
    CHECK(p.WaitForClose(std::chrono::seconds(10)));
  }
  CheckRefusedAndReady(server, s.id);
  // The host switches the encoder to H.264 and goes live with the same key.
  Publisher h264(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 3, dir.File("h264.log"));
  CHECK(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  CHECK(h264.Wait(absl::Seconds(30)) == 0);
}

}  // namespace shopcast::video_ingest::e2e
