#pragma once

// Jittered exponential backoff, shared by everything that retries (database transactions, the
// outbox relay, and the services to come).

#include "absl/time/time.h"

namespace shopcast::timing {

struct BackoffPolicy {
  absl::Duration initial;  // Delay after the first failure, before jitter.
  absl::Duration max;      // Cap on the delay before jitter.
};

// The delay after `failures` failed attempts (1 = the first): initial * 2^(failures-1), capped
// at max, then drawn uniformly from [d/2, d] so that callers that failed together don't retry
// in lockstep. Thread-safe. failures < 1 counts as 1.
absl::Duration JitteredBackoff(const BackoffPolicy& policy, int failures);

}  // namespace shopcast::timing
