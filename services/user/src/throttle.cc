#include "throttle.h"

#include <algorithm>

namespace shopcast::user {

absl::Duration BlockAfter(int failures, const ThrottlePolicy& policy) {
  int over = failures - policy.free_failures;
  if (over <= 0) return absl::ZeroDuration();
  // 2^(over-1) seconds, computed without overflow: 30 doublings already exceed any cap.
  absl::Duration d = policy.base_delay * (int64_t{1} << std::min(over - 1, 30));
  return std::min(d, policy.max_delay);
}

}  // namespace shopcast::user
