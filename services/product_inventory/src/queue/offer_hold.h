#pragma once

// An offer's hold: the stock area grants it (stock::tx::GrantHold, migrations/V006) inside the
// advancer's transaction, so the hold and the ticket's OFFERED state commit together. The
// queue never writes a hold of its own.

#include <cstdint>
#include <pqxx/transaction>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shopcast::product_inventory::queue {

struct OfferHoldRequest {
  std::string product_id;
  std::string buyer_id;
  std::string ticket_id;
  int32_t quantity = 0;
  absl::Time expires_at;  // The end of the claim window.
};

// Holds the offered units for the ticket's holder (source QUEUE, ref the ticket, idempotent
// per ticket, the product's per-user limit applied) and returns the res_… id.
// RESOURCE_EXHAUSTED/PURCHASE_LIMIT_REACHED when the holder may take no more (the caller
// cancels the ticket and goes on: a refusal writes nothing); other errors abort the round.
absl::StatusOr<std::string> OfferHold(pqxx::work& tx, const OfferHoldRequest& request,
                                      absl::Time now);

}  // namespace shopcast::product_inventory::queue
