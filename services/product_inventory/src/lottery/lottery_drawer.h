#pragma once

// Draws lotteries on time without anyone calling DrawLottery. Every replica runs one drawer;
// each round claims due lotteries one at a time with FOR UPDATE SKIP LOCKED and draws each in
// its own transaction, so a lottery is drawn by exactly one replica, a replica that dies
// mid-draw leaves it to the next round (its transaction rolls back, nothing was announced),
// and a restart loses nothing: the due time is the stored closes_at.

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lottery/lottery_store.h"

namespace shopcast::product_inventory::lottery {

class LotteryDrawer {
 public:
  // Looks for due lotteries every `interval`.
  LotteryDrawer(LotteryStore& store, absl::Duration interval);
  ~LotteryDrawer();  // Stop()s.

  void Start();
  // Finishes the draw in progress, then returns. Idempotent.
  void Stop();

 private:
  void Run();
  // Draws every lottery due now; false on a database error.
  bool Round();

  LotteryStore& store_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::lottery
