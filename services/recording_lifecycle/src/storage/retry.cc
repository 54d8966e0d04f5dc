#include "storage/retry.h"

#include <algorithm>

namespace shopcast::recording_lifecycle::storage {

absl::Duration BackoffCap(const RetryPolicy& policy, int attempt) {
  absl::Duration cap = policy.initial_backoff;
  for (int i = 1; i < attempt && cap < policy.max_backoff; ++i) cap *= 2;
  return std::min(cap, policy.max_backoff);
}

absl::Duration BackoffDelay(const RetryPolicy& policy, int attempt, double uniform01) {
  uniform01 = std::clamp(uniform01, 0.0, 1.0);
  return BackoffCap(policy, attempt) * uniform01;
}

bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace shopcast::recording_lifecycle::storage
