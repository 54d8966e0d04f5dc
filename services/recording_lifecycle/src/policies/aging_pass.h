#pragma once

// The aging pass: evaluates every finished recording against the policy that governs it
// (recordings.policy_id, else the host's policy, else the platform default) as of a time, and
// plans the moves the rules call for (the mover carries them out), marks UNDECIDED recordings
// past their grace DELETING (the purger removes their media), or, as a dry run, only lists
// what it would do and why. Runs on a schedule (Start/Stop) and on demand (RunAgingPass).
// Recordings under legal hold, with a move open, DELETING/DELETED or EXPIRED are skipped.
// Clips and thumbnails move with their recording; those made after it moved (into the hot
// tier) are carried to its tier by a catch-up move (action CATCH_UP, reason ASSETS_LAG) once
// they are `asset_lag` old.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mover/mover.h"
#include "mover/purger.h"
#include "policies/policy.h"
#include "policies/policy_store.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "shopcast/db/pool.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::recording_lifecycle::policies {

struct AgingPassOptions {
  // Moves started per pass (RunAgingPassRequest.max_moves 0 = this).
  int batch = 100;
  // Pause between scheduled passes.
  absl::Duration interval = absl::Minutes(10);
  // RunAgingPass/DryRunAgingPass may set as_of (tests); refused otherwise (TEST_MODE_OFF).
  bool test_clock = false;
  std::vector<std::string> event_destinations = {"realtime_push"};
  // Clips and thumbnails made after their recording moved (they are cut into the hot tier)
  // follow it to its tier once they are this old (a catch-up move).
  absl::Duration asset_lag = absl::Hours(1);
};

class AgingPass {
 public:
  // `mover`/`purger` (may be null) are woken when a pass gives them work. Everything outlives
  // the pass; `registry` may be null; `now` null = absl::Now.
  AgingPass(db::Pool& pool, PolicyStore& store, mover::Mover* mover, mover::Purger* purger,
            AgingPassOptions options, prometheus::Registry* registry,
            std::function<absl::Time()> now = nullptr);
  ~AgingPass();

  // Scheduled passes as of now.
  void Start();
  void Stop();

  const AgingPassOptions& options() const { return options_; }
  absl::Time Now() const { return now_(); }

  absl::StatusOr<pb::RunAgingPassResponse> Run(absl::Time as_of, int max_moves);
  absl::StatusOr<pb::DryRunAgingPassResponse> DryRun(absl::Time as_of, int max_results);

 private:
  struct Candidate {
    RecordingFacts facts;
    std::string policy_id;
  };
  struct Lagging {
    std::string recording_id;
    int tier = 0;
  };
  // READY recordings (no hold, no open move) with clips or thumbnails outside their tier made
  // before as_of - asset_lag; at most `limit`.
  absl::StatusOr<std::vector<Lagging>> LaggingAssets(absl::Time as_of, int limit);
  // Calls `fn` for each candidate with its policy's decision, in id order; stops when fn
  // returns false.
  absl::Status ForEachDecision(
      absl::Time as_of,
      const std::function<bool(const Candidate&, const pb::AgingPolicy&, const Decision&)>& fn);

  db::Pool& pool_;
  PolicyStore& store_;
  mover::Mover* mover_;
  mover::Purger* purger_;
  const AgingPassOptions options_;
  const std::function<absl::Time()> now_;
  std::shared_ptr<prometheus::Registry> own_registry_;
  prometheus::Family<prometheus::Counter>* decisions_;
  std::unique_ptr<timing::PeriodicWorker> worker_;
};

}  // namespace shopcast::recording_lifecycle::policies
