#include "stock/auction_hold_hooks.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "stock/stock_tx.h"

namespace shopcast::product_inventory::stock {

absl::StatusOr<std::string> AuctionHoldHooks::HoldForWinner(
    pqxx::work& tx, const std::string& product_id, const std::string& buyer_id,
    const common::v1::Money& price, const std::string& auction_id, bool bought_now,
    absl::Duration hold, absl::Time now) {
  GrantHoldRequest request;
  request.product_id = product_id;
  request.buyer_id = buyer_id;
  request.quantity = 1;
  request.unit_price_minor = price.amount_minor();
  request.expires_at = now + hold;
  request.source = bought_now ? HoldSource::kBuyNow : HoldSource::kAuctionWin;
  request.source_ref = auction_id;
  request.idempotency_key = absl::StrCat("auction:", auction_id);
  request.enforce_limit = false;
  ASSIGN_OR_RETURN(GrantResult granted, tx::GrantHold(tx, request, now));
  return granted.hold.id;
}

absl::Status AuctionHoldHooks::CheckLotAvailable(pqxx::work& tx, const std::string& product_id,
                                                 absl::Time now) {
  const std::vector<StockLevel> levels = tx::GetStock(tx, {product_id}, now);
  // A product without a stock row has nothing to hold; its auction runs as before the stock
  // area (no hold at close).
  if (levels.empty() || levels[0].available > 0) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, reason::kSoldOut,
               "no unit of the product is left to auction");
}

}  // namespace shopcast::product_inventory::stock
