#pragma once

// Checks of caller input before it reaches the database: every refusal is INVALID_ARGUMENT
// with a reason and the offending field, and nothing is changed.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

// product_id and buyer_id present, quantity in 1..kMaxQuantity, key 1..64 printable ASCII.
absl::Status ValidateReserve(const ReserveRequest& request);

// total in 0..kMaxTotal.
absl::Status ValidateTotal(int64_t total);

// Hold duration whole seconds in [kMinHold, kMaxHold]; limit 0..1000 with a window of at least
// one whole second (or infinite); a flash sale with a positive price, an ISO currency, a cap
// of 1..kMaxTotal units, a per-user cap of 0..1000 and opens_at < closes_at.
absl::Status ValidateRules(const SaleRules& rules);

// 1..64 printable ASCII.
absl::Status ValidateIdempotencyKey(absl::string_view key);

}  // namespace shopcast::product_inventory::stock
