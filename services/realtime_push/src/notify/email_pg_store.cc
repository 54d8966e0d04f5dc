#include "notify/email_pg_store.h"

#include <pqxx/pqxx>

#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"

namespace shopcast::realtime_push::notify {
namespace {

const char* StateOf(EmailResult result) {
  switch (result) {
    case EmailResult::kSent:
      return "sent";
    case EmailResult::kFailed:
      return "failed";
    case EmailResult::kUnknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace

absl::StatusOr<std::vector<EmailJob>> PgEmailStore::Claim(absl::Time now, absl::Time lease_until,
                                                          int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<EmailJob>> {
    std::vector<EmailJob> jobs;
    for (const auto& r :
         tx.exec_prepared("ntf_claim_emails", PgTime(now), PgTime(lease_until), limit)) {
      jobs.push_back(EmailJob{r[0].as<std::string>(), r[1].as<std::string>(),
                              r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<int>()});
    }
    return jobs;
  });
}

absl::Status PgEmailStore::Finish(const std::string& notification_id, EmailResult result,
                                  const std::string& detail, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared0("ntf_finish_email", notification_id, StateOf(result), detail, PgTime(now));
    return absl::OkStatus();
  });
}

absl::Status PgEmailStore::Retry(const std::string& notification_id, absl::Time at,
                                 const std::string& detail) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared0("ntf_retry_email", notification_id, PgTime(at), detail);
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgEmailStore::ReapLost(absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return static_cast<int64_t>(
        tx.exec_prepared0("ntf_reap_lost_emails", PgTime(now)).affected_rows());
  });
}

}  // namespace shopcast::realtime_push::notify
