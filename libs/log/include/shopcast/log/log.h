#pragma once

// Structured logging: one JSON object per line on stderr, e.g.
//   shopcast::log::Info("rpc").Kv("method", m).Kv("status", "OK").Kv("ms", 3.2);
// The process-wide sink (level, service name, writer) is the one deliberate piece of global
// state: every thread of a binary logs to the same stream, and threading a logger through every
// constructor would buy nothing. Never log secrets: tokens, passwords, stream keys, DSNs.
//
// Logging never blocks on stderr. A line is handed, unformatted, to a bounded queue; one writer
// thread formats queued lines in batches and writes each batch with one write(2). When stderr
// stalls (a full pipe nobody reads) and the queue is full, new lines are dropped and counted
// (DroppedLines(), and the `log_lines_dropped_total` counter of Metrics()) instead of stalling
// the threads that log, the gRPC threads among them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"

namespace shopcast::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn"/"warning", "error" (case-insensitive).
bool ParseLevel(absl::string_view text, Level* out);

// Sets the minimum level and the `service` field of every line. Call once from main.
void Configure(Level min_level, absl::string_view service);

// True if lines at `level` are written.
bool Enabled(Level level);

// Redirects output into `capture`, written synchronously (tests only); nullptr restores stderr.
void CaptureForTesting(std::string* capture);

// Waits up to `timeout` for every line queued so far to be written; false if time ran out (a
// stalled stderr). Runs by itself, for a second at most, when the process exits normally.
bool Flush(absl::Duration timeout);

// Lines dropped since start because the queue was full (stderr slower than the logging).
uint64_t DroppedLines();

// The logger's own metrics (`log_lines_dropped_total`), for a Prometheus exposer. Lives forever.
std::shared_ptr<prometheus::Collectable> Metrics();

namespace internal {

struct Field {
  enum class Kind : uint8_t { kString, kInt, kUint, kDouble, kBool };
  std::string key;
  Kind kind = Kind::kString;
  std::string text;  // kString
  union {
    int64_t i;
    uint64_t u;
    double d;
    bool b;
  } num{};
};

// A line as logged, formatted later by the writer.
struct Record {
  absl::Time ts;
  Level level = Level::kInfo;
  std::string event;
  std::vector<Field> fields;
};

}  // namespace internal

// One log line; handed to the writer when destroyed. Keys should be snake_case; a key given
// twice keeps its last value.
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
  internal::Field& Slot(absl::string_view key);

  bool enabled_;
  internal::Record record_;
};

inline Line Debug(absl::string_view event) { return Line(Level::kDebug, event); }
inline Line Info(absl::string_view event) { return Line(Level::kInfo, event); }
inline Line Warn(absl::string_view event) { return Line(Level::kWarn, event); }
inline Line Error(absl::string_view event) { return Line(Level::kError, event); }

}  // namespace shopcast::log
