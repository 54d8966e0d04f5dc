#pragma once

// Closes auctions on time without anyone calling CloseAuction. Every replica runs one closer;
// each round claims due auctions one at a time with FOR UPDATE SKIP LOCKED and closes each in
// its own transaction, so an auction is closed by exactly one replica, a replica that dies
// mid-close leaves it to the next round (its transaction rolls back), and a restart loses
// nothing: the due time is the stored ends_at, which anti-sniping moves.

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auctions/auction_store.h"

namespace shopcast::product_inventory::auctions {

class AuctionCloser {
 public:
  // Looks for due auctions every `interval`.
  AuctionCloser(AuctionStore& store, absl::Duration interval);
  ~AuctionCloser();  // Stop()s.

  void Start();
  // Finishes the close in progress, then returns. Idempotent.
  void Stop();

 private:
  void Run();
  // Closes every auction due now; false on a database error.
  bool Round();

  AuctionStore& store_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::auctions
