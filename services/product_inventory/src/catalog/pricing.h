#pragma once

// Price rules for products: currencies and their steps, minimums per currency and sale mode,
// the price ceiling, auction settings (starting bid, increment table, reserve, buy-now,
// durations) and the buy-now suggestion. Pure: no database, no gRPC.
//
// The rules, in one place:
// - Currencies: those in kCurrencies. Every amount is a whole number of the currency's step
//   (CHF prices move in 5 Rappen, the others in 1 minor unit): PRICE_OFF_STEP otherwise.
// - A fixed price is at least the currency's min_fixed_price; a starting bid at least its
//   min_starting_bid; every price, bid and buy-now at most the configured ceiling.
// - An auction's money fields share the starting bid's currency (CURRENCY_MISMATCH).
// - reserve >= starting bid (RESERVE_BELOW_STARTING_BID).
// - buy-now >= MinimumBuyNow (BUY_NOW_TOO_LOW): the largest of starting bid + the increment at
//   the starting bid, starting bid x (100 + premium%) / 100, and the reserve; rounded up to
//   the currency step.
// - SuggestedBuyNow: starting bid x multiplier, rounded up to the increment at the starting
//   bid (a round figure a bidder recognises), and never below MinimumBuyNow.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "catalog/violations.h"
#include "google/protobuf/repeated_field.h"
#include "shopcast/common/v1/money.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::catalog {

struct PricingRules {
  int64_t price_ceiling_minor = 10'000'000;
  int buy_now_min_premium_percent = 20;
  double buy_now_suggest_multiplier = 2.0;
};

struct CurrencyRule {
  absl::string_view code;
  int64_t step;              // amounts are multiples of this (minor units)
  int64_t min_fixed_price;   // FIXED_PRICE minimum (minor units)
  int64_t min_starting_bid;  // AUCTION minimum (minor units)
};

// The currency's rule, or null if the platform does not take it.
const CurrencyRule* FindCurrency(absl::string_view code);

// A fixed price at `field`: UNSUPPORTED_CURRENCY, PRICE_OUT_OF_RANGE (below the currency's
// minimum or above the ceiling), PRICE_OFF_STEP.
void ValidateFixedPrice(const common::v1::Money& price, absl::string_view field,
                        const PricingRules& rules, Violations& out);

// Auction settings at `prefix` ("product.auction_settings"): the starting bid
// (STARTING_BID_OUT_OF_RANGE, UNSUPPORTED_CURRENCY, PRICE_OFF_STEP), reserve, buy-now,
// increments (INCREMENT_TABLE_INVALID), durations (DURATION_OUT_OF_RANGE).
void ValidateAuctionSettings(const v1::AuctionSettings& settings, absl::string_view prefix,
                             const PricingRules& rules, Violations& out);

// The platform increment table (same figures, in minor units, for every currency).
google::protobuf::RepeatedPtrField<v1::IncrementStep> PlatformIncrements(
    absl::string_view currency);

// The increment that applies when the current amount is `amount` (the table's first step whose
// bound exceeds it, else its last step). `table` must be valid; empty means the platform's.
int64_t IncrementAt(const google::protobuf::RepeatedPtrField<v1::IncrementStep>& table,
                    absl::string_view currency, int64_t amount);

// True if `table` is a valid increment table for `currency` (see ValidateAuctionSettings).
bool ValidIncrementTable(const google::protobuf::RepeatedPtrField<v1::IncrementStep>& table,
                         absl::string_view currency);

struct BuyNowPrices {
  common::v1::Money minimum;
  common::v1::Money suggested;
};
// The rule in the file comment. Preconditions: starting_bid's currency is supported and the
// increments are valid (empty = platform table); reserve may be null or of another currency
// (then ignored).
BuyNowPrices BuyNowBounds(const common::v1::Money& starting_bid,
                          const google::protobuf::RepeatedPtrField<v1::IncrementStep>& increments,
                          const common::v1::Money* reserve, const PricingRules& rules);

}  // namespace shopcast::product_inventory::catalog
