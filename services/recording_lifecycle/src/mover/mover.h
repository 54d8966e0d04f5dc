#pragma once

// The mover: carries planned moves out, one object (segment, poster, clip MP4 or poster, moment
// thumbnail) at a time, as a durable state machine per object (tier_move_objects.state):
//
//   planned -> copying -> verifying -> switching -> deleting_source -> done
//   (to EXPIRED: planned -> switching -> deleting_source -> done)
//
//   copying          the source's bytes are Put in the target tier, vouched for by the SHA-256
//                    video-ingest recorded (segments.sha256); the provider refuses other bytes
//   verifying        the target copy is read back and hashed; a mismatch counts as a failed
//                    attempt and goes back to copying
//   switching        one transaction: the pointer (segments.tier, recordings.poster_tier,
//                    clips.mp4_tier / poster_tier, thumbnails.tier) moves to the target, and
//                    the state to deleting_source
//   deleting_source  the source copy is deleted (idempotent)
//
// Each step is recorded (a conditional UPDATE) before the next starts, and every step can run
// again with the same result, so a process killed at any point (kill -9) resumes where the
// database says it was: nothing is lost (the source goes only after the pointer moved to a
// verified copy) and nothing is left behind (the source delete is retried until it is done).
// Objects are leased (lease_owner/lease_until, database time, renewed by a heartbeat) so two
// replicas never work on the same object; a dead replica's lease simply runs out.
//
// Failures: UNAVAILABLE, DEADLINE_EXCEEDED, DATA_LOSS and INTERNAL are retried with exponential
// backoff up to max_attempts; then, or at once for a full target (RESOURCE_EXHAUSTED/
// STORAGE_FULL), a missing source or a refused request, the object is parked with its reason
// (and its move shows state 'parked', park_reason) and tried again after park_retry. A parked
// object still has its source: nothing is lost. A legal hold stops a move before its next
// step. When every object of a move is done, one transaction sets recordings.tier and
// tier_changed_at and enqueues recording_lifecycle.recording_tier_changed (not for a catch-up of
// clips and thumbnails, whose recording stays where it is). A clip deleted (DeleteClip) while
// its objects move is discarded: its copies in both tiers are deleted and the object is done.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/db/pool.h"
#include "storage/tier_set.h"

namespace shopcast::recording_lifecycle::mover {

struct MoverOptions {
  // This replica's lease owner name (e.g. the pod name); a random suffix is added per process.
  std::string owner = "mover";
  // Objects moved at the same time (worker threads).
  int concurrency = 2;
  // Average bytes per second across all workers; 0 = unbounded.
  int64_t bandwidth_bytes_per_second = 0;
  // How long a claimed object stays ours without a heartbeat; the heartbeat renews every third.
  absl::Duration lease = absl::Seconds(30);
  // Deadline of one provider call (a copy, a read-back, a delete).
  absl::Duration step_timeout = absl::Minutes(10);
  // How often idle workers look for due objects (a planned move also wakes them).
  absl::Duration poll = absl::Seconds(2);
  // Retries of a failing object before it is parked, and their backoff.
  int max_attempts = 6;
  absl::Duration retry_base = absl::Seconds(1);
  absl::Duration retry_max = absl::Minutes(5);
  // When a parked object is tried again.
  absl::Duration park_retry = absl::Minutes(15);
  // Local scratch folder for copies out of (and read-backs from) the cold store.
  std::filesystem::path scratch_dir = "/tmp";
  // Destinations of recording_tier_changed events (relay destination names).
  std::vector<std::string> event_destinations = {"realtime_push"};
  // How often the per-tier usage gauges are recomputed.
  absl::Duration usage_refresh = absl::Minutes(1);
};

// An object claimed for work (tier_move_objects row).
struct MoveObject {
  std::string move_id;
  std::string key;
  std::string recording_id;
  std::string kind;
  int64_t sequence = -1;
  std::string sha256;
  int64_t size = 0;
  int src_tier = 0;
  int dst_tier = 0;
  std::string state;
  int attempts = 0;
  bool parked = false;
  // clp_… / thm_… for the kinds clip, clip_poster and thumbnail.
  std::string asset_id;
};

class Mover {
 public:
  // `pool`, `tiers` and `registry` (may be null) outlive the mover. `now` is the wall clock for
  // recorded times (tier_changed_at); null = absl::Now.
  Mover(db::Pool& pool, const storage::TierSet& tiers, MoverOptions options,
        prometheus::Registry* registry, std::function<absl::Time()> now = nullptr);
  ~Mover();  // Stop()s.
  Mover(const Mover&) = delete;
  Mover& operator=(const Mover&) = delete;

  // Starts the workers and the lease heartbeat. Idempotent.
  void Start();
  // Lets the objects in progress reach their next recorded step, then returns. Idempotent.
  void Stop();
  // New work was planned: workers look at once.
  void Wake();

  // One round on the calling thread (tests, tools): claims up to `max_objects` due objects,
  // runs each as far as it goes, finishes complete moves. Returns how many objects were worked.
  absl::StatusOr<int> RunOnce(int max_objects = 100);
  // Finishes moves whose objects are all done (recordings.tier, event). Returns how many.
  absl::StatusOr<int> FinishCompleteMoves();
  // Refreshes the queue and usage gauges.
  absl::Status RefreshGauges();

  const std::string& owner() const { return owner_; }

 private:
  struct Metrics;
  class Throttle;

  void WorkerLoop();
  void HeartbeatLoop();
  absl::StatusOr<std::vector<MoveObject>> Claim(int max);
  // Runs `o` through its steps until done, a failure or a lost lease.
  void Process(MoveObject o);
  absl::Status Step(MoveObject& o);
  absl::Status Copy(MoveObject& o);
  absl::Status Verify(const MoveObject& o);
  // Records o.state -> next; ABORTED/LEASE_LOST when the row is no longer ours (or the move
  // stopped: cancelled, held).
  absl::Status Advance(MoveObject& o, const std::string& next, bool verified = false);
  absl::Status Switch(MoveObject& o);
  // A clip's object whose clip was deleted: both copies deleted, then done. False (and nothing
  // done) while the clip is there.
  absl::StatusOr<bool> Discarded(MoveObject& o);
  void Fail(const MoveObject& o, const absl::Status& error, bool restart_copy);
  void Release(const MoveObject& o);
  void Track(const MoveObject& o, bool add);
  std::filesystem::path ScratchPath(const MoveObject& o) const;

  db::Pool& pool_;
  const storage::TierSet& tiers_;
  const MoverOptions options_;
  const std::function<absl::Time()> now_;
  const std::string owner_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Throttle> throttle_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool running_ = false;  // Guarded by mu_, as are woken_ and in_flight_.
  bool stopping_ = false;
  bool woken_ = false;
  std::vector<std::string> in_flight_;  // "move_id/key" leased by this process.
  std::vector<std::thread> threads_;
  std::atomic<int64_t> last_usage_refresh_us_{0};
};

}  // namespace shopcast::recording_lifecycle::mover
