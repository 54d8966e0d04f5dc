#pragma once

// The API's view of the engine's stock figures (shared by the RPCs and the catalogue's reads
// of Product.stock).

#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

// `level` with its flash sale (phase as of level.as_of) when it carries one.
v1::Stock StockOf(const StockLevel& level);
// StockOf written into `out` (a response's own field), without a temporary to copy.
void StockInto(const StockLevel& level, v1::Stock* out);

// `sale` as the API shows it at `now`.
v1::FlashSale FlashSaleOf(const FlashSale& sale, absl::Time now);

}  // namespace shopcast::product_inventory::stock
