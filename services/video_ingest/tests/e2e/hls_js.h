#pragma once

// Real players for the e2e tests of audio-only / video-only streams and delta updates: hls.js
// in Debian's headless Chromium through Playwright (hls_js_player.mjs, the web app's
// node_modules, which tools/dev installs) and ffprobe, run as child processes.

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace shopcast::video_ingest::e2e {

inline std::string QuoteForShell(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through the shell (at most 120 s); its exit code, its stdout in `out`.
inline int RunCommand(const std::string& command, std::string& out) {
  FILE* pipe = popen(("timeout 120 " + command).c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// hls.js plays `url` for `seconds`; 0 when the picture (or sound) advanced without a fatal
// error. Its JSON report in `report`.
inline int PlayInHlsJs(const std::string& url, bool low_latency, int seconds, std::string& report) {
  const std::string modules = std::string(SHOPCAST_WEB_DIR) + "/node_modules";
  REQUIRE(std::filesystem::exists(modules + "/playwright-core"));  // tools/dev installs them
  REQUIRE(std::filesystem::exists(modules + "/hls.js/dist/hls.min.js"));
  return RunCommand(
      absl::StrCat("node ", QuoteForShell(SHOPCAST_HLS_JS_PLAYER), " ", QuoteForShell(modules), " ",
                   QuoteForShell(url), " ", low_latency ? "1" : "0", " ", seconds),
      report);
}

// The codec names ffprobe finds in `url` (a playlist or a part).
inline std::set<std::string> ProbedCodecs(const std::string& url) {
  std::string out;
  RunCommand("ffprobe -v quiet -show_entries stream=codec_name -of csv=p=0 " + QuoteForShell(url),
             out);
  std::set<std::string> codecs;
  for (absl::string_view l : absl::StrSplit(out, '\n', absl::SkipWhitespace())) {
    codecs.emplace(absl::StripAsciiWhitespace(l));
  }
  return codecs;
}

}  // namespace shopcast::video_ingest::e2e
