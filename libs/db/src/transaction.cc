#include "shopcast/db/transaction.h"

#include "absl/time/clock.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::db::internal {

void SleepBeforeRetry(int attempt) {
  // 5ms, 10ms, 20ms, ... capped at 250ms, jittered so that the transactions that just collided
  // don't collide again in lockstep.
  absl::SleepFor(
      timing::JitteredBackoff({absl::Milliseconds(5), absl::Milliseconds(250)}, attempt));
}

}  // namespace shopcast::db::internal
