#pragma once

// Checks every area applies to what the peers send (events, request fields) before trusting it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "google/protobuf/timestamp.pb.h"

namespace shopcast::recording_lifecycle {

// An id another service made (order, product, session, auction, host…): opaque to us, but only
// letters, digits and "_-." and at most `max_bytes`, so it is safe in logs, keys and URLs.
inline bool IsPlainId(std::string_view id, size_t max_bytes = 64) {
  if (id.empty() || id.size() > max_bytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// 9999-01-01T00:00:00Z: no time a peer stamps is later.
inline constexpr int64_t kMaxEventSeconds = 253370764800;

// A set time after the epoch and before kMaxEventSeconds, with valid nanos.
inline bool IsValidEventTime(const google::protobuf::Timestamp& t) {
  return t.seconds() > 0 && t.seconds() < kMaxEventSeconds && t.nanos() >= 0 &&
         t.nanos() <= 999'999'999;
}

}  // namespace shopcast::recording_lifecycle
