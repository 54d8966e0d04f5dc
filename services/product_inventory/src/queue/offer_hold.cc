#include "queue/offer_hold.h"

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::queue {

// TODO(pi-queue): stock::tx::GrantHold (branch pi-auction-hold, V006) is not merged yet; this
// is written against its expected signature and replaced at the merge:
//   stock::GrantHoldRequest g{product_id, buyer_id, quantity, /*unit_price_minor=*/nullopt,
//                             expires_at, stock::HoldSource::kQueue, ticket_id,
//                             /*idempotency_key=*/"queue:" + ticket_id, /*enforce_limit=*/true};
//   ASSIGN_OR_RETURN(stock::GrantResult r, stock::tx::GrantHold(tx, g, now));
//   return r.hold.id;
absl::StatusOr<std::string> OfferHold(pqxx::work&, const OfferHoldRequest& request, absl::Time) {
  return Error(absl::StatusCode::kUnimplemented, "GRANT_HOLD_MISSING",
               absl::StrCat("no hold granting for ", request.ticket_id));
}

}  // namespace shopcast::product_inventory::queue
