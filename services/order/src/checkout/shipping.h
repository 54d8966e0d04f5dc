#pragma once

// Shipping quoted from a product's shipping profile (product-inventory's ShippingProfile
// rules): the rate naming the destination country, else the "*" rate; weight tiers by the
// parcel's weight when the rate has them, else first unit + each further unit; free once the
// subtotal reaches free_over. Pure.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::order::checkout {

struct ShippingQuery {
  std::string country_code;
  int32_t quantity = 1;
  int64_t unit_weight_grams = 0;
  int64_t subtotal_minor = 0;
  std::string currency;  // the order's (the unit price's) currency
};

// The shipping cost in minor units of query.currency; FAILED_PRECONDITION
// SHIPPING_NOT_AVAILABLE when no rate covers the country, the parcel is heavier than every
// tier, or the rate is in another currency than the price.
absl::StatusOr<int64_t> QuoteShipping(const product_inventory::v1::ShippingProfile& profile,
                                      const ShippingQuery& query);

}  // namespace shopcast::order::checkout
