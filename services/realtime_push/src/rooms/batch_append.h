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

#include <cstdint>
#include <deque>
#include <functional>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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

 private:
  struct Pending {
    AppendRequest request;
    Done done;
  };
  void Loop();
  void Flush(std::vector<Pending> batch);

  db::Pool& pool_;
  FeedHub& hub_;
  const BatchOptions options_;

  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  prometheus::Histogram* batch_sizes_ = nullptr;
};

}  // namespace shopcast::realtime_push::rooms
