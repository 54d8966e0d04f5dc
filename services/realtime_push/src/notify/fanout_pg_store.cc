#include "notify/fanout_pg_store.h"

#include <pqxx/pqxx>

#include "notify/inbox_store.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {

absl::Status EnqueueGoLive(pqxx::work& tx, const rooms::WentLive& went_live, absl::Time now) {
  tx.exec_prepared0("ntf_enqueue_fanout", GoLiveDedupeKey(went_live.stream_id), went_live.host_id,
                    went_live.stream_id, went_live.title, PgTime(now));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<FanoutJob>> PgFanoutStore::Claim(absl::Time now,
                                                              absl::Time lease_until) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<FanoutJob>> {
    pqxx::result r = tx.exec_prepared("ntf_claim_fanout", PgTime(now), PgTime(lease_until));
    if (r.empty()) return std::optional<FanoutJob>();
    FanoutJob job;
    job.dedupe_key = r[0][0].as<std::string>();
    job.host_id = r[0][1].as<std::string>();
    job.stream_id = r[0][2].as<std::string>();
    job.title = r[0][3].as<std::string>();
    job.after_user_id = r[0][4].as<std::string>();
    job.failures = r[0][5].as<int>();
    return std::optional<FanoutJob>(std::move(job));
  });
}

absl::StatusOr<int64_t> PgFanoutStore::CommitBatch(const FanoutJob& job,
                                                   const std::vector<NewNotification>& batch,
                                                   const std::string& next, absl::Time now,
                                                   absl::Time lease_until) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    // The cursor first: its row lock keeps a second worker's page of the same job out until
    // this one commits, and a moved cursor aborts before anything is written.
    const pqxx::result moved =
        tx.exec_prepared0("ntf_advance_fanout", job.dedupe_key, job.after_user_id, next,
                          PgTime(lease_until), PgTime(now));
    if (moved.affected_rows() == 0) {
      return Error(absl::StatusCode::kFailedPrecondition, "FANOUT_CURSOR_MOVED",
                   "another worker moved this fan-out on");
    }
    int64_t created = 0;
    for (const NewNotification& n : batch) {
      if (InsertTx(tx, n, now, rules_)) ++created;
    }
    return created;
  });
}

absl::Status PgFanoutStore::Defer(const FanoutJob& job, absl::Time retry_at,
                                  const std::string& error) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared0("ntf_defer_fanout", job.dedupe_key, job.after_user_id, PgTime(retry_at),
                      error);
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgFanoutStore::Pending() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared1("ntf_pending_fanouts")[0].as<int64_t>();
  });
}

}  // namespace shopcast::realtime_push::notify
