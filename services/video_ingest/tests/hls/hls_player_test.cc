// A real HLS client reads, through the origin, a live-style stream that ffmpeg packaged: the
// playlist parses, every segment is fetched and decodes, and the durations add up.

#include <prometheus/registry.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "hls/hls_origin.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::hls {
namespace {

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only
};

// Runs `command` through the shell with a hard time limit; stderr goes to the test log.
CommandResult Run(const std::string& command) {
  CommandResult result;
  const std::string limited = "timeout 120 " + command;
  FILE* pipe = ::popen(limited.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

double CounterValue(prometheus::Registry& registry, const std::string& code,
                    const std::string& kind) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "hls_http_requests_total") continue;
    for (const auto& metric : family.metric) {
      std::string have_code, have_kind;
      for (const auto& label : metric.label) {
        if (label.name == "code") have_code = label.value;
        if (label.name == "kind") have_kind = label.value;
      }
      if (have_code == code && have_kind == kind) return metric.counter.value;
    }
  }
  return 0;
}

TEST_CASE("ffmpeg and ffprobe play an HLS stream through the origin", "[hls][player]") {
  shopcast::testing::TempDir dir;
  const std::string stream_dir = dir.File(kId);
  std::filesystem::create_directories(stream_dir);
  const CommandResult packaged =
      Run("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 4 "
          "-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -f hls -hls_time 1 "
          "-hls_list_size 0 -hls_segment_filename '" +
          stream_dir + "/%06d.ts' '" + stream_dir + "/index.m3u8'");
  REQUIRE(packaged.exit_code == 0);

  HlsOriginOptions options;
  options.listen_address = "127.0.0.1";
  options.root = dir.path().string();
  prometheus::Registry registry;
  HlsOrigin origin(options, &registry);
  REQUIRE(origin.Start().ok());
  const std::string url =
      "http://127.0.0.1:" + std::to_string(origin.port()) + "/live/" + kId + "/index.m3u8";

  // Every segment is fetched and remuxed without error.
  const CommandResult played =
      Run("ffmpeg -nostdin -v error -xerror -i '" + url + "' -c copy -f null - </dev/null");
  CHECK(played.exit_code == 0);
  size_t segments = 0;
  for (const auto& entry : std::filesystem::directory_iterator(stream_dir)) {
    if (entry.path().extension() == ".ts") ++segments;
  }
  REQUIRE(segments >= 3);
  // ffmpeg asks for "Range: bytes=0-", so success is 200 or 206.
  auto served = [&](const std::string& kind) {
    return CounterValue(registry, "200", kind) + CounterValue(registry, "206", kind);
  };
  CHECK(served("segment") >= static_cast<double>(segments));
  CHECK(served("playlist") >= 1);
  CHECK(CounterValue(registry, "404", "segment") == 0);

  // The durations add up to what was packaged.
  const CommandResult probed = Run(
      "ffprobe -v error -show_entries format=duration -of default=noprint_wrappers=1:nokey=1 '" +
      url + "'");
  REQUIRE(probed.exit_code == 0);
  const double duration = std::strtod(probed.output.c_str(), nullptr);
  CHECK(duration == Approx(4.0).margin(0.5));

  // Every decoded frame is there: 4 s at 30 fps.
  const CommandResult frames =
      Run("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
          "-of default=noprint_wrappers=1:nokey=1 '" +
          url + "'");
  REQUIRE(frames.exit_code == 0);
  CHECK(std::atoi(frames.output.c_str()) == 120);
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
