#pragma once

// Monotonic time for elapsed times and timeouts: unlike the wall clock it never jumps when NTP
// or an operator sets the time. The wall clock is only for program date times.

#include <chrono>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

// Time since an arbitrary origin (the machine's boot); only differences mean anything.
inline absl::Duration SteadyNow() {
  return absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace shopcast::video_ingest::media
