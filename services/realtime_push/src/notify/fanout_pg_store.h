#pragma once

// FanoutStore over PostgreSQL (notification_fanouts), and the go-live hook's insert.

#include <pqxx/transaction>

#include "notify/fanout.h"
#include "notify/inbox_store.h"
#include "rooms/stream_events.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::notify {

// Queues the go-live fan-out of `went_live` in the caller's transaction (the event's own, so
// the job exists iff the event was applied). A second go-live of the same stream adds nothing.
absl::Status EnqueueGoLive(pqxx::work& tx, const rooms::WentLive& went_live, absl::Time now);

class PgFanoutStore : public FanoutStore {
 public:
  PgFanoutStore(db::Pool& pool, EntryRules rules) : pool_(pool), rules_(std::move(rules)) {}

  absl::StatusOr<std::optional<FanoutJob>> Claim(absl::Time now, absl::Time lease_until) override;
  absl::StatusOr<int64_t> CommitBatch(const FanoutJob& job,
                                      const std::vector<NewNotification>& batch,
                                      const std::string& next, absl::Time now,
                                      absl::Time lease_until) override;
  absl::Status Defer(const FanoutJob& job, absl::Time retry_at, const std::string& error) override;
  // Jobs not finished (for the gauge).
  absl::StatusOr<int64_t> Pending();

 private:
  db::Pool& pool_;
  const EntryRules rules_;
};

}  // namespace shopcast::realtime_push::notify
