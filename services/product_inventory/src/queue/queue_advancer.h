#pragma once

// Offers freed units to the queues' next tickets without anyone calling. Every replica runs
// one advancer; each round claims due queues one at a time with FOR UPDATE SKIP LOCKED
// (QueueStore::AdvanceOneDue) and advances each in its own transaction, so one replica offers
// each unit, a replica dying mid-round leaves the queue to the next round (its transaction
// rolls back), and a restart loses nothing: what is due is read from the tables (waiting
// tickets, free units counting expired holds, offers past their claim window).
//
// It wakes every `interval` (units freed by releases, expiries, returns and restocks on any
// replica are found then), at the earliest claim deadline, and at once on Wake() (a local
// Enqueue, Leave or ConfigureQueue).

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "queue/queue_store.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::product_inventory::queue {

class QueueAdvancer {
 public:
  // `changed(product_id)` runs after an advance that changed the product's stock committed (the
  // stock area's coalesced announcement).
  QueueAdvancer(QueueStore& store, absl::Duration interval,
                std::function<void(const std::string&)> changed);
  ~QueueAdvancer();  // Stop()s.

  void Start() { worker_.Start(); }
  // Finishes the advance in progress, then returns. Idempotent.
  void Stop() { worker_.Stop(); }
  // Runs a round soon (without waiting for the interval). Cheap; never blocks on the database.
  void Wake() { worker_.Wake(); }

 private:
  // Advances every queue due now; false on a database error.
  bool Round();
  // How long to sleep before the next round: the interval, or less to meet a claim deadline.
  absl::Duration NextWait();

  QueueStore& store_;
  const absl::Duration interval_;
  const std::function<void(const std::string&)> changed_;
  timing::PeriodicWorker worker_;  // Last: stopped before the rest goes.
};

}  // namespace shopcast::product_inventory::queue
