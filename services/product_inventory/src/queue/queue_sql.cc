#include "queue/queue_sql.h"

namespace shopcast::product_inventory::queue::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_queue_product", kProduct},
      {"pi_queue_lock_product", kLockProduct},
      {"pi_queue_upsert", kUpsertQueue},
      {"pi_queue_lock", kLockQueue},
      {"pi_queue_read", kReadQueue},
      {"pi_queue_cancel_waiting", kCancelWaiting},
      {"pi_queue_announced", kAnnounced},
      {"pi_queue_lock_announced", kLockAnnounced},
      {"pi_queue_add_waiting", kAddWaiting},
      {"pi_queue_take_sequence", kTakeSequence},
      {"pi_queue_insert_ticket", kInsertTicket},
      {"pi_queue_live_ticket", kLiveTicket},
      {"pi_queue_ticket", kTicket},
      {"pi_queue_next_waiting", kNextWaiting},
      {"pi_queue_position", kPosition},
      {"pi_queue_recent_offers", kRecentOffers},
      {"pi_queue_settle_ticket", kSettleTicket},
      {"pi_queue_mark_offered", kMarkOffered},
      {"pi_queue_stock", kStock},
      {"pi_queue_lapse", kLapse},
      {"pi_queue_buyer_used", kBuyerUsed},
      {"pi_queue_lock_hold", kLockHold},
      {"pi_queue_extend_hold", kExtendHold},
      {"pi_queue_release_hold", kReleaseHold},
      {"pi_queue_settle_offers", kSettleOffers},
      {"pi_queue_claim_due", kClaimDue},
      {"pi_queue_next_deadline", kNextDeadline},
  };
}

}  // namespace shopcast::product_inventory::queue::sql
