#pragma once

// Delivers outbox rows (outbox.h) to sinks, at least once.
//
// Per destination, one relay at a time (several replicas may run relays): in a short
// transaction it claims undelivered rows in id order (a claim token and an expiry on the rows,
// taken under a transaction-scoped advisory lock, and only while no unexpired claim on the
// destination exists); it commits, hands the rows to the sink in one call with no transaction
// open and no connection held, then in a second short transaction marks the accepted ones
// delivered, reschedules the rest with exponential backoff, and releases the claim. A row is
// marked delivered only after its sink accepted it; if the process dies before marking, its
// claim expires after claim_ttl and the rows are delivered again (consumers dedupe with
// MarkProcessed). A row waiting out a backoff holds back later rows of the same aggregate and
// destination, so each aggregate's events arrive in commit order.

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/sink.h"

namespace shopcast::events {

struct RelayOptions {
  int batch = 100;  // Rows per destination per round.
  absl::Duration poll_interval = absl::Milliseconds(200);
  // Delay after the n-th failed attempt: min_backoff * 2^(n-1), capped, jittered to [d/2, d].
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  // How long a claim keeps other relays off a destination's rows. Longer than any delivery
  // (the sink's deadline), else a slow delivery is repeated by another relay; after a crash,
  // the destination waits this long.
  absl::Duration claim_ttl = absl::Minutes(1);
  // Delivered rows older than this are deleted by the background loop (every purge_interval).
  absl::Duration retain_delivered = absl::Hours(24);
  absl::Duration purge_interval = absl::Minutes(10);
  // Told about each failed round of the background loop (e.g. to log it); may be empty.
  std::function<void(const absl::Status&)> on_error;
};

class Relay {
 public:
  // `pool` and the sinks must outlive the relay.
  Relay(db::Pool& pool, std::map<std::string, Sink*> sinks_by_destination, RelayOptions opts = {});
  ~Relay();  // Stop()s.
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // One batch per destination; returns how many rows were delivered. Every destination is
  // tried; the first error (database, or the sink's failure) is returned after that; rows
  // delivered meanwhile stay delivered and failed ones are rescheduled regardless.
  absl::StatusOr<int> RunOnce();

  // Deletes delivered rows older than `older_than`; returns how many.
  absl::StatusOr<int> PurgeDelivered(absl::Duration older_than);

  // Runs RunOnce in a background thread: again at once while rounds deliver something, else
  // after poll_interval. Stop() waits for the current round to end. Both are idempotent; call
  // them from one thread.
  void Start();
  void Stop();

 private:
  struct Claimed {
    int64_t row_id;
    std::string event_id;
    int attempts;  // Failed attempts so far.
    std::string payload;
  };
  // Claims due rows of `destination` under `token`; empty if there are none or another relay
  // holds a claim there.
  absl::StatusOr<std::vector<Claimed>> Claim(const std::string& destination,
                                             const std::string& token);
  absl::StatusOr<int> DeliverBatch(const std::string& destination, Sink& sink);
  absl::Duration Backoff(int attempts) const;
  void Loop();

  db::Pool& pool_;
  const std::map<std::string, Sink*> sinks_;
  const RelayOptions opts_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::events
