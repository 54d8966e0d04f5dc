#pragma once

// Resumes every saga nobody runs: orders left mid-saga by a process that died (their lease
// lapsed), orders that stopped because a peer was unavailable, pending payments past their
// wait. Runs at start and then periodically on every replica; the claim (a lease taken with
// FOR UPDATE SKIP LOCKED) gives each order to one replica. Also deletes expired idempotency
// keys.

#include <memory>

#include "absl/time/time.h"
#include "checkout/order_store.h"
#include "checkout/saga.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::order::checkout {

class Recovery {
 public:
  struct Options {
    absl::Duration interval = absl::Seconds(1);
    // Orders claimed per round.
    int batch = 20;
  };
  Recovery(OrderStore& store, CheckoutSaga& saga, Options options);

  // One round; false when the database failed.
  bool RunOnce();
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }

 private:
  OrderStore& store_;
  CheckoutSaga& saga_;
  const Options options_;
  timing::PeriodicWorker worker_;
};

}  // namespace shopcast::order::checkout
