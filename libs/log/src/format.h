#pragma once

// JSON rendering of log records, done by the writer thread (or by the capturing thread in
// tests), never by the thread that logs.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "shopcast/log/log.h"

namespace shopcast::log::internal {

// Remembers the formatted second of the last timestamp: lines come in bursts within a second.
struct TimeCache {
  int64_t second = INT64_MIN;
  std::string prefix;  // "2026-12-02T17:25:38"
};

// Appends `s` as a JSON string; bytes that are not valid UTF-8 become U+FFFD, so a hostile
// value can neither break the line nor make it unparseable.
void AppendJsonString(absl::string_view s, std::string* out);

// Appends `rec` as one JSON object and a newline: ts, level, service (when not empty), event,
// then the fields in the order given.
void AppendJsonLine(const Record& rec, absl::string_view service, TimeCache& times,
                    std::string* out);

// Bytes a queued record holds, roughly (the queue's memory bound).
size_t ApproximateBytes(const Record& rec);

}  // namespace shopcast::log::internal
