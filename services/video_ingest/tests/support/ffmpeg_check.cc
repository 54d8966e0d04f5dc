#include "ffmpeg_check.h"

#include <stdio.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace shopcast::video_ingest::ffmpeg_check {

uint64_t SentBytes(const std::string& progress_file) {
  std::ifstream in(progress_file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(progress_file << ":\n" << text);
  REQUIRE(text.find("progress=end") != std::string::npos);
  uint64_t total = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, "total_size=")) {
      REQUIRE(absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &total));
    }
  }
  return total;
}

namespace {

// Runs `command` through the shell; its standard output, and its exit status in `status`.
std::string Capture(const std::string& command, int* status = nullptr) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int rc = pclose(pipe);
  if (status != nullptr) *status = rc;
  return output;
}

}  // namespace

std::string DecodeErrors(const std::string& path) {
  return Capture("ffmpeg -nostdin -v error -i '" + path +
                 "' -enc_time_base -1 -f null - 2>&1 </dev/null");
}

int DecodedVideoFrames(const std::string& path) {
  // Quiet: decoding errors are for the caller's decode check; only the count is printed, once
  // in the program listing and once in the stream list.
  const std::string command =
      "ffprobe -v quiet -count_frames -select_streams v:0 -show_entries stream=nb_read_frames"
      " -of csv=p=0 '" +
      path + "'";
  int status = -1;
  const std::string output = Capture(command, &status);
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  std::vector<std::string> lines = absl::StrSplit(output, '\n', absl::SkipWhitespace());
  REQUIRE(!lines.empty());
  int frames = 0;
  REQUIRE(absl::SimpleAtoi(absl::StripAsciiWhitespace(lines.front()), &frames));
  return frames;
}

}  // namespace shopcast::video_ingest::ffmpeg_check
