#pragma once

// Tidies expired holds in the background. Only tidies: an expired hold is already not counted
// by any read or Reserve, so a stopped or slow sweeper changes nobody's view of the stock; it
// keeps the partial indexes of active holds small and the counters close to the truth.

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "shopcast/timing/clock.h"
#include "shopcast/timing/periodic_worker.h"
#include "stock/stock_store.h"

namespace shopcast::product_inventory::stock {

class ExpirySweeper {
 public:
  struct Options {
    absl::Duration interval = absl::Seconds(10);
    // Products tidied per pass (one transaction each).
    int products_per_pass = 100;
  };

  // `store` and `clock` (which times the passes) outlive the sweeper.
  ExpirySweeper(StockStore& store, Options options,
                const timing::SteadyClock& clock = timing::SteadyClock::Real());
  // Stops the thread.
  ~ExpirySweeper();
  ExpirySweeper(const ExpirySweeper&) = delete;
  ExpirySweeper& operator=(const ExpirySweeper&) = delete;

  // Starts the background thread; a pass runs at once, then every interval.
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }

  // Units tidied so far (for tests and metrics).
  int64_t units_tidied() const { return units_tidied_.load(); }

 private:
  // One pass; false when it failed.
  bool Pass();

  StockStore& store_;
  const Options options_;
  std::atomic<int64_t> units_tidied_{0};
  timing::PeriodicWorker worker_;  // Last: stopped before the rest goes.
};

}  // namespace shopcast::product_inventory::stock
