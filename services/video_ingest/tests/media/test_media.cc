#include "test_media.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace shopcast::video_ingest::media::testing {

namespace fs = std::filesystem;

CommandResult Run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void MakeTestMedia(const fs::path& path, const std::string& format, int seconds,
                   const std::string& video_codec, const std::string& audio_codec,
                   int gop_seconds) {
  const int gop = 30 * gop_seconds;
  std::string video = video_codec == "libx264"
                          ? absl::StrCat("-c:v libx264 -preset ultrafast -bf 2 -g ", gop,
                                         " -sc_threshold 0 -pix_fmt yuv420p")
                          : absl::StrCat("-c:v ", video_codec, " -g ", gop);
  CommandResult r = Run(absl::StrCat(
      "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i "
      "sine=frequency=440:sample_rate=48000 -t ",
      seconds, " ", video, " -c:a ", audio_codec, " -b:a 64k -f ", format, " '", path.string(),
      "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

void MakeHevcMedia(const fs::path& path, int seconds) {
  CommandResult r = Run(absl::StrCat(
      "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i "
      "sine=frequency=440:sample_rate=48000 -t ",
      seconds,
      " -c:v libx265 -preset ultrafast -pix_fmt yuv420p -x265-params "
      "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=0 -c:a aac -b:a 64k -f mpegts '",
      path.string(), "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

void MakeAudioOnlyMedia(const fs::path& path, const std::string& format, int seconds) {
  CommandResult r = Run(absl::StrCat(
      "ffmpeg -nostdin -v error -y -f lavfi -i sine=frequency=440:sample_rate=48000 -t ", seconds,
      " -c:a aac -b:a 64k -f ", format, " '", path.string(), "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

size_t FlvOffsetAt(const std::vector<uint8_t>& flv, int64_t ms) {
  size_t pos = 13;  // 9-byte header + PreviousTagSize0.
  while (pos + 11 <= flv.size()) {
    const uint8_t type = flv[pos];
    const size_t size = (size_t{flv[pos + 1]} << 16) | (size_t{flv[pos + 2]} << 8) | flv[pos + 3];
    const int64_t ts = (int64_t{flv[pos + 7]} << 24) | (int64_t{flv[pos + 4]} << 16) |
                       (int64_t{flv[pos + 5]} << 8) | flv[pos + 6];
    if ((type == 8 || type == 9) && ts >= ms) return pos;
    pos += 11 + size + 4;
  }
  return flv.size();
}

std::vector<FlvKeyframe> FlvKeyframes(const std::vector<uint8_t>& flv) {
  std::vector<FlvKeyframe> out;
  size_t pos = 13;
  while (pos + 12 <= flv.size()) {
    const uint8_t type = flv[pos];
    const size_t size = (size_t{flv[pos + 1]} << 16) | (size_t{flv[pos + 2]} << 8) | flv[pos + 3];
    const int64_t ts = (int64_t{flv[pos + 7]} << 24) | (int64_t{flv[pos + 4]} << 16) |
                       (int64_t{flv[pos + 5]} << 8) | flv[pos + 6];
    // Frame type 1 (keyframe), AVC packet type 1 (a NAL unit, not the sequence header).
    if (type == 9 && size >= 2 && (flv[pos + 11] >> 4) == 1 && flv[pos + 12] == 1) {
      out.push_back({ts, pos});
    }
    pos += 11 + size + 4;
  }
  return out;
}

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<uint8_t> ShiftFlvTimestamps(const std::vector<uint8_t>& flv, int64_t from_ms,
                                        int64_t delta_ms) {
  std::vector<uint8_t> out = flv;
  REQUIRE(out.size() >= 13);
  size_t pos = 13;  // 9-byte header + PreviousTagSize0.
  while (pos + 11 <= out.size()) {
    const uint8_t type = out[pos];
    const size_t size = (size_t{out[pos + 1]} << 16) | (size_t{out[pos + 2]} << 8) | out[pos + 3];
    // 24-bit timestamp plus an 8-bit extension holding the high byte.
    uint32_t ts = (uint32_t{out[pos + 7]} << 24) | (uint32_t{out[pos + 4]} << 16) |
                  (uint32_t{out[pos + 5]} << 8) | out[pos + 6];
    if ((type == 8 || type == 9) && ts >= from_ms) {
      ts = static_cast<uint32_t>(static_cast<int64_t>(ts) + delta_ms);
      out[pos + 4] = static_cast<uint8_t>(ts >> 16);
      out[pos + 5] = static_cast<uint8_t>(ts >> 8);
      out[pos + 6] = static_cast<uint8_t>(ts);
      out[pos + 7] = static_cast<uint8_t>(ts >> 24);
    }
    pos += 11 + size + 4;
  }
  return out;
}

MediaPlaylist ParseMediaPlaylist(const std::string& text) {
  MediaPlaylist playlist;
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  REQUIRE(!lines.empty());
  REQUIRE(lines[0] == "#EXTM3U");
  PlaylistEntry next;
  bool have_inf = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    INFO(line);
    if (absl::ConsumePrefix(&line, "#EXT-X-TARGETDURATION:")) {
      REQUIRE(absl::SimpleAtoi(line, &playlist.target_duration));
    } else if (absl::ConsumePrefix(&line, "#EXT-X-MEDIA-SEQUENCE:")) {
      REQUIRE(absl::SimpleAtoi(line, &playlist.media_sequence));
    } else if (line == "#EXT-X-DISCONTINUITY") {
      next.discontinuity = true;
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PROGRAM-DATE-TIME:")) {
      std::string err;
      REQUIRE(
          absl::ParseTime(absl::RFC3339_full, std::string(line), &next.program_date_time, &err));
    } else if (absl::ConsumePrefix(&line, "#EXTINF:")) {
      REQUIRE(absl::ConsumeSuffix(&line, ","));
      REQUIRE(absl::SimpleAtod(line, &next.duration));
      have_inf = true;
    } else if (line == "#EXT-X-ENDLIST") {
      playlist.ended = true;
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PART-INF:PART-TARGET=")) {
      REQUIRE(absl::SimpleAtod(line, &playlist.part_target));
    } else if (absl::ConsumePrefix(&line, "#EXT-X-SERVER-CONTROL:")) {
      playlist.server_control = std::string(line);
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PART:")) {
      REQUIRE_FALSE(have_inf);
      PartEntry part;
      for (absl::string_view attr : absl::StrSplit(line, ',')) {
        if (absl::ConsumePrefix(&attr, "DURATION=")) {
          REQUIRE(absl::SimpleAtod(attr, &part.duration));
        } else if (absl::ConsumePrefix(&attr, "URI=")) {
          REQUIRE(absl::ConsumePrefix(&attr, "\""));
          REQUIRE(absl::ConsumeSuffix(&attr, "\""));
          part.uri = std::string(attr);
        } else if (attr == "INDEPENDENT=YES") {
          part.independent = true;
        } else {
          FAIL("unknown EXT-X-PART attribute " << attr);
        }
      }
      REQUIRE(!part.uri.empty());
      next.parts.push_back(part);
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"")) {
      REQUIRE(absl::ConsumeSuffix(&line, "\""));
      playlist.preload_hint = std::string(line);
    } else if (!absl::StartsWith(line, "#")) {
      REQUIRE(have_inf);
      next.uri = std::string(line);
      playlist.entries.push_back(next);
      next = PlaylistEntry();
      have_inf = false;
    }
  }
  REQUIRE_FALSE(have_inf);
  playlist.pending_parts = next.parts;
  return playlist;
}

double StreamDuration(const fs::path& file, const std::string& selector) {
  CommandResult r =
      Run(absl::StrCat("ffprobe -v error -select_streams ", selector,
                       " -show_entries stream=duration -of csv=p=0 '", file.string(), "'"));
  REQUIRE(r.exit_code == 0);
  // MPEG-TS streams are listed twice, inside their program and on their own.
  std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipWhitespace());
  REQUIRE(!lines.empty());
  double seconds = 0;
  INFO(r.output);
  REQUIRE(absl::SimpleAtod(absl::StripAsciiWhitespace(lines[0]), &seconds));
  return seconds;
}

std::string CodecNames(const fs::path& file) {
  CommandResult r = Run(absl::StrCat(
      "ffprobe -v error -show_entries stream=index,codec_name -of csv=p=0 '", file.string(), "'"));
  REQUIRE(r.exit_code == 0);
  // "index,name" lines, MPEG-TS streams listed twice (in their program and on their own).
  std::map<int, std::string> by_index;
  for (absl::string_view line : absl::StrSplit(r.output, '\n', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> parts = absl::StrSplit(line, ',');
    int index = 0;
    REQUIRE(absl::SimpleAtoi(parts.first, &index));
    by_index[index] = std::string(absl::StripAsciiWhitespace(parts.second));
  }
  std::vector<std::string> names;
  for (const auto& [index, name] : by_index) names.push_back(name);
  std::sort(names.begin(), names.end());
  return absl::StrJoin(names, ",");
}

std::string Sha256Of(const fs::path& file) {
  CommandResult r = Run(absl::StrCat("sha256sum '", file.string(), "'"));
  REQUIRE(r.exit_code == 0);
  return r.output.substr(0, 64);
}

}  // namespace shopcast::video_ingest::media::testing
