#include "shopcast/log/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace shopcast::log {
namespace {

struct Sink {
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
  std::mutex mu;  // guards service and capture, and serialises writes
  std::string service;
  std::string* capture = nullptr;
};

Sink& TheSink() {
  static Sink* sink = new Sink();  // never destroyed: threads may log during exit
  return *sink;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
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

Line::Line(Level level, absl::string_view event) : enabled_(Enabled(level)), level_(level) {
  if (!enabled_) return;
  fields_ = nlohmann::json::object();
  fields_["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  fields_["level"] = LevelName(level_);
  fields_["event"] = Str(event);
}

Line::~Line() {
  if (!enabled_) return;
  Sink& s = TheSink();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.service.empty()) fields_["service"] = s.service;
  // `replace` keeps a line with invalid UTF-8 (say, a hostile username) loggable.
  std::string text = fields_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  if (s.capture != nullptr) {
    s.capture->append(text);
  } else {
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
}

Line& Line::Kv(absl::string_view key, absl::string_view value) {
  if (enabled_) fields_[Str(key)] = Str(value);
  return *this;
}
Line& Line::Kv(absl::string_view key, int64_t value) {
  if (enabled_) fields_[Str(key)] = value;
  return *this;
}
Line& Line::Kv(absl::string_view key, uint64_t value) {
  if (enabled_) fields_[Str(key)] = value;
  return *this;
}
Line& Line::Kv(absl::string_view key, double value) {
  if (enabled_) fields_[Str(key)] = value;
  return *this;
}
Line& Line::Kv(absl::string_view key, bool value) {
  if (enabled_) fields_[Str(key)] = value;
  return *this;
}

}  // namespace shopcast::log
