#include "common/due_rounds.h"

#include <string>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory {

void LogRoundFailure(absl::string_view event, const absl::Status& status) {
  log::Warn(event)
      .Kv("code", absl::StatusCodeToString(status.code()))
      .Kv("reason", ReasonOf(status))
      .Kv("detail", std::string(status.message()));
}

bool HandleAllDue(const timing::PeriodicWorker& worker,
                  const std::function<absl::StatusOr<bool>()>& one_due,
                  absl::string_view failure_event) {
  while (!worker.stop_requested()) {
    absl::StatusOr<bool> handled = one_due();
    if (!handled.ok()) {
      LogRoundFailure(failure_event, handled.status());
      return false;
    }
    if (!*handled) return true;
  }
  return true;
}

}  // namespace shopcast::product_inventory
