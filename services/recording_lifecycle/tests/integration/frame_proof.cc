#include "frame_proof.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clips/clip_media.h"
#include "shopcast/testing/net.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace e2e = ::shopcast::video_ingest::e2e;
namespace media = ::shopcast::recording_lifecycle::clips::testing;

constexpr int64_t kMicrosPerSecond = 1'000'000;

}  // namespace

std::vector<VodEntry> ParseVodEntries(const std::string& playlist) {
  std::vector<VodEntry> out;
  int64_t at = 0, duration = -1;
  for (absl::string_view line : absl::StrSplit(playlist, '\n', absl::SkipEmpty())) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty()) continue;
    if (absl::ConsumePrefix(&line, "#EXTINF:")) {
      double seconds = 0;
      REQUIRE(absl::SimpleAtod(line.substr(0, line.find(',')), &seconds));
      duration = static_cast<int64_t>(std::llround(seconds * 1e6));
    } else if (line[0] != '#') {
      REQUIRE(duration > 0);
      out.push_back({at, duration, std::string(line)});
      at += duration;
      duration = -1;
    }
  }
  return out;
}

std::pair<int64_t, std::string> CounterAtOffset(int port, const std::string& playlist_path,
                                                int64_t offset_us, int block) {
  const shopcast::testing::HttpResponse playlist = shopcast::testing::HttpGet(port, playlist_path);
  INFO(playlist.body);
  REQUIRE(playlist.status == 200);
  const std::vector<VodEntry> entries = ParseVodEntries(playlist.body);
  REQUIRE(!entries.empty());
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const VodEntry& e) { return offset_us < e.start_us + e.duration_us; });
  REQUIRE(it != entries.end());
  REQUIRE(offset_us >= it->start_us);
  // A relative URI resolves against the playlist's folder, a rooted one against the origin.
  std::string path = it->uri;
  if (!absl::StartsWith(path, "/")) {
    path = playlist_path.substr(0, playlist_path.rfind('/', playlist_path.find('?')) + 1) + path;
  }
  const std::string url = absl::StrCat("http://127.0.0.1:", port, path);
  const int index = static_cast<int>((offset_us - it->start_us) * e2e::Publisher::kFramesPerSecond /
                                     kMicrosPerSecond);
  return {media::ReadCounter(url, index, block), it->uri};
}

void MergeLive(const e2e::MediaPlaylist& playlist, LiveSegments& into) {
  for (const auto& e : playlist.entries) into[e.sequence] = e;
}

int64_t FrameAtMoment(const LiveSegments& live, int hls_port, const std::string& stream_id,
                      int64_t at_us, int block) {
  auto it = live.end();
  for (auto next = live.begin(); next != live.end(); ++next) {
    if (absl::ToUnixMicros(next->second.program_date_time) <= at_us) it = next;
  }
  REQUIRE(it != live.end());
  int64_t pdt = absl::ToUnixMicros(it->second.program_date_time);
  const int64_t end = pdt + static_cast<int64_t>(std::llround(it->second.duration * 1e6));
  if (at_us >= end) {  // in a gap: the picture resumes with the next segment
    REQUIRE(std::next(it) != live.end());
    ++it;
    pdt = absl::ToUnixMicros(it->second.program_date_time);
    at_us = pdt;
  }
  INFO(it->second.uri);
  const int64_t first_frame = media::ReadCounter(
      absl::StrCat("http://127.0.0.1:", hls_port, "/live/", stream_id, "/", it->second.uri), 0,
      block);
  REQUIRE(first_frame >= 0);
  return first_frame + (at_us - pdt) * e2e::Publisher::kFramesPerSecond / kMicrosPerSecond;
}

}  // namespace shopcast::recording_lifecycle::testing
