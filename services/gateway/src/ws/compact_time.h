#pragma once

// An absl::Time in 8 bytes instead of 16 (Unix nanoseconds, so years 1678..2261; the infinite
// past and future kept as such). Every idle WebSocket keeps about ten instants, and at 10,000
// sockets the difference is a tenth of the memory budget of one.

#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace shopcast::gateway::ws {

class CompactTime {
 public:
  CompactTime(absl::Time t = absl::InfinitePast())  // NOLINT: converts both ways on purpose
      : ns_(t == absl::InfiniteFuture() ? kFuture
            : t == absl::InfinitePast() ? kPast
                                        : absl::ToUnixNanos(t)) {}
  operator absl::Time() const {  // NOLINT
    if (ns_ == kFuture) return absl::InfiniteFuture();
    if (ns_ == kPast) return absl::InfinitePast();
    return absl::FromUnixNanos(ns_);
  }
  absl::Time get() const { return *this; }

 private:
  static constexpr int64_t kFuture = std::numeric_limits<int64_t>::max();
  static constexpr int64_t kPast = std::numeric_limits<int64_t>::min();
  int64_t ns_;
};

}  // namespace shopcast::gateway::ws
