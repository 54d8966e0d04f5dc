#include "lottery/lottery_sql.h"

namespace shopcast::product_inventory::lottery::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_lot_lock_product", kLockProduct},
      {"pi_lot_by_start_key", kByStartKey},
      {"pi_lot_running_of_product", kRunningOfProduct},
      {"pi_lot_insert", kInsert},
      {"pi_lot_select", kSelect},
      {"pi_lot_share", kShareLock},
      {"pi_lot_lock", kLock},
      {"pi_lot_claim_due", kClaimDue},
      {"pi_lot_mark_drawn", kMarkDrawn},
      {"pi_lot_list", kList},
      {"pi_lot_insert_entry", kInsertEntry},
      {"pi_lot_select_entry", kSelectEntry},
      {"pi_lot_count_entries", kCountEntries},
      {"pi_lot_entrants", kEntrants},
      {"pi_lot_mark_winner", kMarkWinner},
      {"pi_lot_product_title", kProductTitle},
      {"pi_lot_winners", kWinners},
      {"pi_lot_mark_cancelled", kMarkCancelled},
      {"pi_lot_cancel_entries", kCancelEntries},
      {"pi_lot_lock_running_of_stream", kLockRunningOfStream},
      {"pi_lot_running_units_of_product", kRunningUnitsOfProduct},
  };
}

}  // namespace shopcast::product_inventory::lottery::sql
