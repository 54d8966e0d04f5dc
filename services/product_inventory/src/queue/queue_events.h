#pragma once

// Queue lengths announced to the rooms, coalesced. A hot drop takes thousands of tickets a
// second; the room needs to see the line grow, not every ticket. Enqueue and Leave mark the
// product after their commit; every `interval` one loop writes, per marked product of a stream,
// ONE queue_updated room event with the committed length (read in the event's own
// transaction, so it never precedes the change). Offers, cancellations and on/off switches
// announce themselves in their own transactions (QueueStore). Marks live in memory: a crash
// loses at most one interval's length update (the next change announces the current length).

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "queue/queue_store.h"

namespace shopcast::product_inventory::queue {

class QueueEvents {
 public:
  QueueEvents(QueueStore& store, absl::Duration interval);
  ~QueueEvents();  // Stop()s.

  // After a committed change of `product_id`'s queue length. Cheap; never blocks.
  void MarkDirty(const std::string& product_id);
  void Start();
  // Writes what is still marked, then stops. Idempotent.
  void Stop();
  // One round now, on the caller's thread.
  absl::Status FlushOnce();

 private:
  void Run();

  QueueStore& store_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::queue
