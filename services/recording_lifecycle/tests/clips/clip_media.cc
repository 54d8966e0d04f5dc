#include "clip_media.h"

#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace shopcast::recording_lifecycle::clips::testing {
namespace fs = std::filesystem;

CommandResult Run(const std::string& command, bool quiet_stderr) {
  CommandResult result;
  FILE* pipe = popen((command + (quiet_stderr ? " 2>/dev/null" : " 2>&1")).c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

namespace {

int64_t CountPackets(const fs::path& file, const std::string& selector) {
  CommandResult r =
      Run(absl::StrCat("ffprobe -v error -count_packets -select_streams ", selector,
                       " -show_entries stream=nb_read_packets -of csv=p=0 '", file.string(), "'"),
          true);
  REQUIRE(r.exit_code == 0);
  // MPEG-TS streams are listed twice (under their program and alone): the first line counts.
  const std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipWhitespace());
  int64_t n = 0;
  INFO(r.output);
  REQUIRE(!lines.empty());
  REQUIRE(absl::SimpleAtoi(absl::StripAsciiWhitespace(lines.front()), &n));
  return n;
}

}  // namespace

std::string CounterFilter(int64_t first_frame, int block) {
  std::string out = absl::StrCat("drawbox=x=0:y=0:w=", kCounterBits * block, ":h=", 2 * block,
                                 ":color=black:t=fill");
  for (int b = 0; b < kCounterBits; ++b) {
    const std::string bit =
        absl::StrCat("mod(floor((n+", first_frame, ")/", int64_t{1} << b, "),2)");
    absl::StrAppend(&out, ",drawbox=x=", b * block, ":y=0:w=", block, ":h=", block,
                    ":color=white:t=fill:enable='", bit, "'");
    absl::StrAppend(&out, ",drawbox=x=", b * block, ":y=", block, ":w=", block, ":h=", block,
                    ":color=white:t=fill:enable='1-", bit, "'");
  }
  return out;
}

int64_t ReadCounter(const std::string& media, int index, int block) {
  const int width = kCounterBits * block, height = 2 * block;
  CommandResult r = Run(
      absl::StrCat("ffmpeg -nostdin -v error -i '", media, "' -vf \"select=eq(n\\,", index,
                   "),crop=", width, ":", height, ":0:0\" -frames:v 1 -f rawvideo -pix_fmt gray -"),
      true);
  if (r.exit_code != 0 || r.output.size() != static_cast<size_t>(width * height)) return -1;
  // The mean of the middle half of a block.
  auto level = [&](int column, int row) {
    int64_t sum = 0, n = 0;
    for (int y = row * block + block / 4; y < row * block + block * 3 / 4; ++y) {
      for (int x = column * block + block / 4; x < column * block + block * 3 / 4; ++x) {
        sum += static_cast<unsigned char>(r.output[static_cast<size_t>(y * width + x)]);
        ++n;
      }
    }
    return sum / n;
  };
  int64_t value = 0;
  for (int b = 0; b < kCounterBits; ++b) {
    const int64_t bit = level(b, 0), complement = level(b, 1);
    // Clearly white and clearly black, one each: studio-range white is 235, black 16.
    const bool set = bit > 160 && complement < 96;
    const bool clear = bit < 96 && complement > 160;
    if (set == clear) return -1;
    if (set) value |= int64_t{1} << b;
  }
  return value;
}

std::vector<SourceSegment> MakeSegments(const fs::path& dir, const std::string& prefix,
                                        const MediaSpec& spec) {
  std::string inputs;
  std::string codecs;
  if (spec.video) {
    absl::StrAppend(&inputs, "-f lavfi -i testsrc2=size=", spec.size, ":rate=30 ");
    const std::string lead =
        spec.audio_lead_ms > 0 ? absl::StrCat("setpts=PTS+", spec.audio_lead_ms, "/1000/TB,") : "";
    absl::StrAppend(&codecs, "-vf \"", lead, CounterFilter(spec.first_frame), "\" ",
                    "-c:v libx264 -preset ultrafast -bf 2 -g 30 -keyint_min 30 -sc_threshold 0 "
                    "-pix_fmt yuv420p ");
  }
  if (spec.audio) {
    absl::StrAppend(&inputs, "-f lavfi -i sine=frequency=440:sample_rate=48000 ");
    absl::StrAppend(&codecs, "-c:a aac -b:a 64k ");
  }
  if (spec.audio_lead_ms > 0) {
    REQUIRE((spec.video && spec.audio));
    absl::StrAppend(&codecs, "-segment_format_options pes_payload_size=0 ");
  }
  CommandResult r = Run(absl::StrCat("ffmpeg -nostdin -v error -y ", inputs, "-t ", spec.seconds,
                                     " ", codecs, "-f segment -segment_time ", spec.segment_seconds,
                                     " -segment_format mpegts -reset_timestamps 0 '",
                                     (dir / prefix).string(), "%03d.ts'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<SourceSegment> out;
  int64_t offset = spec.media_offset_us;
  for (int i = 0;; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "%03d.ts", i);
    const fs::path path = dir / (prefix + name);
    if (!fs::exists(path)) break;
    SourceSegment s;
    s.path = path;
    s.sequence = spec.first_sequence + i;
    s.media_offset_us = offset;
    s.duration_us = spec.video ? CountPackets(path, "v:0") * 1'000'000 / 30
                               : CountPackets(path, "a:0") * 1024 * 1'000'000 / 48000;
    s.discontinuity = spec.discontinuity && i == 0;
    offset += s.duration_us;
    out.push_back(s);
  }
  REQUIRE(!out.empty());
  return out;
}

StreamFacts Probe(const fs::path& file, const std::string& selector) {
  CommandResult r =
      Run(absl::StrCat("ffprobe -v error -count_frames -select_streams ", selector,
                       " -show_entries stream=codec_name,start_time,duration,nb_read_frames,"
                       "width,height -of default=nw=1 '",
                       file.string(), "'"),
          true);
  StreamFacts f;
  bool seen_codec = false;
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    if (absl::StartsWith(line, "codec_name=")) {
      if (seen_codec) break;  // The same stream again (listed under its program).
      seen_codec = true;
    }
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.first == "codec_name") f.codec = kv.second;
    if (kv.first == "start_time") (void)absl::SimpleAtod(kv.second, &f.start_time);
    if (kv.first == "duration") (void)absl::SimpleAtod(kv.second, &f.duration);
    if (kv.first == "nb_read_frames") (void)absl::SimpleAtoi(kv.second, &f.frames);
    if (kv.first == "width") (void)absl::SimpleAtoi(kv.second, &f.width);
    if (kv.first == "height") (void)absl::SimpleAtoi(kv.second, &f.height);
  }
  return f;
}

bool FirstPacketIsKeyframe(const fs::path& file) {
  CommandResult r = Run(absl::StrCat("ffprobe -v error -select_streams v:0 -show_entries "
                                     "packet=flags -of csv=p=0 -read_intervals '%+#1' '",
                                     file.string(), "'"),
                        true);
  return !r.output.empty() && r.output[0] == 'K';
}

std::string ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string FrameSignature(const fs::path& file, int index) {
  CommandResult r =
      Run(absl::StrCat("ffmpeg -nostdin -v error -i '", file.string(), "' -vf \"select=eq(n\\,",
                       index, "),scale=32:18\" -frames:v 1 -f rawvideo -pix_fmt gray -"),
          true);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.output.size() == 32 * 18);
  return r.output;
}

double Difference(const std::string& a, const std::string& b) {
  REQUIRE(a.size() == b.size());
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sum += std::abs(static_cast<int>(static_cast<unsigned char>(a[i])) -
                    static_cast<int>(static_cast<unsigned char>(b[i])));
  }
  return a.empty() ? 0 : sum / static_cast<double>(a.size());
}

}  // namespace shopcast::recording_lifecycle::clips::testing
