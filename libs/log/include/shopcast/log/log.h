#pragma once

// Structured logging: one JSON object per line on stderr, e.g.
//   shopcast::log::Info("rpc").Kv("method", m).Kv("status", "OK").Kv("ms", 3.2);
// The process-wide sink (level, service name) is the one deliberate piece of global state:
// every thread of a binary logs to the same stream, and threading a logger through every
// constructor would buy nothing. Never log secrets: tokens, passwords, stream keys, DSNs.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace shopcast::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn"/"warning", "error" (case-insensitive).
bool ParseLevel(absl::string_view text, Level* out);

// Sets the minimum level and the `service` field of every line. Call once from main.
void Configure(Level min_level, absl::string_view service);

// True if lines at `level` are written.
bool Enabled(Level level);

// Redirects output into `capture` (tests only); nullptr restores stderr.
void CaptureForTesting(std::string* capture);

// One log line; written when destroyed. Keys should be snake_case.
class Line {
 public:
  Line(Level level, absl::string_view event);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& Kv(absl::string_view key, absl::string_view value);
  Line& Kv(absl::string_view key, const std::string& value) {
    return Kv(key, absl::string_view(value));
  }
  Line& Kv(absl::string_view key, const char* value) { return Kv(key, absl::string_view(value)); }
  Line& Kv(absl::string_view key, int64_t value);
  Line& Kv(absl::string_view key, int value) { return Kv(key, static_cast<int64_t>(value)); }
  Line& Kv(absl::string_view key, uint64_t value);
  Line& Kv(absl::string_view key, double value);
  Line& Kv(absl::string_view key, bool value);

 private:
  bool enabled_;
  Level level_;
  nlohmann::json fields_;
};

inline Line Debug(absl::string_view event) { return Line(Level::kDebug, event); }
inline Line Info(absl::string_view event) { return Line(Level::kInfo, event); }
inline Line Warn(absl::string_view event) { return Line(Level::kWarn, event); }
inline Line Error(absl::string_view event) { return Line(Level::kError, event); }

}  // namespace shopcast::log
