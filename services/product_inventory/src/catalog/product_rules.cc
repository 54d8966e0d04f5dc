#include "catalog/product_rules.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "catalog/schema.h"
#include "shopcast/ids/ids.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"

namespace shopcast::product_inventory::catalog {
namespace {

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

bool ValidImageUrl(const std::string& url) {
  if (url.size() > 2048 || !absl::StartsWith(url, "https://") || url.size() <= 8) return false;
  return std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// The currency of a profile's rates (one for all of them: the profile's rule): its first rate's
// flat cost, or its first weight tier's; "" when it names none.
const std::string& ProfileCurrency(const v1::ShippingProfile& profile) {
  static const std::string kNone;
  if (profile.rates().empty()) return kNone;
  const v1::ShippingRate& rate = profile.rates(0);
  if (!rate.first_unit().currency().empty()) return rate.first_unit().currency();
  if (!rate.weight_tiers().empty()) return rate.weight_tiers(0).cost().currency();
  return kNone;
}

bool UsesWeight(const v1::ShippingProfile& profile) {
  return std::any_of(profile.rates().begin(), profile.rates().end(),
                     [](const v1::ShippingRate& r) { return !r.weight_tiers().empty(); });
}

}  // namespace

void NormalizeDraft(v1::Product& product, bool creating) {
  if (creating && product.status() == v1::PRODUCT_STATUS_UNSPECIFIED) {
    product.set_status(v1::PRODUCT_STATUS_LISTED);
  }
}

void ValidateDraft(const v1::Product& product, const DraftContext& context,
                   const PricingRules& rules, Violations& out) {
  // Own fields.
  const int64_t title_length = text::CodePointCount(product.title());
  if (title_length < 1 || title_length > 120 ||
      text::CheckUserText(product.title()) != text::TextProblem::kNone) {
    out.Add("product.title", "TITLE_INVALID", "a title is 1..120 visible characters on one line");
  }
  const int64_t description_length = text::CodePointCount(product.description());
  if (description_length < 0 || description_length > 5000 ||
      text::CheckUserText(product.description(), {.multiline = true, .allow_empty = true}) !=
          text::TextProblem::kNone) {
    out.Add("product.description", "DESCRIPTION_TOO_LONG",
            "a description is 0..5000 characters without control characters");
  }
  if (product.image_urls_size() > 10 ||
      !std::all_of(product.image_urls().begin(), product.image_urls().end(), ValidImageUrl)) {
    out.Add("product.image_urls", "IMAGE_URL_INVALID", "0..10 https URLs of at most 2048 bytes");
  }
  if (!product.stream_id().empty() && !ids::IsValidId(product.stream_id(), "str")) {
    out.Add("product.stream_id", "STREAM_ID_INVALID", "stream_id is a str_… id");
  }
  if (product.status() != v1::PRODUCT_STATUS_DRAFT &&
      product.status() != v1::PRODUCT_STATUS_LISTED &&
      product.status() != v1::PRODUCT_STATUS_PAUSED) {
    out.Add("product.status", "STATUS_INVALID", "status is DRAFT, LISTED or PAUSED here");
  }
  if (context.initial_stock.has_value() &&
      (*context.initial_stock < 1 || *context.initial_stock > kMaxInitialStock)) {
    out.Add("initial_stock", "STOCK_OUT_OF_RANGE", "initial_stock must be 1..1,000,000");
  }
  if (product.weight_grams() < 0 || product.weight_grams() > 100'000) {
    out.Add("product.weight_grams", "WEIGHT_OUT_OF_RANGE", "weight_grams must be 0..100,000");
  }
  if (product.has_purchase_limit()) {
    const v1::PurchaseLimit& limit = product.purchase_limit();
    const bool window_ok =
        !limit.has_window() || (FromProto(limit.window()) >= absl::Minutes(1) &&
                                FromProto(limit.window()) <= absl::Hours(24 * 30));
    if (limit.max_quantity_per_user() < 0 || limit.max_quantity_per_user() > 1000 || !window_ok) {
      out.Add("product.purchase_limit", "PURCHASE_LIMIT_INVALID",
              "max_quantity_per_user is 0..1000 and window 1m..30d");
    }
  }
  if (product.has_hold_duration() && (FromProto(product.hold_duration()) < absl::Minutes(1) ||
                                      FromProto(product.hold_duration()) > absl::Minutes(10))) {
    out.Add("product.hold_duration", "HOLD_DURATION_OUT_OF_RANGE", "hold_duration must be 1m..10m");
  }

  // Type and parameters.
  if (product.product_type_id().empty()) {
    out.Add("product.product_type_id", "PRODUCT_TYPE_REQUIRED", "product_type_id is required");
  } else if (context.type == nullptr) {
    out.Add("product.product_type_id", "PRODUCT_TYPE_NOT_FOUND", "no such product type");
  } else {
    if (context.type->archived()) {
      out.Add("product.product_type_id", "PRODUCT_TYPE_ARCHIVED",
              "this product type takes no new products");
    }
    ValidateParameters(*context.type, product.parameters(), "product.parameters", out);
  }

  // Sale mode and prices.
  switch (product.sale_mode()) {
    case v1::SALE_MODE_FIXED_PRICE:
      if (!product.has_price()) {
        out.Add("product.price", "PRICE_REQUIRED", "a fixed-price product needs a price");
      } else {
        ValidateFixedPrice(product.price(), "product.price", rules, out);
      }
      if (product.has_auction_settings()) {
        out.Add("product.auction_settings", "AUCTION_SETTINGS_NOT_ALLOWED",
                "auction_settings are for AUCTION products");
      }
      break;
    case v1::SALE_MODE_AUCTION:
      if (!product.has_auction_settings()) {
        out.Add("product.auction_settings", "AUCTION_SETTINGS_REQUIRED",
                "an auction product needs auction_settings");
      } else {
        ValidateAuctionSettings(product.auction_settings(), "product.auction_settings", rules, out);
      }
      if (product.has_price()) {
        out.Add("product.price", "PRICE_NOT_ALLOWED",
                "an auction product has no fixed price (set auction_settings)");
      }
      break;
    default:
      out.Add("product.sale_mode", "SALE_MODE_REQUIRED", "sale_mode is FIXED_PRICE or AUCTION");
  }
  if (context.type != nullptr && !context.type->allowed_sale_modes().empty() &&
      product.sale_mode() != v1::SALE_MODE_UNSPECIFIED &&
      std::find(context.type->allowed_sale_modes().begin(),
                context.type->allowed_sale_modes().end(),
                product.sale_mode()) == context.type->allowed_sale_modes().end()) {
    out.Add("product.sale_mode", "SALE_MODE_NOT_ALLOWED",
            "this product type does not allow that sale mode");
  }

  // Shipping.
  if (product.shipping_profile_id().empty()) {
    out.Add("product.shipping_profile_id", "SHIPPING_PROFILE_REQUIRED",
            "shipping_profile_id is required");
  } else if (context.shipping_profile == nullptr) {
    out.Add("product.shipping_profile_id", "SHIPPING_PROFILE_NOT_FOUND",
            "no such shipping profile of yours");
  } else {
    if (UsesWeight(*context.shipping_profile) && product.weight_grams() <= 0 &&
        !out.Has("product.weight_grams")) {
      out.Add("product.weight_grams", "WEIGHT_REQUIRED",
              "the shipping profile prices by weight: set weight_grams");
    }
    // Checkout charges shipping in the price's currency: a product priced in another currency
    // than its profile's rates could be listed and held, but never bought.
    const bool auction = product.sale_mode() == v1::SALE_MODE_AUCTION;
    const std::string field = auction ? "product.auction_settings.starting_bid" : "product.price";
    const std::string& currency =
        auction ? product.auction_settings().starting_bid().currency() : product.price().currency();
    const std::string& shipping = ProfileCurrency(*context.shipping_profile);
    if (!currency.empty() && !shipping.empty() && currency != shipping && !out.Has(field) &&
        !out.Has(auction ? "product.auction_settings" : "product.price")) {
      out.Add(field, "SHIPPING_CURRENCY_MISMATCH",
              absl::StrCat("the shipping profile charges in ", shipping, ": price the product in ",
                           shipping, " too, or choose a profile that charges in ", currency));
    }
  }
}

}  // namespace shopcast::product_inventory::catalog
