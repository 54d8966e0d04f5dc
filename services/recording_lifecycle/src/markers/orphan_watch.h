#pragma once

// The markers' integrity report: markers not placed `grace` after they arrived (their stream
// never got a recording, or the segments that would cover them never came) are counted in the
// gauge recording_lifecycle_orphan_markers and logged (orphan_markers, with the oldest few)
// every `interval` — never silently dropped. Placed markers point into an existing segment of
// their own recording by construction (V003's foreign key).

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "markers/marker_store.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/db/pool.h"

namespace shopcast::recording_lifecycle::markers {

class OrphanWatch {
 public:
  // Everything outlives the object; `metrics` may be null.
  OrphanWatch(db::Pool& pool, absl::Duration grace, absl::Duration interval,
              prometheus::Registry* metrics);
  ~OrphanWatch();  // Stop()s.

  // One report now (also what the loop runs).
  absl::StatusOr<OrphanReport> RunOnce();
  void Start();
  void Stop();

 private:
  db::Pool& pool_;
  const absl::Duration grace_;
  const absl::Duration interval_;
  prometheus::Gauge* orphans_ = nullptr;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::recording_lifecycle::markers
