// Real encoders publishing to the real binary: what a host's OBS/ffmpeg and a viewer's HLS
// player see, and what the recording service is told.

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ingest_fixture.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_ENDED;
using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_PREPARING;
using common::v1::STREAM_STATUS_RECONNECTING;

std::vector<v1::SegmentClosed> SegmentEvents(const std::vector<common::v1::Event>& events) {
  std::vector<v1::SegmentClosed> out;
  for (const auto& e : events) {
    if (e.type() != "video_ingest.segment_closed") continue;
    v1::SegmentClosed s;
    REQUIRE(e.payload().UnpackTo(&s));
    out.push_back(s);
  }
  return out;
}

std::string Sha256Of(const std::string& path) {
  std::string out = RunTool({"sha256sum", path});
  return out.substr(0, 64);
}

// Every announced segment is on the hot tier, decodes, is H.264 + AAC, has the size and hash
// that were announced and an EXTINF matching its real duration; the sequence is gapless and the
// date times advance exactly with the media.
double CheckSegments(const IngestServer& server, const std::string& stream_id,
                     const std::vector<v1::SegmentClosed>& segments) {
  REQUIRE(!segments.empty());
  double total = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const v1::SegmentClosed& s = segments[i];
    INFO("segment " << s.sequence() << " " << s.path());
    CHECK(s.sequence() == static_cast<int64_t>(i));
    CHECK(s.stream_id() == stream_id);
    CHECK(s.content_type() == "video/mp2t");
    CHECK(!absl::StrContains(s.path(), ".."));
    std::string file = server.SegmentPath(stream_id, std::filesystem::path(s.path()).filename());
    REQUIRE(std::filesystem::exists(file));
    CHECK(static_cast<int64_t>(std::filesystem::file_size(file)) == s.size_bytes());
    CHECK(Sha256Of(file) == s.sha256());
    std::string decode_errors = DecodeErrors(file);
    INFO(decode_errors);
    CHECK(decode_errors.empty());
    std::vector<std::string> codecs = ProbeCodecs(file);
    CHECK(std::set<std::string>(codecs.begin(), codecs.end()) ==
          std::set<std::string>{"h264", "aac"});
    double extinf = s.duration().seconds() + s.duration().nanos() / 1e9;
    CHECK(extinf > 0);
    CHECK(extinf < 3.5);
    // Cut at the keyframe after the 1 s target (one keyframe a second); only a session's last
    // segment, flushed when the encoder leaves, may be shorter.
    bool last_of_session = i + 1 == segments.size() || segments[i + 1].discontinuity();
    if (!last_of_session) CHECK(extinf > 0.9);
    CHECK(std::abs(ProbeDuration(file) - extinf) < 0.15);
    CHECK(std::abs(s.media_offset().seconds() + s.media_offset().nanos() / 1e9 - total) < 0.002);
    if (i + 1 < segments.size()) {
      absl::Time a = absl::FromUnixSeconds(s.program_date_time().seconds()) +
                     absl::Nanoseconds(s.program_date_time().nanos());
      const auto& n = segments[i + 1].program_date_time();
      absl::Time b = absl::FromUnixSeconds(n.seconds()) + absl::Nanoseconds(n.nanos());
      if (!segments[i + 1].discontinuity()) {
        CHECK(std::abs(absl::ToDoubleSeconds(b - a) - extinf) < 0.005);
      } else {
        CHECK(b > a);
      }
    }
    total += extinf;
  }
  return total;
}

std::vector<std::string> Types(const std::vector<common::v1::Event>& events) {
  std::vector<std::string> t;
  for (const auto& e : events) t.push_back(e.type());
  return t;
}

}  // namespace

TEST_CASE("an ffmpeg RTMP publish goes live as HLS whose date times follow the media") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  CHECK(server.GetStream(s.id).status() == STREAM_STATUS_PREPARING);
  CHECK(server.Get("/live/" + s.id + "/index.m3u8").status == 404);

  absl::Time started = absl::Now();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 8, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  v1::Stream live = server.GetStream(s.id);
  CHECK(live.playback_url() == absl::StrCat(kPlaybackBaseUrl, "/live/", s.id, "/index.m3u8"));

  testing::HttpResponse master = server.Get("/live/" + s.id + "/index.m3u8");
  REQUIRE(master.status == 200);
  CHECK(absl::StrContains(master.body, "#EXT-X-STREAM-INF:"));
  CHECK(absl::StrContains(master.body, "BANDWIDTH="));
  CHECK(absl::StrContains(master.body, "RESOLUTION=640x360"));
  CHECK(absl::StrContains(master.body, "CODECS=\"avc1."));
  CHECK(absl::StrContains(master.body, "mp4a.40.2"));
  // A real HLS client takes the live playlists as they are served.
  std::vector<std::string> played = ProbeCodecs(server.PlaybackUrl(s.id));
  CHECK(std::set<std::string>(played.begin(), played.end()) ==
        std::set<std::string>{"h264", "aac"});

  REQUIRE(ffmpeg.Wait(absl::Seconds(40)) == 0);
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));

  MediaPlaylist playlist = server.ReadPlaylist(s.id);
  INFO(playlist.text);
  REQUIRE(!playlist.entries.empty());
  CHECK(playlist.target_duration >= 1);
  for (const auto& e : playlist.entries) CHECK(e.duration <= playlist.target_duration + 0.5);

  std::vector<common::v1::Event> events = server.Events(s.id);
  std::vector<v1::SegmentClosed> segments = SegmentEvents(events);
  double total = CheckSegments(server, s.id, segments);
  // Every second of the 8 published is packaged (the encoder's last GOP may be cut short).
  CHECK(total > 7.0);
  CHECK(total < 8.6);
  // The first frame reached the server shortly after the encoder started.
  const auto& pdt0 = segments.front().program_date_time();
  absl::Time first = absl::FromUnixSeconds(pdt0.seconds()) + absl::Nanoseconds(pdt0.nanos());
  CHECK(first >= started - absl::Seconds(1));
  CHECK(first <= started + absl::Seconds(10));
  // The playlist's entries are the last announced segments, with the same date times.
  for (const auto& e : playlist.entries) {
    REQUIRE(e.sequence < static_cast<int64_t>(segments.size()));
    const auto& pdt = segments[e.sequence].program_date_time();
    absl::Time announced = absl::FromUnixSeconds(pdt.seconds()) + absl::Nanoseconds(pdt.nanos());
    CHECK(absl::AbsDuration(announced - e.program_date_time) < absl::Milliseconds(2));
  }

  // Operators see it too.
  testing::HttpResponse metrics = testing::HttpGet(server.metrics_port(), "/metrics");
  CHECK(absl::StrContains(metrics.body, "ingest_segments_closed_total"));
  CHECK(absl::StrContains(metrics.body, "ingest_admissions_total{result=\"ok\"} 1"));
  CHECK(absl::StrContains(metrics.body, "rtmp_bytes_received_total"));
  CHECK(absl::StrContains(metrics.body, "hls_http_requests_total"));

  std::vector<std::string> types = Types(events);
  CHECK(types.front() == "video_ingest.stream_created");
  auto went_live = Payloads<v1::StreamWentLive>(events, "video_ingest.stream_went_live");
  REQUIRE(went_live.size() == 1);
  CHECK(!went_live[0].resumed());
  CHECK(went_live[0].protocol() == v1::INGEST_PROTOCOL_RTMP);
  CHECK(types.back() == "video_ingest.stream_reconnecting");
}

TEST_CASE("an ffmpeg SRT publish goes live as decodable HLS with every frame sent") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  constexpr int kSeconds = 5;
  Publisher ffmpeg(Publisher::Kind::kFfmpegSrt, s.srt_url, kSeconds, server.LogPath("srt"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  INFO(ffmpeg.log());
  REQUIRE(ffmpeg.Wait(absl::Seconds(40)) == 0);
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(25)));
  // Every byte the encoder sent reached the packager, the last ~200 ms (still in SRT's latency
  // window when the encoder hung up) included.
  const nlohmann::json closed = server.WaitForLogEvent("srt_closed", absl::Seconds(5));
  CHECK(closed.at("bytes").get<uint64_t>() == ffmpeg.SentBytes());
  std::vector<common::v1::Event> events = server.Events(s.id);
  std::vector<v1::SegmentClosed> segments = SegmentEvents(events);
  double total = CheckSegments(server, s.id, segments);
  // ...and was packaged: every frame is in a segment and decodes, the last one included.
  int frames = 0;
  for (const auto& segment : segments) {
    frames += DecodedVideoFrames(
        server.SegmentPath(s.id, std::filesystem::path(segment.path()).filename()));
  }
  CHECK(frames == kSeconds * Publisher::kFramesPerSecond);
  CHECK(total == Approx(kSeconds).margin(0.1));
  auto went_live = Payloads<v1::StreamWentLive>(events, "video_ingest.stream_went_live");
  REQUIRE(went_live.size() == 1);
  CHECK(went_live[0].protocol() == v1::INGEST_PROTOCOL_SRT);
}

TEST_CASE("GStreamer's rtmp2sink publishes too") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  Publisher gst(Publisher::Kind::kGstRtmp, s.rtmp_url, 5, server.LogPath("gst"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  INFO(gst.log());
  REQUIRE(gst.Wait(absl::Seconds(40)) == 0);
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));
  double total = CheckSegments(server, s.id, SegmentEvents(server.Events(s.id)));
  CHECK(total > 4.0);
}

TEST_CASE("a wrong key is refused before any media, and a key in use cannot publish twice") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  Publisher wrong(Publisher::Kind::kFfmpegRtmp, server.rtmp_url("sk_" + std::string(43, 'A')), 3,
                  server.LogPath("wrong"));
  CHECK(wrong.Wait(absl::Seconds(30)) != 0);
  CHECK(server.GetStream(s.id).status() == STREAM_STATUS_PREPARING);
  CHECK(server.Get("/live/" + s.id + "/live.m3u8").status == 404);

  Publisher first(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 12, server.LogPath("first"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  MediaPlaylist before = server.ReadPlaylist(s.id);
  Publisher second(Publisher::Kind::kFfmpegSrt, server.srt_url(s.key), 3, server.LogPath("second"));
  CHECK(second.Wait(absl::Seconds(30)) != 0);
  Publisher third(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 3, server.LogPath("third"));
  CHECK(third.Wait(absl::Seconds(30)) != 0);
  // The first encoder never noticed.
  CHECK(server.WaitForSegments(
      s.id, before.media_sequence + static_cast<int64_t>(before.entries.size()) + 2,
      absl::Seconds(20)));
  CHECK(first.Wait(absl::Seconds(40)) == 0);
  auto rejected =
      Payloads<v1::PublishRejected>(server.Events(s.id), "video_ingest.publish_rejected");
  REQUIRE(rejected.size() == 2);
  for (const auto& r : rejected) {
    CHECK(r.reason() == common::v1::STREAM_ERROR_REASON_ALREADY_PUBLISHING);
  }
}

TEST_CASE("video the packager cannot take is refused with a reason and the stream stays ready") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  Publisher h263(Publisher::Kind::kFfmpegRtmpH263, s.rtmp_url, 20, server.LogPath("h263"));
  INFO(server.log());
  CHECK(h263.Wait(absl::Seconds(30)) != 0);  // Cut long before its 20 s.
  v1::Stream stream = server.GetStream(s.id);
  CHECK(stream.status() == STREAM_STATUS_PREPARING);
  CHECK(stream.error_reason() == common::v1::STREAM_ERROR_REASON_UNSUPPORTED_CODEC);
  CHECK(stream.current_session().end_reason() == v1::SESSION_END_REASON_REJECTED);
  CHECK(stream.current_session().has_ended_at());
  // The host fixes the encoder settings and goes live with the same key.
  Publisher h264(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 3, server.LogPath("h264"));
  CHECK(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  CHECK(h264.Wait(absl::Seconds(30)) == 0);
}

TEST_CASE("an encoder that drops and returns within the grace period continues the playlist") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  {
    Publisher first(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 30, server.LogPath("drop1"));
    INFO(server.log());
    REQUIRE(server.WaitForSegments(s.id, 3, absl::Seconds(30)));
    first.Kill();  // Gone without a goodbye, like a crashed encoder or a cut cable.
    REQUIRE(first.Wait(absl::Seconds(10)) >= 0);
  }
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));
  v1::Stream waiting = server.GetStream(s.id);
  CHECK(waiting.has_reconnect_deadline());

  Publisher again(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 4, server.LogPath("drop2"));
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(again.Wait(absl::Seconds(40)) == 0);
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));

  std::vector<common::v1::Event> events = server.Events(s.id);
  std::vector<v1::SegmentClosed> segments = SegmentEvents(events);
  CheckSegments(server, s.id, segments);
  std::set<std::string> sessions;
  int discontinuities = 0;
  for (const auto& seg : segments) {
    sessions.insert(seg.session_id());
    if (seg.discontinuity()) ++discontinuities;
  }
  CHECK(sessions.size() == 2);
  CHECK(discontinuities == 1);
  auto went_live = Payloads<v1::StreamWentLive>(events, "video_ingest.stream_went_live");
  REQUIRE(went_live.size() == 2);
  CHECK(went_live[1].resumed());

  MediaPlaylist playlist = server.ReadPlaylist(s.id);
  INFO(playlist.text);
  CHECK(absl::StrContains(playlist.text, "#EXT-X-DISCONTINUITY"));
  CHECK(!playlist.ended);
}

TEST_CASE("an encoder gone past the grace period ends the stream and its key stops working") {
  ServerOptions options;
  options.reconnect_grace = absl::Seconds(2);
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 3, server.LogPath("grace"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(ffmpeg.Wait(absl::Seconds(30)) == 0);
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_ENDED, absl::Seconds(30)));

  std::vector<common::v1::Event> events = server.Events(s.id);
  REQUIRE(events.back().type() == "video_ingest.stream_ended");
  auto ended = Payloads<v1::StreamEnded>(events, "video_ingest.stream_ended");
  CHECK(ended[0].end_reason() == v1::STREAM_END_REASON_GRACE_EXPIRED);
  CHECK(ended[0].segment_count() == static_cast<int64_t>(SegmentEvents(events).size()));
  CHECK(server.ReadPlaylist(s.id).ended);

  Publisher late(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 2, server.LogPath("late"));
  CHECK(late.Wait(absl::Seconds(30)) != 0);
  CHECK(server.GetStream(s.id).status() == STREAM_STATUS_ENDED);
}

TEST_CASE("EndStream while publishing cuts the encoder and records the last segment first") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 60, server.LogPath("end"));
  INFO(server.log());
  REQUIRE(server.WaitForSegments(s.id, 3, absl::Seconds(30)));
  grpc::Status st = server.EndStream(s.id);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(server.GetStream(s.id).status() == STREAM_STATUS_ENDED);
  CHECK(ffmpeg.Wait(absl::Seconds(15)) >= 0);  // Cut: it exits long before its 60 s.

  std::vector<common::v1::Event> events = server.Events(s.id);
  REQUIRE(events.back().type() == "video_ingest.stream_ended");
  auto ended = Payloads<v1::StreamEnded>(events, "video_ingest.stream_ended");
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].end_reason() == v1::STREAM_END_REASON_HOST_ENDED);
  CHECK(ended[0].recording_choice() == v1::RECORDING_CHOICE_SAVE);
  std::vector<v1::SegmentClosed> segments = SegmentEvents(events);
  CHECK(ended[0].segment_count() == static_cast<int64_t>(segments.size()));
  CheckSegments(server, s.id, segments);
  MediaPlaylist playlist = server.ReadPlaylist(s.id);
  CHECK(playlist.ended);
  // Nothing after the end: the stream is over for good.
  Publisher late(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 2, server.LogPath("end-late"));
  CHECK(late.Wait(absl::Seconds(30)) != 0);
}

TEST_CASE("SIGTERM while an encoder publishes records its last segment and exits cleanly") {
  IngestServer server;
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 60, server.LogPath("sigterm"));
  INFO(server.log());
  REQUIRE(server.WaitForSegments(s.id, 3, absl::Seconds(30)));
  MediaPlaylist before = server.ReadPlaylist(s.id);
  CHECK(server.Terminate(absl::Seconds(30)) == 0);
  CHECK(ffmpeg.Wait(absl::Seconds(15)) >= 0);  // Cut by the shutdown.

  // The stream waits for its encoder to come back (to a replica that is still up).
  std::vector<common::v1::Event> events = server.Events(s.id);
  REQUIRE(events.back().type() == "video_ingest.stream_reconnecting");
  std::vector<v1::SegmentClosed> segments = SegmentEvents(events);
  CheckSegments(server, s.id, segments);
  // The segment in progress at the shutdown was written and announced too.
  CHECK(static_cast<int64_t>(segments.size()) >
        before.media_sequence + static_cast<int64_t>(before.entries.size()));
}

}  // namespace shopcast::video_ingest::e2e
