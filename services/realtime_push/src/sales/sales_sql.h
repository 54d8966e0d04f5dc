#pragma once

// SQL of the sales area (migrations/V006: room_sales). Prepared on every pooled connection under
// the names in PreparedStatements().

#include <string>
#include <utility>
#include <vector>

namespace shopcast::realtime_push::sales::sql {

inline constexpr char kInsertSale[] = R"~(
INSERT INTO room_sales (event_id, stream_id, order_id, product_id, quantity, amount_minor,
                        currency, sold_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING)~";
// The order's sales still counted (of one product, or all with $2 = ''), no longer counted.
inline constexpr char kCancelSales[] = R"~(
UPDATE room_sales SET cancelled_at = $3
WHERE order_id = $1 AND ($2 = '' OR product_id = $2) AND cancelled_at IS NULL
RETURNING stream_id, product_id, quantity)~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::realtime_push::sales::sql
