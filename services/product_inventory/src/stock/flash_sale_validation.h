#pragma once

// ScheduleFlashSale's request checks: the deal against the product's regular price, the caps,
// and the window made absolute. Every refusal is INVALID_ARGUMENT FLASH_SALE_INVALID naming the
// field; nothing is read or written.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

// What the product sells for without the sale.
struct RegularPrice {
  int64_t price_minor = 0;
  std::string currency;
};

// INVALID_ARGUMENT FLASH_SALE_INVALID on `sale.<field>`.
absl::Status BadSale(absl::string_view field, absl::string_view message);

// The sale `request` asks for on a product sold at `regular`, with the window made absolute
// against `now`. INVALID_ARGUMENT/FLASH_SALE_INVALID naming the field otherwise (the stock
// cap against the product's units is the caller's, in its transaction).
absl::StatusOr<FlashSale> SaleOf(const v1::ScheduleFlashSaleRequest& request,
                                 const RegularPrice& regular, absl::Time now);

}  // namespace shopcast::product_inventory::stock
