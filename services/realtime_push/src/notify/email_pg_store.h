#pragma once

// EmailStore over PostgreSQL (notification_emails). Claims take rows with FOR UPDATE SKIP
// LOCKED, so replicas share the outbox without sending one e-mail twice.

#include "notify/email_sender.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::notify {

class PgEmailStore : public EmailStore {
 public:
  explicit PgEmailStore(db::Pool& pool) : pool_(pool) {}

  absl::StatusOr<std::vector<EmailJob>> Claim(absl::Time now, absl::Time lease_until,
                                              int limit) override;
  absl::Status Finish(const std::string& notification_id, EmailResult result,
                      const std::string& detail, absl::Time now) override;
  absl::Status Retry(const std::string& notification_id, absl::Time at,
                     const std::string& detail) override;
  absl::StatusOr<int64_t> ReapLost(absl::Time now) override;

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::realtime_push::notify
