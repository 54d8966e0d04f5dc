#include "engagement/sweeper.h"

#include "absl/time/clock.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {

absl::StatusOr<int> Sweeper::RunOnce() {
  int rooms = 0;
  for (;;) {
    ASSIGN_OR_RETURN(Swept swept, store_.SweepExpired(absl::Now(), options_.batch));
    for (const ViewerChange& c : swept.changes) {
      coalescer_.Changed(c.stream_id, CountsKind::kViewers, c.version);
    }
    rooms += static_cast<int>(swept.changes.size());
    if (swept.sessions < options_.batch) return rooms;  // a full batch may have left more
  }
}

void Sweeper::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval)) return;
      }
      absl::StatusOr<int> swept = RunOnce();
      if (!swept.ok()) {
        log::Warn("presence_sweep_failed").Kv("detail", std::string(swept.status().message()));
      }
    }
  });
}

void Sweeper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace shopcast::realtime_push::engagement
