#pragma once

// Group commit for Publish: appends that arrive while a transaction is committing wait and go
// together in the next one. A transaction costs the same few round trips and one commit
// whether it carries one event or two hundred, across any number of rooms, so under load the
// per-event database cost falls with the batch instead of queuing one commit per event; with
// nothing queued an event goes alone, at once, as before.
//
// Each append keeps its own outcome (a duplicate event id, an unknown or closed room is
// decided before anything is written, so one bad request never fails the others), and a
// room's events keep their arrival order. Rooms are locked in stream id order, so batches on
// several replicas never deadlock.
//
// A room this appender committed to last is usually where it left it: a batch whose rooms'
// heads it knows, with no event id repeated and nothing but product cards to keep beside the
// log, goes in one autocommitted statement (AppendAtKnownHeads: one round trip instead of the
// transaction's seven, each a wake-up of this thread and of a PostgreSQL backend). Whatever
// that statement cannot decide (a head another replica moved, a closed room, a stored event id)
// it leaves unwritten, and the batch takes the transaction, which relearns the heads.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "rooms/room_log.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::rooms {

class FeedHub;

struct AppendRequest {
  std::string stream_id;
  std::string event_id;
  pb::RoomEvent event;  // durable (not ephemeral), with a payload
};

namespace tx {

// Appends `requests` in the caller's transaction; one outcome per request, in order: the
// Appended, or NOT_FOUND ROOM_NOT_FOUND / FAILED_PRECONDITION ROOM_CLOSED. A repeated event id
// (stored before, or earlier in the batch) is a duplicate carrying the first one's sequence.
// Throws pqxx errors (the whole transaction is then to be retried or failed).
std::vector<absl::StatusOr<Appended>> AppendBatch(pqxx::work& tx,
                                                  const std::vector<AppendRequest>& requests);

}  // namespace tx

// Appends `requests` in one autocommitted statement (one round trip), numbering each room's
// events from its head in `heads` — what this appender's own last commit left there. Writes
// and answers one Appended per request, in order, only if every room is open and still at
// that head and no event id is stored already; otherwise writes nothing and answers nullopt,
// and the caller appends through tx::AppendBatch, which sorts out duplicates, closed rooms
// and moved heads. Also nullopt, without a round trip, when a request's room has no known
// head, an event id repeats within `requests`, or an event changes room state beyond a card
// upsert (StateEffectOf). Throws pqxx errors (nothing is then written, or the connection was
// lost and the outcome is unknown: a retry through the transaction path finds the event ids).
std::optional<std::vector<Appended>> AppendAtKnownHeads(
    pqxx::connection& conn, const std::vector<AppendRequest>& requests,
    const absl::flat_hash_map<std::string, int64_t>& heads);

struct BatchOptions {
  // Appends per transaction at most; the rest wait for the next one.
  int max_batch = 256;
  // How long a batch waits for more appends (up to max_batch) before it commits. Under load a
  // transaction ends before the next Publish arrives, so without it batches hold one or two
  // events; zero commits at once.
  absl::Duration linger = absl::ZeroDuration();
};

class BatchAppender {
 public:
  using Done = std::function<void(absl::StatusOr<Appended>)>;

  // `registry` may be null.
  BatchAppender(db::Pool& pool, FeedHub& hub, BatchOptions options, prometheus::Registry* registry);
  ~BatchAppender();  // Stop()s.
  BatchAppender(const BatchAppender&) = delete;
  BatchAppender& operator=(const BatchAppender&) = delete;

  void Start();
  // Appends what is queued, then returns; later Submits fail UNAVAILABLE.
  void Stop();

  // Queues `request`; `done` runs on the appender's thread after the commit (and after the
  // local subscribers were handed the event), and must not block.
  void Submit(AppendRequest request, Done done);

  // Batches appended by AppendAtKnownHeads, and through a transaction (tests, metrics).
  int64_t OneStatementBatches() const { return one_statement_batches_.load(); }
  int64_t TransactionBatches() const { return transaction_batches_.load(); }

 private:
  struct Pending {
    AppendRequest request;
    Done done;
  };
  void Loop();
  void Flush(std::vector<Pending> batch);
  // The one-statement path, when every room's head is known; nullopt when it wrote nothing.
  std::optional<std::vector<absl::StatusOr<Appended>>> TryKnownHeads(
      const std::vector<AppendRequest>& requests);
  void RememberHeads(const std::vector<AppendRequest>& requests,
                     const std::vector<absl::StatusOr<Appended>>& results);

  db::Pool& pool_;
  FeedHub& hub_;
  const BatchOptions options_;

  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  // Each room's head after this appender's last commit to it (Loop's thread only). Another
  // replica's append makes an entry stale: the statement then writes nothing and the
  // transaction path refreshes it.
  absl::flat_hash_map<std::string, int64_t> known_heads_;
  std::atomic<int64_t> one_statement_batches_{0};
  std::atomic<int64_t> transaction_batches_{0};

  prometheus::Histogram* batch_sizes_ = nullptr;
  prometheus::Counter* statement_batches_metric_ = nullptr;
  prometheus::Counter* transaction_batches_metric_ = nullptr;
};

}  // namespace shopcast::realtime_push::rooms
