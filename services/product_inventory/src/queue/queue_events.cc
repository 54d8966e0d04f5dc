#include "queue/queue_events.h"

#include <vector>

#include "shopcast/log/log.h"

namespace shopcast::product_inventory::queue {

QueueEvents::QueueEvents(QueueStore& store, absl::Duration interval)
    : store_(store), interval_(interval) {}

QueueEvents::~QueueEvents() { Stop(); }

void QueueEvents::MarkDirty(const std::string& product_id) {
  absl::MutexLock lock(&mu_);
  dirty_.insert(product_id);
}

void QueueEvents::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void QueueEvents::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status QueueEvents::FlushOnce() {
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    ids.assign(dirty_.begin(), dirty_.end());
    dirty_.clear();
  }
  absl::Status first_error;
  for (const std::string& id : ids) {
    absl::StatusOr<bool> written = store_.AnnounceLength(id);
    if (!written.ok()) {
      MarkDirty(id);  // Tried again next round.
      if (first_error.ok()) first_error = written.status();
    }
  }
  return first_error;
}

void QueueEvents::Run() {
  for (;;) {
    absl::Status s = FlushOnce();
    if (!s.ok()) log::Warn("queue_events_failed").Kv("status", s.ToString());
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_);
    if (stopping_) break;
  }
  // The drained calls' last changes still reach the rooms.
  absl::Status s = FlushOnce();
  if (!s.ok()) log::Warn("queue_events_failed").Kv("status", s.ToString());
}

}  // namespace shopcast::product_inventory::queue
