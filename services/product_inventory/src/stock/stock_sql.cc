#include "stock/stock_sql.h"

namespace shopcast::product_inventory::stock::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_stock_insert", kInsertStock},
      {"pi_stock_set_rules", kSetRules},
      {"pi_stock_lapse", kLapse},
      {"pi_stock_adjust_total", kAdjustTotal},
      {"pi_stock_select", kSelectStock},
      {"pi_stock_reserve_batch", kReserveBatch},
      {"pi_stock_reserve_all_fit", kReserveAllFit},
      {"pi_stock_grant_hold", kGrantHold},
      {"pi_stock_release", kRelease},
      {"pi_stock_commit", kCommit},
      {"pi_stock_return", kReturn},
      {"pi_stock_select_hold", kSelectHold},
      {"pi_stock_due_products", kDueProducts},
      {"pi_stock_lock_checkout", kLockCheckout},
      {"pi_stock_flash_window", kFlashWindow},
      {"pi_stock_detach_flash_holds", kDetachFlashHolds},
      {"pi_stock_set_flash_sale", kSetFlashSale},
      {"pi_stock_set_hold_and_limit", kSetHoldAndLimit},
      {"pi_stock_insert_adjustment", kInsertAdjustment},
      {"pi_stock_select_adjustment", kSelectAdjustment},
  };
}

}  // namespace shopcast::product_inventory::stock::sql
