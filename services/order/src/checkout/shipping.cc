#include "checkout/shipping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {
namespace {

namespace pi = ::shopcast::product_inventory::v1;

absl::Status NotAvailable(absl::string_view why) {
  return Error(absl::StatusCode::kFailedPrecondition, "SHIPPING_NOT_AVAILABLE", why,
               "shipping_address.country_code");
}

const pi::ShippingRate* RateFor(const pi::ShippingProfile& profile, const std::string& country) {
  const pi::ShippingRate* wildcard = nullptr;
  for (const pi::ShippingRate& rate : profile.rates()) {
    for (const std::string& c : rate.country_codes()) {
      if (c == country) return &rate;
      if (c == "*") wildcard = &rate;
    }
  }
  return wildcard;
}

bool SameCurrency(const common::v1::Money& m, const std::string& currency) {
  return m.currency().empty() || m.currency() == currency;
}

}  // namespace

absl::StatusOr<int64_t> QuoteShipping(const pi::ShippingProfile& profile, const ShippingQuery& q) {
  const pi::ShippingRate* rate = RateFor(profile, q.country_code);
  if (rate == nullptr) {
    return NotAvailable(absl::StrCat("the product does not ship to ", q.country_code));
  }
  if (rate->has_free_over() && SameCurrency(rate->free_over(), q.currency) &&
      q.subtotal_minor >= rate->free_over().amount_minor()) {
    return 0;
  }
  if (rate->weight_tiers_size() > 0) {
    const int64_t weight = q.unit_weight_grams * q.quantity;
    for (const pi::WeightTier& tier : rate->weight_tiers()) {
      if (tier.up_to_grams() == 0 || weight <= tier.up_to_grams()) {
        if (!SameCurrency(tier.cost(), q.currency)) {
          return NotAvailable("the shipping rate is in another currency than the price");
        }
        return tier.cost().amount_minor();
      }
    }
    return NotAvailable("the parcel is heavier than the product's shipping rates allow");
  }
  if (!SameCurrency(rate->first_unit(), q.currency) ||
      !SameCurrency(rate->additional_unit(), q.currency)) {
    return NotAvailable("the shipping rate is in another currency than the price");
  }
  return rate->first_unit().amount_minor() +
         rate->additional_unit().amount_minor() * std::max<int64_t>(0, q.quantity - 1);
}

}  // namespace shopcast::order::checkout
