// Audio-only and video-only streams (issue 12 §4), end to end with real clients: ffmpeg
// publishes AAC alone (a host with the camera off) and H.264 alone (a silent camera), over RTMP
// and over SRT, to the binary with Low-Latency HLS on (the default); the master playlist lists
// what is there (an audio-only variant: CODECS="mp4a.40.2", no RESOLUTION), ffprobe reads each
// stream and its parts, and hls.js in Debian's headless Chromium plays each in low-latency mode
// (its clock advances, no fatal error, parts loaded, blocking reloads used).

#include <catch2/catch.hpp>
#include <csignal>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hls_js.h"
#include "ingest_fixture.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_LIVE;

struct Track {
  const char* name;
  bool audio;
  bool srt;
};

// ffmpeg publishing `seconds` of AAC alone (`audio`) or H.264 alone, in real time.
std::vector<std::string> EncoderArgv(const Track& t, const CreatedStream& s, int seconds) {
  std::vector<std::string> argv = {"/usr/bin/ffmpeg", "-hide_banner", "-loglevel",
                                   "warning",         "-nostdin",     "-re"};
  if (t.audio) {
    argv.insert(argv.end(), {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t",
                             std::to_string(seconds), "-c:a", "aac", "-b:a", "64k", "-vn"});
  } else {
    argv.insert(argv.end(), {"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t",
                             std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast",
                             "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-an"});
  }
  argv.insert(argv.end(), {"-f", t.srt ? "mpegts" : "flv", t.srt ? s.srt_url : s.rtmp_url});
  return argv;
}

// The URI of the last EXT-X-PART of a media playlist ("" when there is none).
std::string LastPart(const std::string& playlist) {
  std::string last;
  for (absl::string_view line : absl::StrSplit(playlist, '\n', absl::SkipEmpty())) {
    if (!absl::ConsumePrefix(&line, "#EXT-X-PART:")) continue;
    const size_t at = line.find("URI=\"");
    if (at == absl::string_view::npos) continue;
    absl::string_view uri = line.substr(at + 5);
    last = std::string(uri.substr(0, uri.find('"')));
  }
  return last;
}

TEST_CASE("audio-only and video-only publishes over RTMP and SRT play as Low-Latency HLS") {
  IngestServer server;
  testing::TempDir dir;
  INFO(server.log());
  const std::vector<Track> tracks = {{"audio-only over RTMP", true, false},
                                     {"video-only over RTMP", false, false},
                                     {"audio-only over SRT", true, true},
                                     {"video-only over SRT", false, true}};
  // Every encoder at once (the players take turns afterwards).
  std::vector<CreatedStream> streams;
  std::vector<std::unique_ptr<testing::ChildProcess>> encoders;
  for (const Track& t : tracks) {
    streams.push_back(server.CreateStream());
    encoders.push_back(std::make_unique<testing::ChildProcess>(
        EncoderArgv(t, streams.back(), 150), std::vector<std::string>{},
        dir.File(absl::StrCat("ffmpeg-", encoders.size(), ".log"))));
  }
  for (size_t i = 0; i < tracks.size(); ++i) {
    INFO(tracks[i].name);
    INFO(encoders[i]->log());
    REQUIRE(server.WaitForStatus(streams[i].id, STREAM_STATUS_LIVE, absl::Seconds(45)));
    REQUIRE(server.WaitForSegments(streams[i].id, 3, absl::Seconds(60)));
  }

  for (size_t i = 0; i < tracks.size(); ++i) {
    const Track& t = tracks[i];
    const CreatedStream& s = streams[i];
    INFO(t.name);
    CHECK(encoders[i]->running());

    // The master playlist names what is there: an audio-only variant has no RESOLUTION.
    testing::HttpResponse master = server.Get("/live/" + s.id + "/index.m3u8");
    REQUIRE(master.status == 200);
    INFO(master.body);
    if (t.audio) {
      CHECK(absl::StrContains(master.body, "CODECS=\"mp4a.40.2\"\n"));
      CHECK_FALSE(absl::StrContains(master.body, "RESOLUTION"));
      CHECK_FALSE(absl::StrContains(master.body, "avc1"));
    } else {
      CHECK(absl::StrContains(master.body, "RESOLUTION=320x180"));
      CHECK(absl::StrContains(master.body, "CODECS=\"avc1."));
      CHECK_FALSE(absl::StrContains(master.body, "mp4a"));
    }

    // A Low-Latency HLS media playlist with parts.
    testing::HttpResponse media = server.Get("/live/" + s.id + "/live.m3u8");
    REQUIRE(media.status == 200);
    INFO(media.body);
    CHECK(absl::StrContains(media.body, "#EXT-X-PART-INF:PART-TARGET=0.334\n"));
    const std::string part = LastPart(media.body);
    REQUIRE(!part.empty());

    // ffprobe reads the stream through the master playlist, and a part on its own.
    const std::set<std::string> expected = {t.audio ? "aac" : "h264"};
    CHECK(ProbedCodecs(server.PlaybackUrl(s.id)) == expected);
    const std::string part_url =
        absl::StrCat("http://127.0.0.1:", server.hls_port(), "/live/", s.id, "/", part);
    CHECK(ProbedCodecs(part_url) == expected);

    // hls.js in a browser, low-latency mode: it plays (the element's clock advances by at least
    // half the watched time, no fatal error), loads parts and blocks on reloads.
    std::string report;
    const int played = PlayInHlsJs(server.PlaybackUrl(s.id), /*low_latency=*/true, 10, report);
    WARN(t.name << ": " << report);
    CHECK(played == 0);
    CHECK(absl::StrContains(report, "\"fatal\":[]"));
    CHECK(absl::StrContains(report, "\"canBlockReload\":true"));
    CHECK_FALSE(absl::StrContains(report, "\"parts\":0,"));
    CHECK(absl::StrContains(report, t.audio ? "\"audioOnly\":true" : "\"audioOnly\":false"));
  }
  for (auto& e : encoders) e->Signal(SIGKILL);
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
