#include "checkout/recovery.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {

Recovery::Recovery(OrderStore& store, CheckoutSaga& saga, Options options)
    : store_(store),
      saga_(saga),
      options_(options),
      worker_(options.interval, [this] { return RunOnce(); }) {}

bool Recovery::RunOnce() {
  const absl::Time now = absl::Now();
  if (auto deleted = store_.DeleteExpiredKeys(now); !deleted.ok()) {
    log::Warn("order_key_cleanup_failed").Kv("reason", ReasonOf(deleted.status()));
  }
  auto claimed = store_.ClaimDue(saga_.owner(), saga_.NewLeaseUntil(now), now, options_.batch);
  if (!claimed.ok()) {
    log::Warn("order_recovery_failed").Kv("reason", ReasonOf(claimed.status()));
    return false;
  }
  for (const std::string& id : *claimed) {
    if (worker_.stop_requested()) break;
    // Claimed above under this runner's name: Run finds the lease its own and goes on.
    auto outcome = saga_.Run(id);
    if (!outcome.ok()) {
      log::Warn("order_resume_failed").Kv("order_id", id).Kv("reason", ReasonOf(outcome.status()));
      continue;
    }
    log::Info("order_resumed")
        .Kv("order_id", id)
        .Kv("status", v1::OrderStatus_Name(outcome->record.order.status()))
        .Kv("step", outcome->record.step);
  }
  return true;
}

}  // namespace shopcast::order::checkout
