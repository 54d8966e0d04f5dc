#include "lottery/entry_events.h"

#include <utility>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::lottery {

EntryEvents::EntryEvents(LotteryStore& store, absl::Duration interval)
    : store_(store), interval_(interval) {}

EntryEvents::~EntryEvents() { Stop(); }

void EntryEvents::MarkEntered(const std::string& lottery_id) {
  absl::MutexLock lock(&mu_);
  dirty_.insert(lottery_id);
}

void EntryEvents::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void EntryEvents::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  Flush();
}

void EntryEvents::Flush() {
  std::set<std::string> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(dirty_);
  }
  for (auto it = batch.begin(); it != batch.end(); ++it) {
    absl::Status s = store_.AnnounceEntries(*it);
    if (!s.ok()) {
      // This one and the rest are marked again for the next round (the database is likely
      // away); counts only grow, so a late announcement is still right.
      absl::MutexLock lock(&mu_);
      dirty_.insert(it, batch.end());
      log::Warn("lottery_entries_announce_failed")
          .Kv("lottery_id", *it)
          .Kv("code", absl::StatusCodeToString(s.code()))
          .Kv("reason", ReasonOf(s));
      return;
    }
  }
}

void EntryEvents::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_);
      if (stopping_) return;
    }
    Flush();
  }
}

}  // namespace shopcast::product_inventory::lottery
