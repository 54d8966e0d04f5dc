#include "auctions/auction_sql.h"

namespace shopcast::product_inventory::auctions::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_auc_lock_product", kLockProduct},
      {"pi_auc_product_title", kProductTitle},
      {"pi_auc_by_start_key", kAuctionByStartKey},
      {"pi_auc_open_of_product", kOpenAuctionOfProduct},
      {"pi_auc_insert", kInsertAuction},
      {"pi_auc_select", kSelectAuction},
      {"pi_auc_lock", kLockAuction},
      {"pi_auc_claim_due", kClaimDueAuction},
      {"pi_auc_lock_open_of_stream", kLockOpenOfStream},
      {"pi_auc_update", kUpdateAuction},
      {"pi_auc_list", kListAuctions},
      {"pi_auc_insert_bid", kInsertBid},
      {"pi_auc_list_bids", kListBids},
      {"pi_auc_select_request", kSelectRequest},
      {"pi_auc_insert_request", kInsertRequest},
  };
}

}  // namespace shopcast::product_inventory::auctions::sql
