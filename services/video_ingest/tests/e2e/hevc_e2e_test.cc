// HEVC input end to end: a real ffmpeg with libx265 publishes over SRT (MPEG-TS) to the binary.
// With HEVC accepted (--accept_hevc, which the rendition ladder will drive) the stream goes live
// as an hvc1 passthrough: segments and LL-HLS parts carry the HEVC unchanged, the master
// playlist names the codec from the stream's own SPS, ffprobe plays the rendition through the
// origin, and the session reports hevc. Passthrough-only (the default) refuses the same encoder
// at once with UNSUPPORTED_CODEC and the stream stays ready for an H.264 publish.
//
// Over RTMP: Debian's ffmpeg 5.1 cannot publish HEVC over RTMP (its FLV muxer has no enhanced
// RTMP), so the test frames a real libx265 stream as enhanced RTMP tags itself (the 'hvc1'
// sequence start, CodedFrames/CodedFramesX, as OBS 30 sends them; tests/media/hevc_flv.h) and
// sends them, paced in real time, with our raw RTMP publisher.

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "hevc_flv.h"
#include "hls_js.h"
#include "ingest_fixture.h"
#include "raw_publisher.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_ERROR_REASON_UNSUPPORTED_CODEC;
using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_PREPARING;

// ffmpeg encoding HEVC in real time (libx265 ultrafast: B-frames, a closed GOP every second)
// with AAC, sent as MPEG-TS over SRT, as an SRT encoder set to HEVC does.
std::unique_ptr<testing::ChildProcess> PublishHevcOverSrt(const std::string& url, int seconds,
                                                          const std::string& log_path) {
  return std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{"/usr/bin/ffmpeg",
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
                               absl::StrCat(seconds),
                               "-c:v",
                               "libx265",
                               "-preset",
                               "ultrafast",
                               "-pix_fmt",
                               "yuv420p",
                               "-x265-params",
                               "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=0",
                               "-c:a",
                               "aac",
                               "-b:a",
                               "64k",
                               "-f",
                               "mpegts",
                               url},
      std::vector<std::string>{}, log_path);
}

std::set<std::string> CodecSet(const std::vector<std::string>& codecs) {
  return {codecs.begin(), codecs.end()};
}

}  // namespace

TEST_CASE("HEVC over SRT, accepted, is served as an hvc1 passthrough that ffprobe plays") {
  ServerOptions options;
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_ACCEPT_HEVC=true"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  std::unique_ptr<testing::ChildProcess> ffmpeg =
      PublishHevcOverSrt(s.srt_url, 14, server.LogPath("hevc"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(s.id, 4, absl::Seconds(40)));

  // The master playlist lists the passthrough with the codec string from x265's SPS (Main
  // profile, main tier) and the AAC, and its size.
  testing::HttpResponse master = server.Get("/live/" + s.id + "/index.m3u8");
  REQUIRE(master.status == 200);
  INFO(master.body);
  CHECK(absl::StrContains(master.body, "CODECS=\"hvc1.1.6.L"));
  CHECK(absl::StrContains(master.body, ",mp4a.40.2\""));
  CHECK(absl::StrContains(master.body, "RESOLUTION=640x360"));

  // The live playlist is Low-Latency HLS as for H.264: parts listed, the first of each segment
  // independent (an IRAP picture starts it).
  testing::HttpResponse live = server.Get("/live/" + s.id + "/live.m3u8");
  REQUIRE(live.status == 200);
  INFO(live.body);
  CHECK(absl::StrContains(live.body, "#EXT-X-PART-INF:PART-TARGET="));
  CHECK(absl::StrContains(live.body, ",INDEPENDENT=YES"));
  std::vector<std::string> parts;
  for (absl::string_view line : absl::StrSplit(live.body, '\n')) {
    if (!absl::ConsumePrefix(&line, "#EXT-X-PART:")) continue;
    const size_t at = line.find("URI=\"");
    REQUIRE(at != absl::string_view::npos);
    const absl::string_view rest = line.substr(at + 5);
    parts.emplace_back(rest.substr(0, rest.find('"')));
  }
  REQUIRE(parts.size() >= 3);
  // Every listed part is served (one may have left the listing since: 404 is no failure then).
  int served = 0;
  for (const std::string& part : parts) {
    if (server.Get("/live/" + s.id + "/" + part).status == 200) ++served;
  }
  CHECK(served >= 3);

  // Each complete segment carries the HEVC and AAC unchanged and decodes on its own.
  MediaPlaylist playlist = server.ReadPlaylist(s.id);
  REQUIRE(playlist.entries.size() >= 3);
  for (size_t i = 0; i + 1 < playlist.entries.size(); ++i) {
    const PlaylistEntry& e = playlist.entries[i];
    INFO(e.uri);
    CHECK(e.duration == Approx(1.0).margin(0.05));
    const std::string file = server.SegmentPath(s.id, e.uri);
    CHECK(CodecSet(ProbeCodecs(file)) == std::set<std::string>{"hevc", "aac"});
    CHECK(DecodeErrors(file).empty());
  }

  // ffprobe plays the rendition through the origin, from the master playlist.
  CHECK(CodecSet(ProbeCodecs(server.PlaybackUrl(s.id))) == std::set<std::string>{"hevc", "aac"});

  // The session reports what it carries.
  v1::Stream stream = server.GetStream(s.id);
  CHECK(stream.current_session().video_codec() == "hevc");
  CHECK(stream.current_session().width() == 640);
  CHECK(stream.current_session().audio_codec() == "aac");
  CHECK(ffmpeg->Wait(60000) == 0);
}

TEST_CASE("HEVC over SRT with the ladder: hvc1 passthrough plus H.264 rungs that hls.js plays") {
  ServerOptions options;
  // No --accept_hevc: the ladder takes HEVC by itself.
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_RENDITIONS=360p:800,240p:400"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  std::unique_ptr<testing::ChildProcess> ffmpeg =
      PublishHevcOverSrt(s.srt_url, 60, server.LogPath("hevc-ladder"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(s.id, 3, absl::Seconds(40)));

  // The master lists the HEVC passthrough and H.264 rungs transcoded from it (once a rung has
  // written a segment).
  const absl::Time deadline = absl::Now() + absl::Seconds(40);
  testing::HttpResponse master;
  do {
    master = server.Get("/live/" + s.id + "/index.m3u8");
    if (master.status == 200 && absl::StrContains(master.body, "240p/live.m3u8") &&
        absl::StrContains(master.body, "360p/live.m3u8")) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));  // Polling the origin, bounded by the deadline.
  } while (absl::Now() < deadline);
  INFO(master.body);
  REQUIRE(master.status == 200);
  CHECK(absl::StrContains(master.body, "CODECS=\"hvc1.1.6.L"));
  REQUIRE(absl::StrContains(master.body, "360p/live.m3u8"));
  REQUIRE(absl::StrContains(master.body, "240p/live.m3u8"));
  CHECK(absl::StrContains(master.body, "CODECS=\"avc1."));

  // Each rung is H.264 with the AAC, as ffprobe reads it through the origin.
  const std::string base = server.PlaybackUrl(s.id).substr(
      0, server.PlaybackUrl(s.id).size() - std::string("index.m3u8").size());
  CHECK(ProbedCodecs(base + "360p/live.m3u8") == std::set<std::string>{"h264", "aac"});
  CHECK(ProbedCodecs(base + "240p/live.m3u8") == std::set<std::string>{"h264", "aac"});

  // hls.js in Chromium (no HEVC decoder there) plays the master: it picks an H.264 rung.
  std::string report;
  const int played = PlayInHlsJs(server.PlaybackUrl(s.id), /*low_latency=*/true, 10, report);
  INFO(report);
  CHECK(played == 0);
  ffmpeg.reset();  // The encoder goes away.
}

TEST_CASE("HEVC over enhanced RTMP, accepted, is served as an hvc1 passthrough") {
  ServerOptions options;
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_ACCEPT_HEVC=true"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  testing::TempDir dir;
  const std::string ts = dir.File("hevc.ts");
  RunTool({"/usr/bin/ffmpeg",
           "-nostdin",
           "-v",
           "error",
           "-y",
           "-f",
           "lavfi",
           "-i",
           "testsrc2=size=640x360:rate=30",
           "-f",
           "lavfi",
           "-i",
           "sine=frequency=440:sample_rate=44100",
           "-t",
           "6",
           "-c:v",
           "libx265",
           "-preset",
           "ultrafast",
           "-pix_fmt",
           "yuv420p",
           "-x265-params",
           "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=0",
           "-c:a",
           "aac",
           "-f",
           "mpegts",
           ts});
  const std::vector<media::testing::FlvTagBytes> tags = media::testing::EnhancedHevcTags(ts);
  INFO(server.log());
  const std::string key = s.rtmp_url.substr(s.rtmp_url.rfind('/') + 1);
  {
    rtmp::testing::RawPublisher p(static_cast<uint16_t>(server.rtmp_port()));
    std::optional<rtmp::testing::StatusReply> started =
        p.Publish("live", key, std::chrono::seconds(10));
    REQUIRE(started.has_value());
    REQUIRE(started->code == "NetStream.Publish.Start");
    // Paced like an encoder: each tag at its timestamp.
    const absl::Time start = absl::Now();
    for (const media::testing::FlvTagBytes& t : tags) {
      const absl::Time due = start + absl::Milliseconds(t.timestamp_ms);
      if (due > absl::Now()) absl::SleepFor(due - absl::Now());
      REQUIRE(p.SendTag(t.type, t.timestamp_ms, t.body));
    }
    REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(20)));
    REQUIRE(server.WaitForSegments(s.id, 4, absl::Seconds(20)));
  }
  testing::HttpResponse master = server.Get("/live/" + s.id + "/index.m3u8");
  REQUIRE(master.status == 200);
  INFO(master.body);
  CHECK(absl::StrContains(master.body, "CODECS=\"hvc1.1.6.L"));
  CHECK(absl::StrContains(master.body, ",mp4a.40.2\""));
  MediaPlaylist playlist = server.ReadPlaylist(s.id);
  REQUIRE(playlist.entries.size() >= 3);
  for (size_t i = 0; i + 1 < playlist.entries.size(); ++i) {
    const PlaylistEntry& e = playlist.entries[i];
    INFO(e.uri);
    CHECK(e.duration == Approx(1.0).margin(0.05));
    const std::string file = server.SegmentPath(s.id, e.uri);
    CHECK(CodecSet(ProbeCodecs(file)) == std::set<std::string>{"hevc", "aac"});
    CHECK(DecodeErrors(file).empty());
  }
  CHECK(CodecSet(ProbeCodecs(server.PlaybackUrl(s.id))) == std::set<std::string>{"hevc", "aac"});
  CHECK(server.GetStream(s.id).current_session().video_codec() == "hevc");
}

TEST_CASE("HEVC over SRT is refused at once with UNSUPPORTED_CODEC when only passthrough runs") {
  IngestServer server;  // The default: passthrough only, HEVC not accepted.
  CreatedStream s = server.CreateStream();
  INFO(server.log());
  const absl::Time start = absl::Now();
  std::unique_ptr<testing::ChildProcess> ffmpeg =
      PublishHevcOverSrt(s.srt_url, 30, server.LogPath("hevc"));
  // Cut long before its 30 s: the first PMT names the codec.
  CHECK(ffmpeg->Wait(20000) != 0);
  v1::Stream stream;
  // The session's end is recorded by the server, not by ffmpeg's exit: awaited (a loaded
  // machine may take seconds), then judged by the server's own time of it.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!stream.current_session().has_ended_at() && absl::Now() < give_up) {
    stream = server.GetStream(s.id);
    if (!stream.current_session().has_ended_at()) absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(stream.current_session().has_ended_at());
  const absl::Time ended = absl::FromUnixSeconds(stream.current_session().ended_at().seconds());
  CHECK(ended - start < absl::Seconds(10));
  CHECK(stream.status() == STREAM_STATUS_PREPARING);
  CHECK(stream.error_reason() == STREAM_ERROR_REASON_UNSUPPORTED_CODEC);
  CHECK(stream.current_session().end_reason() == v1::SESSION_END_REASON_REJECTED);
  CHECK(server.Get("/live/" + s.id + "/live.m3u8").status == 404);
  // The host switches the encoder to H.264 and goes live with the same key.
  Publisher h264(Publisher::Kind::kFfmpegSrt, s.srt_url, 3, server.LogPath("h264"));
  CHECK(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  CHECK(h264.Wait(absl::Seconds(30)) == 0);
}

}  // namespace shopcast::video_ingest::e2e
