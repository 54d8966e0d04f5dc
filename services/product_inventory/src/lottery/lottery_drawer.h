#pragma once

// Draws lotteries on time without anyone calling DrawLottery. Every replica runs one drawer;
// each round claims due lotteries one at a time with FOR UPDATE SKIP LOCKED and draws each in
// its own transaction, so a lottery is drawn by exactly one replica, a replica that dies
// mid-draw leaves it to the next round (its transaction rolls back, nothing was announced),
// and a restart loses nothing: the due time is the stored closes_at.

#include "absl/time/time.h"
#include "lottery/lottery_store.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::product_inventory::lottery {

class LotteryDrawer {
 public:
  // Looks for due lotteries every `interval` (after a failed round, a pause that doubles up to
  // 30 s: a failing database or draw is retried, not hammered).
  LotteryDrawer(LotteryStore& store, absl::Duration interval);
  ~LotteryDrawer();  // Stop()s.

  void Start() { worker_.Start(); }
  // Finishes the draw in progress, then returns. Idempotent.
  void Stop() { worker_.Stop(); }

 private:
  // Draws every lottery due now; false on a database error.
  bool Round();

  LotteryStore& store_;
  timing::PeriodicWorker worker_;  // Last: stopped before the rest goes.
};

}  // namespace shopcast::product_inventory::lottery
