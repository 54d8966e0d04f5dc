#pragma once

// Delivers outbox rows (outbox.h) to sinks, at least once.
//
// Per destination, one relay at a time (several replicas may run relays): in a short
// transaction it claims undelivered rows in id order (a claim token and an expiry on the rows,
// taken under a transaction-scoped advisory lock, and only while no unexpired claim on the
// destination exists); it commits, hands the rows to the sink in one call with no transaction
// open and no connection held, then in a second short transaction marks the accepted ones
// delivered, reschedules the rest with exponential backoff, and releases the claim. A row is
// marked delivered only after its sink accepted it; if that second transaction fails (the
// database went away), the relay records the answer first thing on the destination's next
// round; the claim is renewed every claim_ttl/3 while the sink works, so if the process dies
// before marking, its claim expires within claim_ttl (5 s) and the rows are delivered again
// (consumers dedupe with MarkProcessed). A row waiting out a backoff holds back later rows of
// the same aggregate and destination, so each aggregate's events arrive in commit order.
//
// The background loop (Start) LISTENs on kOutboxChannel over a session of its own, so a commit
// that enqueued events starts a round at once; poll_interval is the fallback for notifications
// that never came (the session dropped; it is reopened with backoff meanwhile).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/sink.h"

namespace shopcast::events {

class OutboxListener;  // src/outbox_listener.h

struct RelayOptions {
  int batch = 100;  // Rows per destination per round.
  // The background loop's longest wait between rounds: a commit's notification ends it sooner,
  // so this bounds only how late events whose notification was lost go out.
  absl::Duration poll_interval = absl::Milliseconds(200);
  // Delay after the n-th failed attempt: min_backoff * 2^(n-1), capped, jittered to [d/2, d].
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  // How long a claim keeps other relays off a destination's rows past its holder's last sign
  // of life: the holder renews it every claim_ttl/3 while its sink works (a heartbeat), so a
  // slow delivery keeps it, and a holder that died (SIGKILL, a lost host) frees the destination
  // within claim_ttl. Keep it well above a renewal's round trip to the database.
  absl::Duration claim_ttl = absl::Seconds(5);
  // Delivered rows older than this are deleted by the background loop (every purge_interval).
  absl::Duration retain_delivered = absl::Hours(24);
  absl::Duration purge_interval = absl::Minutes(10);
  // Told about each failed round of the background loop, and about its wake-up connection
  // failing (reason OUTBOX_LISTEN_LOST / OUTBOX_LISTEN_FAILED), e.g. to log it; may be empty.
  std::function<void(const absl::Status&)> on_error;
  // Delay before reopening the wake-up connection after it failed n times: min * 2^(n-1),
  // capped, jittered. The loop polls every poll_interval meanwhile.
  absl::Duration listen_min_backoff = absl::Milliseconds(100);
  absl::Duration listen_max_backoff = absl::Seconds(30);
  // Where to register the shopcast_outbox_* metrics (per destination; README.md); may be null.
  // Must outlive the relay.
  prometheus::Registry* metrics = nullptr;
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
  // when a commit notifies kOutboxChannel, a row this relay rescheduled falls due, or
  // poll_interval has passed. With a metrics registry it also refreshes the pending gauges
  // (one query) after each round that found nothing left to deliver. Stop() waits for the
  // current round to end. Both are idempotent; call them from one thread.
  void Start();
  void Stop();

 private:
  struct Claimed {
    int64_t row_id;
    std::string event_id;
    int attempts;  // Failed attempts so far.
    std::string payload;
  };
  struct DestinationMetrics {
    prometheus::Gauge* pending;
    prometheus::Gauge* oldest_pending_age;
    prometheus::Counter* delivered;
    prometheus::Counter* failed;
  };
  // Claims due rows of `destination` under `token`; empty if there are none or another relay
  // holds a claim there.
  absl::StatusOr<std::vector<Claimed>> Claim(const std::string& destination,
                                             const std::string& token);
  // Lowers `*soonest_retry` to the delay of any row it reschedules.
  absl::StatusOr<int> DeliverBatch(const std::string& destination, Sink& sink,
                                   absl::Duration* soonest_retry);
  absl::StatusOr<int> RunRound(absl::Duration* soonest_retry);
  // The sink's answer for claimed rows, to record under the claim's token (second transaction).
  struct Answer {
    std::string token;
    std::vector<int64_t> delivered;
    std::vector<int64_t> retry_ids, retry_delays_us;
    std::string failure;
    std::vector<int64_t> parked_ids, parked_delays_us;
  };
  // Records `answer` and releases its claim; the number of rows marked delivered.
  absl::StatusOr<int> Record(const Answer& answer);
  // Sets the pending and oldest-pending-age gauges of every destination from one query.
  absl::Status RefreshBacklogMetrics();
  absl::Duration Backoff(int attempts) const;
  bool Stopping();
  void Loop();

  db::Pool& pool_;
  const std::map<std::string, Sink*> sinks_;
  const RelayOptions opts_;
  // Per destination; empty without a registry. Prometheus metrics are thread-safe.
  std::map<std::string, DestinationMetrics> metrics_;
  // Used by the background thread only, apart from Interrupt().
  const std::unique_ptr<OutboxListener> listener_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Answers this relay could not record (its database went away between Deliver and marking),
  // per destination: recorded first on that destination's next round, so a live relay does not
  // sit out its own claim for claim_ttl and the rows the sink took are not sent again.
  absl::Mutex unrecorded_mu_;
  std::map<std::string, Answer> unrecorded_ ABSL_GUARDED_BY(unrecorded_mu_);
  std::thread thread_;
};

}  // namespace shopcast::events
