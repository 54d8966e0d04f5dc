#pragma once

// The rounds of the service's background workers (timing::PeriodicWorker): the auction closer,
// the lottery drawer and the queue advancer each claim due work one transaction at a time
// (FOR UPDATE SKIP LOCKED) until none is left, and log a failed round the same way.

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::product_inventory {

// One warning line `event` with the status's code, reason and message.
void LogRoundFailure(absl::string_view event, const absl::Status& status);

// One round: calls `one_due` (true: it handled one due item, false: none is due) until none is
// due or `worker` is stopping. False (logged as `failure_event`) when `one_due` fails, so the
// worker backs off.
bool HandleAllDue(const timing::PeriodicWorker& worker,
                  const std::function<absl::StatusOr<bool>()>& one_due,
                  absl::string_view failure_event);

}  // namespace shopcast::product_inventory
