#pragma once

// What makes a product draft acceptable, all checks at once: its own fields, its parameters
// against its type's schema, its price rules, its shipping profile's needs. Pure: the caller
// looks up the type and the profile. CreateProduct, UpdateProduct and ValidateProduct share it.

#include <cstdint>
#include <optional>

#include "catalog/pricing.h"
#include "catalog/violations.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::catalog {

inline constexpr int64_t kMaxInitialStock = 1'000'000;

struct DraftContext {
  // The type the product names, as of the schema version to check against; null if unknown.
  const v1::ProductType* type = nullptr;
  // The shipping profile it names; null if unknown or not the seller's.
  const v1::ShippingProfile* shipping_profile = nullptr;
  // CreateProduct/ValidateProduct: initial_stock is checked; UpdateProduct: not.
  std::optional<int64_t> initial_stock;
};

// Fills what a draft may leave unset (status LISTED at creation).
void NormalizeDraft(v1::Product& product, bool creating);

// Every violation of `product` (fields as "product.<path>"), with the reasons documented on
// v1::Product and CreateProductRequest. Unknown type / profile are reported as
// PRODUCT_TYPE_NOT_FOUND / SHIPPING_PROFILE_NOT_FOUND violations (CreateProduct turns them
// into NOT_FOUND before calling this).
void ValidateDraft(const v1::Product& product, const DraftContext& context,
                   const PricingRules& rules, Violations& out);

}  // namespace shopcast::product_inventory::catalog
