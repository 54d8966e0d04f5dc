#include "shopcast/log/log.h"

#include <errno.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "format.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace shopcast::log {
namespace {

using internal::Record;

// Bounds on what waits for the writer: lines are a few hundred bytes, so a full queue is a few
// seconds of heavy logging, and never more than this much memory.
constexpr size_t kMaxQueuedLines = 8192;
constexpr size_t kMaxQueuedBytes = 8 << 20;
// The writer lets lines gather for up to this long, or this many, before it formats and writes
// them: waking it (and calling write(2)) per line would cost every RPC a context switch.
constexpr auto kGatherFor = std::chrono::milliseconds(50);
constexpr size_t kGatherLines = 512;
// Records are moved in and out of the queue's storage, which is reused batch after batch; after
// a burst the writer gives back storage beyond this many records.
constexpr size_t kKeepRecords = 2 * kGatherLines;
// A line longer than this could never be queued (kMaxQueuedBytes); it is dropped and counted.
constexpr size_t kMaxLineBytes = kMaxQueuedBytes;

struct Sink {
  Sink()
      : registry(std::make_shared<prometheus::Registry>()),
        dropped_counter(&prometheus::BuildCounter()
                             .Name("log_lines_dropped_total")
                             .Help("Log lines dropped because stderr could not keep up.")
                             .Register(*registry)
                             .Add({})) {}

  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
  std::atomic<uint64_t> dropped{0};
  const std::shared_ptr<prometheus::Registry> registry;
  prometheus::Counter* const dropped_counter;

  std::mutex mu;  // guards everything below
  std::string service;
  std::string* capture = nullptr;
  std::vector<Record> queue;  // its capacity is reused: no allocation per queued line
  size_t queued_bytes = 0;
  bool writing = false;          // the writer holds a batch it has not finished writing
  bool flush_requested = false;  // write what is queued now (Flush, an error line)
  bool writer_started = false;
  std::condition_variable wake;     // the writer waits for lines
  std::condition_variable drained;  // Flush waits for the writer
};

Sink& TheSink() {
  static Sink* sink = new Sink();  // never destroyed: threads may log during exit
  return *sink;
}

void CountDropped(Sink& s, uint64_t n) {
  s.dropped.fetch_add(n, std::memory_order_relaxed);
  s.dropped_counter->Increment(static_cast<double>(n));
}

// Writes all of `text` to stderr; false if stderr refuses it (closed, or an I/O error).
bool WriteAll(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

void WriterLoop() {
  Sink& s = TheSink();
  std::vector<Record> batch;
  std::string text;
  std::string service;
  internal::TimeCache times;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(s.mu);
      s.wake.wait(lock, [&] { return !s.queue.empty() || s.flush_requested; });
      s.wake.wait_for(lock, kGatherFor,
                      [&] { return s.queue.size() >= kGatherLines || s.flush_requested; });
      s.flush_requested = false;
      if (s.queue.empty()) {
        s.drained.notify_all();
        continue;
      }
      batch.swap(s.queue);
      s.queued_bytes = 0;
      s.writing = true;
      service = s.service;
    }
    text.clear();
    for (const Record& r : batch) internal::AppendJsonLine(r, service, times, &text);
    if (!WriteAll(text)) CountDropped(s, batch.size());
    batch.clear();  // keeps the storage for the batch after next (the two vectors alternate)
    if (batch.capacity() > kKeepRecords) std::vector<Record>().swap(batch);
    if (text.capacity() > kKeepRecords * 256) std::string().swap(text);
    {
      std::lock_guard<std::mutex> lock(s.mu);
      s.writing = false;
      if (s.queue.empty()) s.drained.notify_all();
    }
  }
}

std::string Str(absl::string_view s) { return std::string(s.data(), s.size()); }

}  // namespace

bool ParseLevel(absl::string_view text, Level* out) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "debug") {
    *out = Level::kDebug;
  } else if (t == "info") {
    *out = Level::kInfo;
  } else if (t == "warn" || t == "warning") {
    *out = Level::kWarn;
  } else if (t == "error") {
    *out = Level::kError;
  } else {
    return false;
  }
  return true;
}

void Configure(Level min_level, absl::string_view service) {
  Sink& s = TheSink();
  s.min_level.store(static_cast<int>(min_level));
  std::lock_guard<std::mutex> lock(s.mu);
  s.service = Str(service);
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= TheSink().min_level.load(std::memory_order_relaxed);
}

void CaptureForTesting(std::string* capture) {
  Sink& s = TheSink();
  std::lock_guard<std::mutex> lock(s.mu);
  s.capture = capture;
}

bool Flush(absl::Duration timeout) {
  Sink& s = TheSink();
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(timeout);
  std::unique_lock<std::mutex> lock(s.mu);
  s.flush_requested = true;
  s.wake.notify_one();
  return s.drained.wait_until(lock, deadline, [&] { return s.queue.empty() && !s.writing; });
}

uint64_t DroppedLines() { return TheSink().dropped.load(std::memory_order_relaxed); }

std::shared_ptr<prometheus::Collectable> Metrics() { return TheSink().registry; }

Line::Line(Level level, absl::string_view event) : enabled_(Enabled(level)) {
  if (!enabled_) return;
  record_.ts = absl::Now();  // a timestamp shown to people: the wall clock
  record_.level = level;
  uint32_t at = 0;
  if (Append(event, &at)) record_.event_size = static_cast<uint32_t>(event.size());
}

Line::~Line() {
  if (!enabled_) return;
  Sink& s = TheSink();
  if (too_long_) {
    CountDropped(s, 1);
    return;
  }
  bool wake_writer = false;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.capture != nullptr) {
      internal::TimeCache times;
      internal::AppendJsonLine(record_, s.service, times, s.capture);
      return;
    }
    const size_t bytes = internal::ApproximateBytes(record_);
    if (s.queue.size() >= kMaxQueuedLines || s.queued_bytes + bytes > kMaxQueuedBytes) {
      CountDropped(s, 1);
      return;
    }
    if (!s.writer_started) {
      s.writer_started = true;
      // Detached: it lives as long as the process; exit flushes what is queued, briefly.
      std::thread(WriterLoop).detach();
      std::atexit([] { Flush(absl::Seconds(1)); });
    }
    // The writer is told when lines start gathering, when a batch is full, and at once for an
    // error (which may precede a crash); otherwise it is already counting down.
    if (record_.level >= Level::kError) s.flush_requested = true;
    wake_writer = s.queue.empty() || s.queue.size() + 1 == kGatherLines || s.flush_requested;
    s.queue.push_back(std::move(record_));
    s.queued_bytes += bytes;
  }
  if (wake_writer) s.wake.notify_one();
}

bool Line::Append(absl::string_view text, uint32_t* at) {
  if (too_long_ || record_.bytes.size() + text.size() > kMaxLineBytes) {
    too_long_ = true;
    return false;
  }
  *at = static_cast<uint32_t>(record_.bytes.size());
  record_.bytes.insert(record_.bytes.end(), text.begin(), text.end());
  return true;
}

internal::Field* Line::Slot(absl::string_view key) {
  for (internal::Field& f : record_.fields) {
    if (record_.key(f) == key) return &f;
  }
  uint32_t at = 0;
  if (!Append(key, &at)) return nullptr;
  internal::Field& f = record_.fields.emplace_back();
  f.key_at = at;
  f.key_size = static_cast<uint32_t>(key.size());
  return &f;
}

Line& Line::Kv(absl::string_view key, absl::string_view value) {
  if (!enabled_) return *this;
  internal::Field* f = Slot(key);
  uint32_t at = 0;
  if (f == nullptr || !Append(value, &at)) return *this;
  f->kind = internal::Field::Kind::kString;
  f->text_at = at;
  f->text_size = static_cast<uint32_t>(value.size());
  return *this;
}
Line& Line::Kv(absl::string_view key, int64_t value) {
  if (!enabled_) return *this;
  internal::Field* f = Slot(key);
  if (f == nullptr) return *this;
  f->kind = internal::Field::Kind::kInt;
  f->num.i = value;
  return *this;
}
Line& Line::Kv(absl::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  internal::Field* f = Slot(key);
  if (f == nullptr) return *this;
  f->kind = internal::Field::Kind::kUint;
  f->num.u = value;
  return *this;
}
Line& Line::Kv(absl::string_view key, double value) {
  if (!enabled_) return *this;
  internal::Field* f = Slot(key);
  if (f == nullptr) return *this;
  f->kind = internal::Field::Kind::kDouble;
  f->num.d = value;
  return *this;
}
Line& Line::Kv(absl::string_view key, bool value) {
  if (!enabled_) return *this;
  internal::Field* f = Slot(key);
  if (f == nullptr) return *this;
  f->kind = internal::Field::Kind::kBool;
  f->num.b = value;
  return *this;
}

}  // namespace shopcast::log
