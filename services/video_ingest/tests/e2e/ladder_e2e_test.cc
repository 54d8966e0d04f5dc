// The rendition ladder end to end: a real ffmpeg publishes over RTMP (640x360, 30 fps, B-frames,
// AAC) to the binary started with --renditions; the master playlist lists the passthrough and
// the rungs the source is large enough for, ffprobe plays the master and every rendition at its
// configured size, the rungs' segments are the passthrough's (same numbers, same EXTINFs),
// blocking reloads work on a rung's playlist, hls.js in headless Chromium plays the master, and
// a rung whose encoder keeps failing leaves the master while the others go on.

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "hls_js.h"
#include "ingest_fixture.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_LIVE;

// ffprobe's "WIDTHxHEIGHT" of the first video stream at `url`.
std::string ProbeSize(const std::string& url) {
  std::string out;
  REQUIRE(RunCommand("ffprobe -v error -select_streams v:0 -show_entries stream=width,height "
                     "-of csv=s=x:p=0 " +
                         QuoteForShell(url),
                     out) == 0);
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipWhitespace());
  REQUIRE(!lines.empty());
  return std::string(absl::StripAsciiWhitespace(lines[0]));
}

// The variants of a master playlist: URI → its EXT-X-STREAM-INF attributes, in order.
std::vector<std::pair<std::string, std::string>> Variants(const std::string& master) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string inf;
  for (absl::string_view line : absl::StrSplit(master, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#EXT-X-STREAM-INF:")) {
      inf = std::string(line.substr(18));
    } else if (!line.empty() && line[0] != '#') {
      out.emplace_back(std::string(line), inf);
    }
  }
  return out;
}

// Polls the master until `want` says it is as expected; the last text read.
std::string AwaitMaster(const IngestServer& server, const std::string& id,
                        const std::function<bool(const std::string&)>& want,
                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string text;
  while (absl::Now() < deadline) {
    testing::HttpResponse r = server.Get("/live/" + id + "/index.m3u8");
    if (r.status == 200) {
      text = r.body;
      if (want(text)) return text;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  return text;
}

// A rung's media playlist as the origin serves it.
MediaPlaylist RungPlaylist(const IngestServer& server, const std::string& id,
                           const std::string& rung) {
  testing::HttpResponse r = server.Get("/live/" + id + "/" + rung + "/live.m3u8");
  REQUIRE(r.status == 200);
  // ReadPlaylist parses the passthrough's; the text format is the same.
  MediaPlaylist p;
  p.text = r.body;
  int64_t sequence = 0;
  PlaylistEntry next;
  for (absl::string_view line : absl::StrSplit(r.body, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "#EXT-X-MEDIA-SEQUENCE:")) {
      REQUIRE(absl::SimpleAtoi(line, &p.media_sequence));
      sequence = p.media_sequence;
    } else if (absl::ConsumePrefix(&line, "#EXTINF:")) {
      REQUIRE(absl::SimpleAtod(line.substr(0, line.find(',')), &next.duration));
    } else if (line == "#EXT-X-DISCONTINUITY") {
      next.discontinuity = true;
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (!line.empty() && line[0] != '#') {
      next.uri = std::string(line);
      next.sequence = sequence++;
      p.entries.push_back(next);
      next = PlaylistEntry{};
    }
  }
  return p;
}

double MetricValue(const std::string& metrics, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::ConsumePrefix(&line, series + " ")) {
      double v = 0;
      if (absl::SimpleAtod(line, &v)) return v;
    }
  }
  return -1;
}

TEST_CASE("a ladder publish is served as renditions that ffprobe and hls.js play") {
  ServerOptions options;
  options.target_duration = absl::Seconds(2);
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_RENDITIONS=480p:1400,360p:800,240p:400"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 90, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));

  // The master lists the passthrough first, then each rung the 640x360 source allows (no
  // 480p: never upscaled), highest first, each with what a player chooses by.
  const std::string master = AwaitMaster(
      server, s.id,
      [](const std::string& m) {
        return absl::StrContains(m, "360p/live.m3u8") && absl::StrContains(m, "240p/live.m3u8");
      },
      absl::Seconds(40));
  INFO(master);
  const auto variants = Variants(master);
  REQUIRE(variants.size() == 3);
  CHECK(variants[0].first == "live.m3u8");
  CHECK(variants[1].first == "360p/live.m3u8");
  CHECK(variants[2].first == "240p/live.m3u8");
  CHECK(absl::StrContains(variants[1].second, "RESOLUTION=640x360"));
  CHECK(absl::StrContains(variants[2].second, "RESOLUTION=426x240"));
  for (const auto& [uri, inf] : variants) {
    INFO(uri);
    CHECK(absl::StartsWith(inf, "BANDWIDTH="));
    CHECK(absl::StrContains(inf, ",FRAME-RATE=30.000"));
    CHECK(absl::StrContains(inf, ",CODECS=\"avc1."));
    CHECK(absl::StrContains(inf, ",mp4a.40.2\""));
  }
  CHECK(!absl::StrContains(master, "480p"));
  CHECK(server.Get("/live/" + s.id + "/480p/live.m3u8").status == 404);

  // Every rendition plays in ffprobe at its configured size, through the origin.
  const std::string base =
      "http://127.0.0.1:" + std::to_string(server.hls_port()) + "/live/" + s.id + "/";
  CHECK(ProbeSize(base + "live.m3u8") == "640x360");
  CHECK(ProbeSize(base + "360p/live.m3u8") == "640x360");
  CHECK(ProbeSize(base + "240p/live.m3u8") == "426x240");
  std::vector<std::string> codecs = ProbeCodecs(server.PlaybackUrl(s.id));
  CHECK(std::set<std::string>(codecs.begin(), codecs.end()) ==
        std::set<std::string>{"h264", "aac"});

  // The rungs' segments are the passthrough's: same numbers, same EXTINFs, each decodable.
  REQUIRE(server.WaitForSegments(s.id, 6, absl::Seconds(40)));
  const MediaPlaylist passthrough = server.ReadPlaylist(s.id);
  std::map<std::string, double> durations;
  for (const PlaylistEntry& e : passthrough.entries) durations[e.uri] = e.duration;
  for (const std::string rung : {"360p", "240p"}) {
    const MediaPlaylist p = RungPlaylist(server, s.id, rung);
    INFO(rung << "\n" << p.text);
    int common = 0;
    for (const PlaylistEntry& e : p.entries) {
      auto it = durations.find(e.uri);
      if (it == durations.end()) continue;
      CHECK(it->second == e.duration);
      ++common;
    }
    CHECK(common >= 3);
    CHECK(DecodeErrors(base + rung + "/" + p.entries.back().uri).empty());
  }

  // At real-time pace every LL-HLS playlist reports where the others are
  // (EXT-X-RENDITION-REPORT, URIs relative to itself), so a player switching rendition asks for
  // the right segment and part at once.
  {
    testing::HttpResponse live = server.Get("/live/" + s.id + "/live.m3u8");
    REQUIRE(live.status == 200);
    INFO(live.body);
    CHECK(absl::StrContains(live.body, "#EXT-X-RENDITION-REPORT:URI=\"360p/live.m3u8\",LAST-MSN="));
    CHECK(absl::StrContains(live.body, "#EXT-X-RENDITION-REPORT:URI=\"240p/live.m3u8\",LAST-MSN="));
    testing::HttpResponse rung = server.Get("/live/" + s.id + "/240p/live.m3u8");
    REQUIRE(rung.status == 200);
    INFO(rung.body);
    CHECK(absl::StrContains(rung.body, "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN="));
    CHECK(absl::StrContains(rung.body,
                            "#EXT-X-RENDITION-REPORT:URI=\"../360p/live.m3u8\",LAST-MSN="));
  }

  // A blocking reload of a rung's playlist waits for its next segment.
  {
    const MediaPlaylist p = RungPlaylist(server, s.id, "240p");
    const int64_t next = p.entries.back().sequence + 1;
    const absl::Time asked = absl::Now();
    testing::HttpResponse r =
        server.Get("/live/" + s.id + "/240p/live.m3u8?_HLS_msn=" + std::to_string(next));
    CHECK(r.status == 200);
    CHECK(absl::Now() - asked < absl::Seconds(6));
    CHECK(absl::StrContains(r.body, absl::StrFormat("%06d.ts", next)));
  }

  // hls.js plays the master (choosing among the variants), the picture advancing.
  std::string report;
  const int played = PlayInHlsJs(server.PlaybackUrl(s.id), true, 12, report);
  WARN("hls.js on the ladder: " << report);
  CHECK(played == 0);

  const std::string metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_rendition_segments_total{rendition=\"360p\"}") >= 3);
  CHECK(MetricValue(metrics, "ingest_rendition_segments_total{rendition=\"240p\"}") >= 3);
  CHECK(MetricValue(metrics, "ingest_rendition_failures_total{rendition=\"360p\"}") <= 0);

  // The stream's end ends the rungs' playlists too.
  ffmpeg.Kill();
  REQUIRE(server.EndStream(s.id).ok());
  CHECK(RungPlaylist(server, s.id, "360p").ended);
  CHECK(RungPlaylist(server, s.id, "240p").ended);
}

TEST_CASE("a rung whose encoder keeps failing leaves the master while the others play on") {
  ServerOptions options;
  options.target_duration = absl::Seconds(2);
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_RENDITIONS=360p:800,240p:400",
                       "SHOPCAST_VIDEO_INGEST_RENDITIONS_FAULT=240p:1",
                       "SHOPCAST_VIDEO_INGEST_RENDITIONS_MAX_RESTARTS=1"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 90, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));

  // 240p fails after one segment, is rebuilt once at a later segment, fails again and goes.
  const nlohmann::json removed = server.WaitForLogEvent("rendition_removed", absl::Seconds(60));
  REQUIRE(!removed.is_null());
  CHECK(removed["rendition"] == "240p");
  const std::string master = AwaitMaster(
      server, s.id,
      [](const std::string& m) {
        return absl::StrContains(m, "360p/live.m3u8") && !absl::StrContains(m, "240p/");
      },
      absl::Seconds(20));
  INFO(master);
  CHECK(absl::StrContains(master, "360p/live.m3u8"));
  CHECK(!absl::StrContains(master, "240p/"));

  // The passthrough and 360p keep growing.
  const int64_t passthrough_before = [&] {
    const MediaPlaylist p = server.ReadPlaylist(s.id);
    return p.media_sequence + static_cast<int64_t>(p.entries.size());
  }();
  const MediaPlaylist rung_before = RungPlaylist(server, s.id, "360p");
  REQUIRE(server.WaitForSegments(s.id, passthrough_before + 2, absl::Seconds(20)));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  MediaPlaylist rung_after = RungPlaylist(server, s.id, "360p");
  while (rung_after.entries.back().sequence < rung_before.entries.back().sequence + 2 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    rung_after = RungPlaylist(server, s.id, "360p");
  }
  CHECK(rung_after.entries.back().sequence >= rung_before.entries.back().sequence + 2);
  CHECK(ProbeSize("http://127.0.0.1:" + std::to_string(server.hls_port()) + "/live/" + s.id +
                  "/360p/live.m3u8") == "640x360");

  std::string report;
  const int played = PlayInHlsJs(server.PlaybackUrl(s.id), true, 10, report);
  WARN("hls.js after a rung failed: " << report);
  CHECK(played == 0);

  const std::string metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_rendition_failures_total{rendition=\"240p\"}") == 2);
  CHECK(MetricValue(metrics, "ingest_rendition_restarts_total{rendition=\"240p\"}") == 1);
  CHECK(MetricValue(metrics, "ingest_rendition_failures_total{rendition=\"360p\"}") <= 0);
  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
