#include "shopcast/timing/backoff.h"

#include <algorithm>

#include "absl/random/distributions.h"
#include "absl/random/random.h"

namespace shopcast::timing {

absl::Duration JitteredBackoff(const BackoffPolicy& policy, int failures) {
  absl::Duration d = policy.initial;
  // Doubling stops at the cap, so a huge failure count can't overflow.
  for (int i = 1; i < failures && d < policy.max; ++i) d *= 2;
  d = std::min(d, policy.max);
  absl::BitGen gen;
  return d * absl::Uniform(gen, 0.5, 1.0);
}

}  // namespace shopcast::timing
