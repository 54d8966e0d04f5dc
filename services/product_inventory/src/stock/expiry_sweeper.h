#pragma once

// Tidies expired holds in the background. Only tidies: an expired hold is already not counted
// by any read or Reserve, so a stopped or slow sweeper changes nobody's view of the stock; it
// keeps the partial indexes of active holds small and the counters close to the truth.

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "shopcast/timing/clock.h"
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
  void Start();
  void Stop();

  // Units tidied so far (for tests and metrics).
  int64_t units_tidied() const;

 private:
  void Run();

  StockStore& store_;
  const Options options_;
  const timing::SteadyClock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_, as is units_tidied_.
  int64_t units_tidied_ = 0;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::stock
