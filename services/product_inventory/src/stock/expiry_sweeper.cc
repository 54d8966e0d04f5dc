#include "stock/expiry_sweeper.h"

#include "shopcast/log/log.h"

namespace shopcast::product_inventory::stock {
namespace {

timing::PeriodicWorker::Options WorkerOptions(absl::Duration interval) {
  timing::PeriodicWorker::Options options;
  options.interval = interval;
  // Tidying can wait: a failed pass is retried at the next interval, with no growing pause.
  options.max_backoff = interval;
  return options;
}

}  // namespace

ExpirySweeper::ExpirySweeper(StockStore& store, Options options, const timing::SteadyClock& clock)
    : store_(store),
      options_(options),
      worker_(
          WorkerOptions(options.interval), [this] { return Pass(); }, clock) {}

ExpirySweeper::~ExpirySweeper() { Stop(); }

bool ExpirySweeper::Pass() {
  absl::StatusOr<int64_t> tidied = store_.SweepExpired(options_.products_per_pass);
  if (!tidied.ok()) {
    log::Warn("stock_sweep_failed").Kv("status", tidied.status().ToString());
    return false;
  }
  units_tidied_ += *tidied;
  return true;
}

}  // namespace shopcast::product_inventory::stock
