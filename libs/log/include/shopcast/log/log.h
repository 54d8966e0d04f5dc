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

#include "absl/container/inlined_vector.h"
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

// Where a line's text may grow inline before spilling to the heap: an access-log line (method,
// service, code, request id, reason) fits, so logging one allocates nothing.
inline constexpr size_t kInlineBytes = 320;
inline constexpr size_t kInlineFields = 10;

// One field; its key and string value are ranges of the record's `bytes`.
struct Field {
  enum class Kind : uint8_t { kString, kInt, kUint, kDouble, kBool };
  union {
    int64_t i;
    uint64_t u;
    double d;
    bool b;
  } num{};
  uint32_t key_at = 0;
  uint32_t key_size = 0;
  uint32_t text_at = 0;  // kString
  uint32_t text_size = 0;
  Kind kind = Kind::kString;
};

// A line as logged, formatted later by the writer. The event, keys and string values share one
// buffer, kept inline with the fields, so a line is built and queued without an allocation.
struct Record {
  absl::Time ts;
  Level level = Level::kInfo;
  uint32_t event_size = 0;  // the event is bytes[0, event_size)
  absl::InlinedVector<char, kInlineBytes> bytes;
  absl::InlinedVector<Field, kInlineFields> fields;

  absl::string_view event() const { return {bytes.data(), event_size}; }
  absl::string_view key(const Field& f) const { return {bytes.data() + f.key_at, f.key_size}; }
  absl::string_view text(const Field& f) const { return {bytes.data() + f.text_at, f.text_size}; }
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
  // The field named `key` (added if new); nullptr once the line is too long to keep.
  internal::Field* Slot(absl::string_view key);
  // Appends `text` to the record's bytes and returns where it starts; false if too long.
  bool Append(absl::string_view text, uint32_t* at);

  bool enabled_;
  bool too_long_ = false;  // dropped (and counted) rather than queued
  internal::Record record_;
};

inline Line Debug(absl::string_view event) { return Line(Level::kDebug, event); }
inline Line Info(absl::string_view event) { return Line(Level::kInfo, event); }
inline Line Warn(absl::string_view event) { return Line(Level::kWarn, event); }
inline Line Error(absl::string_view event) { return Line(Level::kError, event); }

}  // namespace shopcast::log
