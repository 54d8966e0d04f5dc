#pragma once

// The rooms' entry counts, coalesced: after an entry commits, its lottery is marked in memory;
// every `interval` one loop writes, per marked lottery, one lottery_entries room event with
// the committed count (read in that transaction), so a burst of any size costs at most one
// event per lottery per interval and replica, never one per entrant, and no count is announced
// before it committed. A crash loses at most one interval's announcement (the next entry, or
// the draw, announces the count again).

#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lottery/lottery_store.h"

namespace shopcast::product_inventory::lottery {

class EntryEvents {
 public:
  EntryEvents(LotteryStore& store, absl::Duration interval);
  ~EntryEvents();  // Stop()s.

  // Call after an entry of `lottery_id` committed. Never blocks on the database.
  void MarkEntered(const std::string& lottery_id);

  void Start();
  // Writes what is still marked, then stops the loop. Idempotent.
  void Stop();

 private:
  void Run();
  void Flush();

  LotteryStore& store_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  std::set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::lottery
