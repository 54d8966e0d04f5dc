// Low-Latency HLS end to end: a real ffmpeg publishes over RTMP to the binary (LL-HLS on, the
// default), and what viewers' players see is checked with real players: the playlist's
// LL-HLS tags, parts listed while the segment is still being published (measured against the
// program date times), ffprobe reading the stream and its parts, and hls.js in Debian's headless
// Chromium playing it in low-latency mode and as regular HLS. The origin does not block
// playlist reloads yet (it answers `_HLS_msn` requests at once): hls.js then reloads as usual.

#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "ingest_fixture.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_LIVE;

// One media segment of a playlist with the parts listed for it; `complete` is false for the
// segment in progress (parts after the last URI).
struct Part {
  std::string uri;
  double duration = 0;
  bool independent = false;
};
struct Segment {
  std::string uri;
  absl::Time program_date_time;
  double duration = 0;
  std::vector<Part> parts;
  bool complete = false;
};
struct Playlist {
  std::vector<Segment> segments;
  std::string preload_hint;
  std::string text;
};

Playlist Parse(const std::string& text) {
  Playlist p;
  p.text = text;
  Segment next;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "#EXT-X-PROGRAM-DATE-TIME:")) {
      std::string err;
      REQUIRE(
          absl::ParseTime(absl::RFC3339_full, std::string(line), &next.program_date_time, &err));
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PART:")) {
      Part part;
      for (absl::string_view attr : absl::StrSplit(line, ',')) {
        if (absl::ConsumePrefix(&attr, "DURATION=")) {
          REQUIRE(absl::SimpleAtod(attr, &part.duration));
        } else if (absl::ConsumePrefix(&attr, "URI=\"")) {
          REQUIRE(absl::ConsumeSuffix(&attr, "\""));
          part.uri = std::string(attr);
        } else if (attr == "INDEPENDENT=YES") {
          part.independent = true;
        }
      }
      next.parts.push_back(part);
    } else if (absl::ConsumePrefix(&line, "#EXTINF:")) {
      REQUIRE(absl::SimpleAtod(line.substr(0, line.find(',')), &next.duration));
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"")) {
      p.preload_hint = std::string(absl::StripSuffix(line, "\""));
    } else if (!line.empty() && line[0] != '#') {
      next.uri = std::string(line);
      next.complete = true;
      p.segments.push_back(next);
      next = Segment{};
    }
  }
  if (!next.parts.empty()) p.segments.push_back(next);
  return p;
}

double Median(std::vector<double> v) {
  REQUIRE(!v.empty());
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The median of the "latency":[…] samples of a player report (0 when there are none).
double MedianLatency(const std::string& report) {
  const size_t at = report.find("\"latency\":[");
  if (at == std::string::npos) return 0;
  const size_t begin = at + 11;
  const size_t end = report.find(']', begin);
  std::vector<double> samples;
  for (absl::string_view v :
       absl::StrSplit(report.substr(begin, end - begin), ',', absl::SkipEmpty())) {
    double d = 0;
    if (absl::SimpleAtod(v, &d)) samples.push_back(d);
  }
  return samples.empty() ? 0 : Median(samples);
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through the shell; its exit code, stdout in `out` (stderr to the test log).
int Run(const std::string& command, std::string& out) {
  FILE* pipe = popen(("timeout 120 " + command).c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// hls.js in headless Chromium plays `url` for `seconds`; its JSON report in `report`.
int PlayWithHlsJs(const std::string& url, bool low_latency, int seconds, std::string& report) {
  const std::string modules = std::string(SHOPCAST_WEB_DIR) + "/node_modules";
  REQUIRE(std::filesystem::exists(modules + "/playwright-core"));  // tools/dev installs them
  REQUIRE(std::filesystem::exists(modules + "/hls.js/dist/hls.min.js"));
  return Run(absl::StrCat("node ", ShellQuote(SHOPCAST_HLS_JS_PLAYER), " ", ShellQuote(modules),
                          " ", ShellQuote(url), " ", low_latency ? "1" : "0", " ", seconds),
             report);
}

TEST_CASE("an RTMP publish is served as Low-Latency HLS that ffprobe and hls.js play") {
  ServerOptions options;
  options.target_duration = absl::Seconds(2);
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 75, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  const std::string playlist_path = "/live/" + s.id + "/live.m3u8";

  // The playlist as a player reads it, every 40 ms for 8 s: when did each part and each
  // segment first appear?
  std::map<std::string, absl::Time> first_seen;
  Playlist last;
  const absl::Time until = absl::Now() + absl::Seconds(8);
  while (absl::Now() < until) {
    testing::HttpResponse r = server.Get(playlist_path);
    const absl::Time now = absl::Now();
    REQUIRE(r.status == 200);
    Playlist p = Parse(r.body);
    for (const Segment& seg : p.segments) {
      if (seg.complete) first_seen.try_emplace(seg.uri, now);
      for (const Part& part : seg.parts) first_seen.try_emplace(part.uri, now);
    }
    last = std::move(p);
    absl::SleepFor(absl::Milliseconds(40));
  }
  INFO(last.text);

  // The tags of Low-Latency HLS, and a playlist regular players read as before.
  CHECK(absl::StrContains(last.text, "#EXT-X-VERSION:6\n"));
  CHECK(absl::StrContains(last.text, "#EXT-X-TARGETDURATION:2\n"));
  CHECK(absl::StrContains(last.text,
                          "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.503\n"));
  CHECK(absl::StrContains(last.text, "#EXT-X-PART-INF:PART-TARGET=0.334\n"));
  CHECK(!last.preload_hint.empty());
  CHECK(!absl::StrContains(last.text, "#EXT-X-ENDLIST"));
  REQUIRE(last.segments.size() >= 3);

  // Each part and segment was listed soon after its media ended: its end is its segment's
  // date time (the server's clock at the segment's first frame) plus the media before it.
  std::vector<double> part_delays;
  std::vector<double> segment_delays;
  for (const Segment& seg : last.segments) {
    absl::Time end = seg.program_date_time;
    for (size_t i = 0; i < seg.parts.size(); ++i) {
      const Part& part = seg.parts[i];
      INFO(part.uri);
      CHECK(part.duration <= 0.334);
      if (i == 0) CHECK(part.independent);
      end += absl::Seconds(part.duration);
      const auto seen = first_seen.find(part.uri);
      // Only parts that appeared while we watched (not already listed at the first read).
      if (seen != first_seen.end() && seen->second > first_seen.begin()->second) {
        part_delays.push_back(absl::ToDoubleSeconds(seen->second - end));
      }
    }
    if (seg.complete && !seg.parts.empty()) {
      CHECK(std::abs(absl::ToDoubleSeconds(end - seg.program_date_time) - seg.duration) < 0.01);
      const auto seen = first_seen.find(seg.uri);
      if (seen != first_seen.end() && seen->second > first_seen.begin()->second) {
        segment_delays.push_back(absl::ToDoubleSeconds(
            seen->second - (seg.program_date_time + absl::Seconds(seg.duration))));
      }
    }
  }
  WARN("part listing delays (s): median " << Median(part_delays) << " of " << part_delays.size());
  WARN("segment listing delays (s): median " << Median(segment_delays) << " of "
                                             << segment_delays.size());
  // 8 s watched: about 24 parts and 4 segments appeared; each within a part target of its end
  // (plus the 40 ms between reads), at the median on a loaded machine.
  CHECK(part_delays.size() >= 15);
  CHECK(segment_delays.size() >= 2);
  CHECK(Median(part_delays) < 0.45);
  CHECK(Median(segment_delays) < 0.45);

  // ffprobe reads the live stream (through the master playlist) and every recent part: an
  // independent one decodes on its own, any other continues the one before it.
  std::vector<std::string> played = ProbeCodecs(server.PlaybackUrl(s.id));
  CHECK(std::set<std::string>(played.begin(), played.end()) ==
        std::set<std::string>{"h264", "aac"});
  // Every listed part fetched at once, then probed from disk: the origin deletes a part four
  // target durations after its segment ends, sooner than ffprobe gets through them all from the
  // origin on a loaded machine.
  const Playlist now = Parse(server.Get(playlist_path).body);
  std::vector<std::pair<Part, std::string>> fetched;
  for (const Segment& seg : now.segments) {
    for (const Part& part : seg.parts) {
      testing::HttpResponse r = server.Get("/live/" + s.id + "/" + part.uri);
      INFO(part.uri);
      REQUIRE(r.status == 200);
      const std::string file = server.ScratchPath("part-" + part.uri);
      std::ofstream(file, std::ios::binary) << r.body;
      fetched.emplace_back(part, file);
    }
  }
  int probed = 0;
  for (const auto& [part, file] : fetched) {
    INFO(part.uri);
    // A part that does not start at a keyframe only continues the one before: ffprobe reads
    // its streams (and says so on stderr that it cannot decode its first frames alone).
    std::string out;
    CHECK(Run("ffprobe -v quiet -show_entries stream=codec_name -of csv=p=0 " + ShellQuote(file),
              out) == 0);
    std::set<std::string> codecs;
    for (absl::string_view l : absl::StrSplit(out, '\n', absl::SkipWhitespace())) {
      codecs.emplace(absl::StripAsciiWhitespace(l));
    }
    CHECK(codecs == std::set<std::string>{"h264", "aac"});
    if (part.independent) CHECK(DecodeErrors(file).empty());
    ++probed;
  }
  CHECK(probed >= 6);

  // hls.js in a browser, in low-latency mode and as regular HLS: the picture advances, no fatal
  // error; in low-latency mode it loads parts and plays closer to live.
  std::string ll_report;
  const int ll = PlayWithHlsJs(server.PlaybackUrl(s.id), true, 12, ll_report);
  WARN("hls.js low latency: " << ll_report);
  CHECK(ll == 0);
  CHECK(absl::StrContains(ll_report, "\"canBlockReload\":true"));
  CHECK(!absl::StrContains(ll_report, "\"parts\":0,"));
  std::string regular_report;
  const int regular = PlayWithHlsJs(server.PlaybackUrl(s.id), false, 12, regular_report);
  WARN("hls.js regular: " << regular_report);
  CHECK(regular == 0);
  CHECK(absl::StrContains(regular_report, "\"parts\":0,"));
  // How far behind live each played (hls.js's own estimate, sampled every 0.5 s).
  const double ll_latency = MedianLatency(ll_report);
  const double regular_latency = MedianLatency(regular_report);
  CHECK(ll_latency > 0);
  CHECK(ll_latency < regular_latency);

  // What operators see.
  const std::string metrics = server.Metrics();
  CHECK(absl::StrContains(metrics, "ingest_parts_written_total"));
  CHECK(absl::StrContains(metrics, "ingest_publish_delay_seconds_count{kind=\"part\"}"));
  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
