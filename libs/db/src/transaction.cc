#include "shopcast/db/transaction.h"

#include <algorithm>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/time/clock.h"

namespace shopcast::db::internal {

void SleepBeforeRetry(int attempt) {
  // 5ms, 10ms, 20ms, ... capped at 250ms; drawn from [d/2, d] so that the transactions that
  // just collided don't collide again in lockstep.
  const absl::Duration d = std::min(
      absl::Milliseconds(5) * (int64_t{1} << std::min(attempt - 1, 10)), absl::Milliseconds(250));
  absl::BitGen gen;
  absl::SleepFor(d * absl::Uniform(gen, 0.5, 1.0));
}

}  // namespace shopcast::db::internal
