#include "rooms/retention.h"

#include "absl/time/clock.h"
#include "shopcast/log/log.h"

namespace shopcast::realtime_push::rooms {

absl::StatusOr<int64_t> Retention::RunOnce() {
  return log_.Purge(options_.keep_events, absl::Now() - options_.keep_age);
}

void Retention::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval)) return;
      }
      absl::StatusOr<int64_t> purged = RunOnce();
      if (!purged.ok()) {
        log::Warn("room_purge_failed").Kv("detail", std::string(purged.status().message()));
      } else if (*purged > 0) {
        log::Info("room_events_purged").Kv("count", *purged);
      }
    }
  });
}

void Retention::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace shopcast::realtime_push::rooms
