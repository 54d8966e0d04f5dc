// The segment disk fills up during a live stream. video-ingest (the real binary, its own
// database) writes its HLS segments to a small tmpfs the test mounts over its segment root; a
// real ffmpeg encoder publishes over RTMP; mid-stream the test fills the disk. video-ingest
// must not crash, must say so (ingest_storage_failures_total, the session's end logged with
// STORAGE_FAILURE), and keep the stream sane: the encoder is cut, the stream waits in
// RECONNECTING (not LIVE with nothing written, not a terminal ERROR a freed disk cannot undo),
// its playlist still served and valid. Once space is freed the encoder reconnects (as OBS does
// by itself) and the same playlist continues after a discontinuity, sequences gapless. No
// segment announced as closed is lost or truncated: each is on disk with the size and SHA-256
// of its segment_closed event, and decodes.

#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ingest_fixture.h"
#include "net_world.h"  // LongRun, Metric
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::faults {
namespace {

namespace e2e = ::shopcast::video_ingest::e2e;
namespace vpb = ::shopcast::video_ingest::v1;
using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_RECONNECTING;

// A tmpfs of `size` mounted over `dir` for the test's life (lazily unmounted after).
class Tmpfs {
 public:
  Tmpfs(std::string dir, const std::string& size) : dir_(std::move(dir)) {
    const std::string data = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, data.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the file system refuses (ENOSPC); the bytes written.
int64_t FillDisk(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::vector<char> chunk(64 * 1024, 'x');
  int64_t written = 0;
  while (true) {
    const size_t n = std::fwrite(chunk.data(), 1, chunk.size(), f);
    written += static_cast<int64_t>(n);
    if (n < chunk.size() || std::fflush(f) != 0) break;
  }
  std::fclose(f);
  return written;
}

std::vector<vpb::SegmentClosed> SegmentEvents(const e2e::IngestServer& server,
                                              const std::string& stream_id) {
  std::vector<vpb::SegmentClosed> out;
  for (const auto& e : server.Events(stream_id)) {
    if (e.type() != "video_ingest.segment_closed") continue;
    REQUIRE(e.payload().UnpackTo(&out.emplace_back()));
  }
  return out;
}

TEST_CASE("the segment disk full mid-stream: video-ingest reports it, stays sane and recovers",
          "[faults]") {
  const bool long_run = LongRun();
  e2e::ServerOptions options;
  options.reconnect_grace = absl::Seconds(120);
  e2e::IngestServer server(options);
  // The segment root: <scratch>/hot (SegmentPath names <root>/<stream>/<file>).
  const std::string root =
      std::filesystem::path(server.SegmentPath("str_x", "f")).parent_path().parent_path();
  Tmpfs disk(root, "12m");
  if (!disk.mounted()) {
    WARN("SKIPPED: cannot mount a tmpfs over the segment root (" << disk.error()
                                                                 << "); run as root");
    return;
  }
  const e2e::CreatedStream stream = server.CreateStream();
  const double seconds = long_run ? 600 : 120;
  auto encoder = std::make_unique<e2e::Publisher>(
      e2e::Publisher::Kind::kFfmpegRtmp, stream.rtmp_url, seconds, server.LogPath("ffmpeg-1.log"));
  REQUIRE(server.WaitForStatus(stream.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(stream.id, long_run ? 20 : 3, absl::Seconds(long_run ? 90 : 30)));

  // The disk fills up.
  const int64_t filled = FillDisk(root + "/filler");
  // Not a crash: the encoder is cut, the stream waits for it, the failure is counted and logged.
  REQUIRE(server.WaitForStatus(stream.id, STREAM_STATUS_RECONNECTING, absl::Seconds(30)));
  CHECK(server.running());
  CHECK(encoder->Wait(absl::Seconds(20)) != -1);
  CHECK(shopcast::testing::WaitUntil(
      [&] { return Metric(server.metrics_port(), "ingest_storage_failures_total") >= 1; },
      absl::Seconds(10)));
  const nlohmann::json ended = server.WaitForLogEvent("ingest_session_ended", absl::Seconds(5));
  CHECK(ended.value("error", "") == "STREAM_ERROR_REASON_STORAGE_FAILURE");
  // The stream stays watchable up to where it stopped: the playlist is served, not ended.
  const e2e::MediaPlaylist during = server.ReadPlaylist(stream.id);
  CHECK(!during.entries.empty());
  CHECK(!during.ended);
  const int64_t before = during.media_sequence + static_cast<int64_t>(during.entries.size());
  // A reconnect while the disk is still full fails the same way, cleanly.
  {
    e2e::Publisher again(e2e::Publisher::Kind::kFfmpegRtmp, stream.rtmp_url, 30,
                         server.LogPath("ffmpeg-full.log"));
    CHECK(again.Wait(absl::Seconds(30)) != -1);
  }
  CHECK(server.running());
  CHECK(server.GetStream(stream.id).status() == STREAM_STATUS_RECONNECTING);

  // Space is freed; the encoder comes back and the same playlist continues.
  std::filesystem::remove(root + "/filler");
  encoder = std::make_unique<e2e::Publisher>(e2e::Publisher::Kind::kFfmpegRtmp, stream.rtmp_url,
                                             seconds, server.LogPath("ffmpeg-2.log"));
  REQUIRE(server.WaitForStatus(stream.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(stream.id, before + 3, absl::Seconds(30)));
  const e2e::MediaPlaylist after = server.ReadPlaylist(stream.id);
  // Gapless sequence numbers; a discontinuity where the encoder came back.
  int discontinuities = 0;
  for (size_t i = 0; i < after.entries.size(); ++i) {
    CHECK(after.entries[i].sequence == after.media_sequence + static_cast<int64_t>(i));
    if (after.entries[i].discontinuity) ++discontinuities;
  }
  CHECK(discontinuities >= 1);
  REQUIRE(server.EndStream(stream.id).ok());
  encoder->Kill();

  // Every segment announced as closed is whole: on disk, its size and hash, decodable.
  const std::vector<vpb::SegmentClosed> segments = SegmentEvents(server, stream.id);
  int checked = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const vpb::SegmentClosed& s = segments[i];
    INFO("segment " << s.sequence() << " " << s.path());
    CHECK(s.sequence() == static_cast<int64_t>(i));
    const std::string file =
        server.SegmentPath(stream.id, std::filesystem::path(s.path()).filename());
    REQUIRE(std::filesystem::exists(file));
    CHECK(static_cast<int64_t>(std::filesystem::file_size(file)) == s.size_bytes());
    CHECK(e2e::RunTool({"sha256sum", file}).substr(0, 64) == s.sha256());
    CHECK(e2e::DecodeErrors(file).empty());
    ++checked;
  }
  CHECK(checked >= before + 3);
  CHECK(server.running());
  std::printf(
      "[fault disk-full] filled_bytes=%lld segments_before_full=%lld "
      "segments_announced=%d segments_verified=%d storage_failures=%.0f "
      "discontinuities=%d\n",
      static_cast<long long>(filled), static_cast<long long>(before),
      static_cast<int>(segments.size()), checked,
      Metric(server.metrics_port(), "ingest_storage_failures_total"), discontinuities);
  std::fflush(stdout);
  CHECK(server.Terminate(absl::Seconds(20)) == 0);
}

}  // namespace
}  // namespace shopcast::faults
