#pragma once

// Stock changes that run inside the caller's transaction, so that they commit or roll back
// with the caller's own writes (the catalogue creates a product and its stock together). The
// pool behind `tx` must have stock::sql::PreparedStatements(). Database errors throw, as
// libpqxx does; db::InTransaction maps them.

#include <cstdint>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock::tx {

// Puts `total` units of a new product on sale under `rules`. INVALID_ARGUMENT for bad input;
// ALREADY_EXISTS/STOCK_EXISTS if the product has stock already.
absl::Status CreateStock(pqxx::work& tx, absl::string_view product_id, int64_t total,
                         const SaleRules& rules, absl::Time now);

// Adds `delta` units to total (restock) or removes -delta (write-off) and returns the stock.
// FAILED_PRECONDITION/INSUFFICIENT_AVAILABLE_STOCK when removing more than is available,
// INVALID_ARGUMENT/STOCK_OUT_OF_RANGE above the ceiling, NOT_FOUND/PRODUCT_NOT_FOUND.
absl::StatusOr<StockLevel> AdjustTotal(pqxx::work& tx, absl::string_view product_id, int64_t delta,
                                       absl::Time now);

// Replaces the product's hold duration, purchase limit and flash sale. Holds already taken
// keep their expiry. INVALID_ARGUMENT for bad rules, NOT_FOUND/PRODUCT_NOT_FOUND.
absl::Status SetRules(pqxx::work& tx, absl::string_view product_id, const SaleRules& rules,
                      absl::Time now);

// Grants one hold (an auction's winner, a buy-now, a queue admission, a lottery win) inside the
// caller's transaction, through stock_grant_hold (migrations/V006): locks the stock row, lapses
// expired holds, checks availability (and the per-user limit when asked), inserts the hold and
// takes its units. A repeated (buyer, idempotency key) answers the first hold (`duplicate`).
// Refusals: INVALID_ARGUMENT for bad input (QUANTITY_OUT_OF_RANGE, SOURCE_INVALID,
// EXPIRY_INVALID, PRICE_INVALID, IDEMPOTENCY_KEY_INVALID, ID_REQUIRED) and
// IDEMPOTENCY_KEY_REUSED (the key took another product, quantity or source);
// NOT_FOUND/PRODUCT_NOT_FOUND; FAILED_PRECONDITION/SOLD_OUT or INSUFFICIENT_STOCK (payload
// kAvailablePayload); RESOURCE_EXHAUSTED/PURCHASE_LIMIT_REACHED (payload kRemainingPayload).
// A refusal writes nothing, so the caller may go on with its transaction. The caller marks the
// product for the room's stock announcement after its commit.
absl::StatusOr<GrantResult> GrantHold(pqxx::work& tx, const GrantHoldRequest& request,
                                      absl::Time now);

// The stock of those of `product_ids` that exist, as of `now` (in no particular order).
std::vector<StockLevel> GetStock(pqxx::work& tx, const std::vector<std::string>& product_ids,
                                 absl::Time now);

}  // namespace shopcast::product_inventory::stock::tx
