#pragma once

// What makes a shipping profile acceptable, all checks at once. Pure.

#include "absl/strings/string_view.h"
#include "catalog/violations.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::catalog {

// Violations on "<prefix>.<path>" with reasons SHIPPING_PROFILE_NAME_INVALID,
// COUNTRY_CODE_INVALID, HANDLING_TIME_OUT_OF_RANGE, RATES_INVALID, SHIPPING_COUNTRY_DUPLICATE,
// RATE_INVALID, CURRENCY_MISMATCH, UNSUPPORTED_CURRENCY, WEIGHT_TIERS_INVALID,
// TRANSIT_INVALID.
void ValidateShippingProfile(const v1::ShippingProfile& profile, absl::string_view prefix,
                             Violations& out);

}  // namespace shopcast::product_inventory::catalog
