// Encoders sending what the packager cannot take are told so at their first media, with a
// NetStream.Publish status their operator sees, and the session ends as REJECTED /
// UNSUPPORTED_CODEC (not cut later as NO_MEDIA or PACKAGER_FAILURE); the stream stays ready for
// the same key with the right settings. What the packager can take without video, a host with
// the camera off, plays as audio-only HLS.

#include <catch2/catch.hpp>
#include <csignal>
#include <set>
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

TEST_CASE("an audio-only ffmpeg publish (a host with the camera off) plays as audio-only HLS") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  testing::TempDir dir;
  testing::ChildProcess ffmpeg(
      {"/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i",
       "sine=frequency=440", "-t", "30", "-c:a", "aac", "-f", "flv", s.rtmp_url},
      {}, dir.File("ffmpeg.log"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(s.id, 3, absl::Seconds(60)));
  CHECK(ffmpeg.running());
  // The master playlist names the audio codec alone, with no resolution.
  testing::HttpResponse master = server.Get("/live/" + s.id + "/index.m3u8");
  REQUIRE(master.status == 200);
  INFO(master.body);
  CHECK(absl::StrContains(master.body, "CODECS=\"mp4a.40.2\""));
  CHECK(!absl::StrContains(master.body, "RESOLUTION"));
  // Segments of about the 1 s target, each an AAC-only transport stream that decodes.
  MediaPlaylist playlist = server.ReadPlaylist(s.id);
  REQUIRE(playlist.entries.size() >= 2);
  for (size_t i = 0; i + 1 < playlist.entries.size(); ++i) {
    const PlaylistEntry& e = playlist.entries[i];
    INFO(e.uri);
    CHECK(e.duration == Approx(1.0).margin(0.05));
    const std::string file = server.SegmentPath(s.id, e.uri);
    const std::vector<std::string> codecs = ProbeCodecs(file);  // Program listing included.
    CHECK(std::set<std::string>(codecs.begin(), codecs.end()) == std::set<std::string>{"aac"});
    CHECK(DecodeErrors(file).empty());
  }
  ffmpeg.Signal(SIGKILL);
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
