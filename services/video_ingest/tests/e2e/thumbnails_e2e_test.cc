// Live thumbnails as a listing page, a viewer and the recording service meet them: an ffmpeg
// encoder publishes over RTMP to the real binary; thumb.jpg appears on the origin as a JPEG that
// caches briefly and changes as the picture moves; GetStream names it in thumbnail_url while the
// stream is live; after the host ends the stream poster.jpg stays and StreamEnded names it. A
// gated stream's thumbnail needs the playback token like its playlists.

#include <catch2/catch.hpp>
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
  const std::string probed = RunTool({"ffprobe", "-v", "error", "-select_streams", "v:0",
                                      "-show_entries", "stream=codec_name,width,height", "-of",
                                      "csv=p=0", file});
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

}  // namespace

TEST_CASE("a live stream's thumbnail is served, refreshed and named, and its poster outlives it") {
  IngestServer server;
  CreatedStream s = server.CreateStream(kHost);
  const std::string thumb_path = "/live/" + s.id + "/thumb.jpg";
  CHECK(server.GetStream(s.id).thumbnail_url().empty());

  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));

  // The first thumbnail comes with the first keyframe; GetStream names it once it is recorded.
  Fetched first;
  REQUIRE(testing::WaitUntil(
      [&] {
        first = Fetch(server, thumb_path);
        return first.status == 200;
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  CHECK(first.headers["content-type"] == "image/jpeg");
  // It changes every few seconds: never immutable, cached for a second at most.
  CHECK(first.headers["cache-control"] == "public, max-age=1");
  CHECK(JpegSize(server, first.body) == std::make_pair(640, 360));
  REQUIRE(testing::WaitUntil([&] { return !server.GetStream(s.id).thumbnail_url().empty(); },
                             absl::Seconds(20), absl::Milliseconds(200)));
  CHECK(server.GetStream(s.id).thumbnail_url() ==
        absl::StrCat(kPlaybackBaseUrl, "/live/", s.id, "/thumb.jpg"));

  // The test pattern moves: a later thumbnail is another picture (about 4 s of media later).
  Fetched later;
  REQUIRE(testing::WaitUntil(
      [&] {
        later = Fetch(server, thumb_path);
        return later.status == 200 && later.body != first.body;
      },
      absl::Seconds(30), absl::Milliseconds(250)));
  CHECK(later.headers["etag"] != first.headers["etag"]);
  CHECK(JpegSize(server, later.body) == std::make_pair(640, 360));

  // The poster is taken a few seconds in; ending the stream keeps it.
  REQUIRE(testing::WaitUntil(
      [&] { return std::filesystem::exists(server.SegmentPath(s.id, "poster.jpg")); },
      absl::Seconds(30), absl::Milliseconds(200)));
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

  const std::string metrics = server.Metrics();
  CHECK(MetricValue(metrics, "ingest_thumbnails_written_total") >= 2);
  CHECK(MetricValue(metrics, "ingest_thumbnail_posters_written_total") == 1);
  CHECK(MetricValue(metrics, "ingest_thumbnails_failed_total{stage=\"decode\"}") == 0);
  CHECK(MetricValue(metrics, "ingest_thumbnail_render_seconds_count") >= 2);
}

TEST_CASE("a gated stream's thumbnail needs the playback token") {
  IngestServer server;
  CreatedStream s = server.CreateStream(kHost, /*gated=*/true);
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(testing::WaitUntil(
      [&] { return std::filesystem::exists(server.SegmentPath(s.id, "thumb.jpg")); },
      absl::Seconds(30), absl::Milliseconds(200)));

  const std::string path = "/live/" + s.id + "/thumb.jpg";
  CHECK(Fetch(server, path).status == 401);
  CHECK(Fetch(server, path + "?token=forged").status == 403);
  v1::GetPlaybackTokenResponse token;
  REQUIRE(server.PlaybackToken(s.id, kHost, "host", &token).ok());
  Fetched held = Fetch(server, path + "?token=" + token.token());
  CHECK(held.status == 200);
  CHECK(held.headers["content-type"] == "image/jpeg");
  // For the token holder's browser only: no shared cache may keep a paid picture.
  CHECK(held.headers["cache-control"] == "private, no-store");
  // The listing still names it (a client adds its token, as for playback_url).
  REQUIRE(testing::WaitUntil([&] { return !server.GetStream(s.id).thumbnail_url().empty(); },
                             absl::Seconds(20), absl::Milliseconds(200)));
  ffmpeg.Kill();
}

}  // namespace shopcast::video_ingest::e2e
