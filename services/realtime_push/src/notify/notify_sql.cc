#include "notify/notify_sql.h"

namespace shopcast::realtime_push::notify::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"ntf_insert", kInsert},
      {"ntf_notify_user", kNotifyUser},
      {"ntf_list_first", kListFirst},
      {"ntf_list_after", kListAfter},
      {"ntf_unread_count", kUnreadCount},
      {"ntf_mark_ids", kMarkIds},
      {"ntf_mark_up_to", kMarkUpTo},
      {"ntf_horizon", kHorizon},
      {"ntf_read_new", kReadNew},
      {"ntf_purge_notifications", kPurgeNotifications},
      {"ntf_purge_emails", kPurgeEmails},
      {"ntf_enqueue_fanout", kEnqueueFanout},
      {"ntf_claim_fanout", kClaimFanout},
      {"ntf_advance_fanout", kAdvanceFanout},
      {"ntf_defer_fanout", kDeferFanout},
      {"ntf_pending_fanouts", kPendingFanouts},
      {"ntf_enqueue_personal", kEnqueuePersonal},
      {"ntf_claim_personal", kClaimPersonal},
      {"ntf_finish_personal", kFinishPersonal},
      {"ntf_defer_personal", kDeferPersonal},
      {"ntf_pending_personal", kPendingPersonal},
      {"ntf_purge_personal", kPurgePersonal},
      {"ntf_insert_email", kInsertEmail},
      {"ntf_insert_account_email", kInsertAccountEmail},
      {"ntf_claim_emails", kClaimEmails},
      {"ntf_finish_email", kFinishEmail},
      {"ntf_retry_email", kRetryEmail},
      {"ntf_reap_lost_emails", kReapLostEmails},
  };
}

}  // namespace shopcast::realtime_push::notify::sql
