#pragma once

// Bounded retries with "full jitter" exponential backoff: after the n-th failed attempt wait a
// uniformly random time in [0, min(max_backoff, initial_backoff * 2^(n-1))], so clients that
// failed together do not come back together, and no wait exceeds max_backoff.

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace shopcast::recording_lifecycle::storage {

struct RetryPolicy {
  // Attempts in all, the first included (1 = no retry).
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

// The longest wait after failed attempt `attempt` (1-based).
absl::Duration BackoffCap(const RetryPolicy& policy, int attempt);

// The wait after failed attempt `attempt` for a uniform random draw `uniform01` in [0, 1).
absl::Duration BackoffDelay(const RetryPolicy& policy, int attempt, double uniform01);

// Worth another attempt: UNAVAILABLE (network errors, 5xx, 429) and DEADLINE_EXCEEDED of one
// attempt (the call's own deadline is checked separately).
bool IsRetryable(const absl::Status& status);

}  // namespace shopcast::recording_lifecycle::storage
