// Live thumbnails as a listing page, a viewer and the recording service meet them: an ffmpeg
// encoder publishes over RTMP to the real binary; nobody asking, only the poster is rendered;
// a request for an old thumb.jpg is answered with a fresh render (one for concurrent viewers)
// that caches briefly and changes as the picture moves; GetStream names it in thumbnail_url
// while the stream is live; after the host ends the stream poster.jpg stays and StreamEnded
// names it. Eager mode keeps rendering unasked. A gated stream's thumbnail needs the playback
// token like its playlists, and nothing is rendered for a request without one.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ingest_fixture.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_ENDED;
using common::v1::STREAM_STATUS_LIVE;

constexpr char kHost[] = "usr_host1";

// A response as curl saw it: status, lower-cased header names, body.
struct Fetched {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Fetched Fetch(const IngestServer& server, const std::string& path) {
  const std::string head_file = server.LogPath("curl-head");
  const std::string body_file = server.LogPath("curl-body");
  std::filesystem::remove(head_file);
  std::filesystem::remove(body_file);
  RunTool({"curl", "-sS", "-o", body_file, "-D", head_file, "--max-time", "10",
           absl::StrCat("http://127.0.0.1:", server.hls_port(), path)});
  Fetched f;
  f.body = ReadFile(body_file);
  const std::string head = ReadFile(head_file);
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::StartsWith(line, "HTTP/")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() >= 2) f.status = std::stoi(parts[1]);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    f.headers[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return f;
}

// The width and height ffprobe reads from a JPEG body.
std::pair<int, int> JpegSize(const IngestServer& server, const std::string& body) {
  const std::string file = server.LogPath("picture.jpg");
  FILE* out = fopen(file.c_str(), "wb");
  REQUIRE(out != nullptr);
  fwrite(body.data(), 1, body.size(), out);
  fclose(out);
  const std::string probed =
      RunTool({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
               "stream=codec_name,width,height", "-of", "csv=p=0", file});
  std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(probed), ',');
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == "mjpeg");
  return {std::stoi(parts[1]), std::stoi(parts[2])};
}

double MetricValue(const std::string& metrics, const std::string& sample) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::ConsumePrefix(&line, sample + " ")) return std::stod(std::string(line));
  }
  return 0;
}

// Seconds since thumb.jpg was last written, from the file the origin serves.
double FileAgeSeconds(const std::string& path) {
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(path, ec);
  if (ec) return 1e9;
  return std::chrono::duration<double>(std::filesystem::file_time_type::clock::now() - written)
      .count();
}

// Thumbnails every second of media (the smallest interval) so the test waits less for a file
// to age past it.
ServerOptions OneSecondThumbnails() {
  ServerOptions o;
  o.extra_env = {"SHOPCAST_VIDEO_INGEST_THUMBNAIL_INTERVAL=1s"};
  return o;
}

}  // namespace

TEST_CASE("a live stream's thumbnail is rendered when asked, named, and its poster outlives it") {
  IngestServer server(OneSecondThumbnails());
  CreatedStream s = server.CreateStream(kHost);
  const std::string thumb_path = "/live/" + s.id + "/thumb.jpg";
  const std::string thumb_file = server.SegmentPath(s.id, "thumb.jpg");
  CHECK(server.GetStream(s.id).thumbnail_url().empty());

  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));

  // Servable from the first keyframe on (a request renders it): GetStream names it then.
  REQUIRE(testing::WaitUntil([&] { return !server.GetStream(s.id).thumbnail_url().empty(); },
                             absl::Seconds(20), absl::Milliseconds(200)));
  CHECK(server.GetStream(s.id).thumbnail_url() ==
        absl::StrCat(kPlaybackBaseUrl, "/live/", s.id, "/thumb.jpg"));

  // Nobody asks: the poster is made a few seconds in all the same, and it is the only render.
  REQUIRE(testing::WaitUntil(
      [&] { return std::filesystem::exists(server.SegmentPath(s.id, "poster.jpg")); },
      absl::Seconds(30), absl::Milliseconds(200)));
  std::string metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_thumbnail_renders_total{cause=\"poster\"}") == 1);
  CHECK(MetricValue(metrics, "ingest_thumbnail_renders_total{cause=\"request\"}") == 0);
  CHECK(MetricValue(metrics, "ingest_thumbnail_renders_total{cause=\"eager\"}") == 0);

  // Once the file is older than the interval, a request renders the latest keyframe and is
  // answered when it is written, well within the wait (3 s).
  REQUIRE(testing::WaitUntil([&] { return FileAgeSeconds(thumb_file) > 1.2; }, absl::Seconds(20),
                             absl::Milliseconds(100)));
  const auto asked = std::chrono::steady_clock::now();
  Fetched first = Fetch(server, thumb_path);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(3));
  REQUIRE(first.status == 200);
  CHECK(first.headers["content-type"] == "image/jpeg");
  // It changes every few seconds: never immutable, cached for a second at most.
  CHECK(first.headers["cache-control"] == "public, max-age=1");
  CHECK(JpegSize(server, first.body) == std::make_pair(640, 360));
  CHECK(FileAgeSeconds(thumb_file) < 1.0);
  metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_thumbnail_renders_total{cause=\"request\"}") == 1);
  CHECK(MetricValue(metrics, "hls_thumbnail_requests_total{outcome=\"rendered\"}") == 1);
  // Inside the interval the next request is the same file: no second render.
  Fetched again = Fetch(server, thumb_path);
  CHECK(again.body == first.body);
  metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_thumbnail_renders_total{cause=\"request\"}") == 1);
  CHECK(MetricValue(metrics, "hls_thumbnail_requests_total{outcome=\"fresh\"}") >= 1);

  // Four viewers at once on an old file share one render, of a later (moving) picture.
  REQUIRE(testing::WaitUntil([&] { return FileAgeSeconds(thumb_file) > 1.2; }, absl::Seconds(20),
                             absl::Milliseconds(100)));
  const std::string url = absl::StrCat("http://127.0.0.1:", server.hls_port(), thumb_path);
  std::vector<std::string> argv = {
      "curl", "-sS", "--no-progress-meter", "--parallel", "--parallel-immediate", "--max-time",
      "10",   "-w",  "%{http_code}\n"};
  for (int i = 0; i < 4; ++i) {
    argv.push_back("-o");
    argv.push_back(server.LogPath(absl::StrCat("parallel-", i, ".jpg")));
    argv.push_back(url);
  }
  // Only the status codes (-w) are counted: curl's parallel mode may add a progress meter.
  int ok = 0;
  for (absl::string_view line : absl::StrSplit(RunTool(argv), '\n')) {
    if (absl::StripAsciiWhitespace(line) == "200") ++ok;
  }
  CHECK(ok == 4);
  metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_thumbnail_renders_total{cause=\"request\"}") == 2);
  const std::string later = ReadFile(server.LogPath("parallel-0.jpg"));
  CHECK(later != first.body);
  CHECK(JpegSize(server, later) == std::make_pair(640, 360));

  // Ending the stream keeps the poster.
  REQUIRE(server.EndStream(s.id, kHost).ok());
  ffmpeg.Kill();
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_ENDED, absl::Seconds(20)));
  CHECK(server.GetStream(s.id).thumbnail_url().empty());
  Fetched poster = Fetch(server, "/live/" + s.id + "/poster.jpg");
  REQUIRE(poster.status == 200);
  CHECK(poster.headers["content-type"] == "image/jpeg");
  CHECK(JpegSize(server, poster.body) == std::make_pair(640, 360));

  // recording-lifecycle learns where the poster is, relative to the segment root.
  std::vector<v1::StreamEnded> ended =
      Payloads<v1::StreamEnded>(server.Events(s.id), "video_ingest.stream_ended");
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].poster_path() == s.id + "/poster.jpg");

  metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_thumbnails_written_total") == 3);
  CHECK(MetricValue(metrics, "ingest_thumbnail_posters_written_total") == 1);
  CHECK(MetricValue(metrics, "ingest_thumbnails_failed_total{stage=\"decode\"}") == 0);
  CHECK(MetricValue(metrics, "ingest_thumbnail_render_seconds_count") == 3);
}

TEST_CASE("eager thumbnails keep a fresh thumb.jpg on disk without a viewer") {
  ServerOptions options;
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_THUMBNAIL_INTERVAL=1s",
                       "SHOPCAST_VIDEO_INGEST_THUMBNAIL_MODE=eager"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream(kHost);
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(testing::WaitUntil(
      [&] {
        return MetricValue(server.Metrics(), "ingest_thumbnail_renders_total{cause=\"eager\"}") >=
               3;
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  CHECK(std::filesystem::exists(server.SegmentPath(s.id, "thumb.jpg")));
  CHECK(MetricValue(server.Metrics(), "ingest_thumbnail_renders_total{cause=\"request\"}") == 0);
  ffmpeg.Kill();
}

TEST_CASE("a gated stream's thumbnail needs the playback token before anything is rendered") {
  IngestServer server(OneSecondThumbnails());
  CreatedStream s = server.CreateStream(kHost, /*gated=*/true);
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  // The listing still names it (a client adds its token, as for playback_url).
  REQUIRE(testing::WaitUntil([&] { return !server.GetStream(s.id).thumbnail_url().empty(); },
                             absl::Seconds(20), absl::Milliseconds(200)));

  const std::string path = "/live/" + s.id + "/thumb.jpg";
  CHECK(Fetch(server, path).status == 401);
  CHECK(Fetch(server, path + "?token=forged").status == 403);
  // Refused before the origin asked for anything.
  CHECK(MetricValue(server.Metrics(), "ingest_thumbnail_renders_total{cause=\"request\"}") == 0);
  CHECK(MetricValue(server.Metrics(), "hls_thumbnail_waiting") == 0);
  v1::GetPlaybackTokenResponse token;
  REQUIRE(server.PlaybackToken(s.id, kHost, "host", &token).ok());
  Fetched held = Fetch(server, path + "?token=" + token.token());
  CHECK(held.status == 200);
  CHECK(held.headers["content-type"] == "image/jpeg");
  // For the token holder's browser only: no shared cache may keep a paid picture.
  CHECK(held.headers["cache-control"] == "private, no-store");
  ffmpeg.Kill();
}

}  // namespace shopcast::video_ingest::e2e
