#include "queue/offer_hold.h"

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "stock/stock_tx.h"

namespace shopcast::product_inventory::queue {

absl::StatusOr<std::string> OfferHold(pqxx::work& tx, const OfferHoldRequest& request,
                                      absl::Time now) {
  stock::GrantHoldRequest grant;
  grant.product_id = request.product_id;
  grant.buyer_id = request.buyer_id;
  grant.quantity = request.quantity;
  grant.expires_at = request.expires_at;
  grant.source = stock::HoldSource::kQueue;
  grant.source_ref = request.ticket_id;
  // One hold per ticket, whatever retries the advancer's transaction goes through.
  grant.idempotency_key = absl::StrCat("queue:", request.ticket_id);
  // Checked at Enqueue too, but the holder may have bought elsewhere since.
  grant.enforce_limit = true;
  ASSIGN_OR_RETURN(stock::GrantResult granted, stock::tx::GrantHold(tx, grant, now));
  return granted.hold.id;
}

}  // namespace shopcast::product_inventory::queue
