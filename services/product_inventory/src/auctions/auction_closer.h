#pragma once

// Closes auctions on time without anyone calling CloseAuction. Every replica runs one closer;
// each round claims due auctions one at a time with FOR UPDATE SKIP LOCKED and closes each in
// its own transaction, so an auction is closed by exactly one replica, a replica that dies
// mid-close leaves it to the next round (its transaction rolls back), and a restart loses
// nothing: the due time is the stored ends_at, which anti-sniping moves.

#include "absl/time/time.h"
#include "auctions/auction_store.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::product_inventory::auctions {

class AuctionCloser {
 public:
  // Looks for due auctions every `interval` (after a failed round, a pause that doubles up to
  // 30 s: a failing database is retried, not hammered).
  AuctionCloser(AuctionStore& store, absl::Duration interval);
  ~AuctionCloser();  // Stop()s.

  void Start() { worker_.Start(); }
  // Finishes the close in progress, then returns. Idempotent.
  void Stop() { worker_.Stop(); }

 private:
  // Closes every auction due now; false on a database error.
  bool Round();

  AuctionStore& store_;
  timing::PeriodicWorker worker_;  // Last: stopped before the rest goes.
};

}  // namespace shopcast::product_inventory::auctions
