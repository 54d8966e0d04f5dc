#pragma once

// The purger: a recording with status DELETING (the host's DELETE, or UNDECIDED past its
// policy's undecided_grace) loses every object in every tier: its segments, its poster, and
// everything under "rec_<id>/" (clips, thumbnails) and "<stream_id>/" (what video-ingest left
// in the stream's folder), listed in each tier; then, in one transaction, status DELETED, the
// media pointers EXPIRED, and recording_lifecycle.recording_deleted enqueued. Metadata and
// markers stay.
//
// Durable and resumable: the first step (one transaction) cancels any open move of the
// recording and opens a 'purge' move, which tells SetLegalHold the media is already going;
// every delete is idempotent and a recording stays DELETING until a listing of every tier
// finds nothing left, so a crash at any point is finished by the next round. A recording under
// legal hold is never purged (it stays DELETING until the hold is lifted). Objects a mover is
// still working on (a live lease of a cancelled move) postpone the purge to a later round.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "shopcast/db/pool.h"
#include "shopcast/timing/periodic_worker.h"
#include "storage/tier_set.h"

namespace shopcast::recording_lifecycle::mover {

struct PurgerOptions {
  // Recordings per round.
  int batch = 20;
  // Pause between rounds.
  absl::Duration interval = absl::Seconds(10);
  // Deadline of each provider call.
  absl::Duration call_timeout = absl::Minutes(2);
  // Destinations of recording_deleted events.
  std::vector<std::string> event_destinations = {"realtime_push"};
};

class Purger {
 public:
  // Everything outlives the purger; `registry` may be null; `now` null = absl::Now.
  Purger(db::Pool& pool, const storage::TierSet& tiers, PurgerOptions options,
         prometheus::Registry* registry, std::function<absl::Time()> now = nullptr);
  ~Purger();

  void Start();
  void Stop();
  void Wake();

  // One round on the calling thread: purges up to options.batch DELETING recordings. Returns
  // how many reached DELETED.
  absl::StatusOr<int> RunOnce();
  // Purges one recording; OK with false when it must wait (hold, live lease, not DELETING).
  absl::StatusOr<bool> Purge(const std::string& recording_id);

 private:
  db::Pool& pool_;
  const storage::TierSet& tiers_;
  const PurgerOptions options_;
  const std::function<absl::Time()> now_;
  std::shared_ptr<prometheus::Registry> own_registry_;
  prometheus::Family<prometheus::Counter>* purges_;
  std::unique_ptr<timing::PeriodicWorker> worker_;
};

}  // namespace shopcast::recording_lifecycle::mover
