#include "catalog/pricing.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "auctions_rules/increment_table.h"

namespace shopcast::product_inventory::catalog {
namespace {

constexpr CurrencyRule kCurrencies[] = {
    {"USD", 1, 100, 100}, {"EUR", 1, 100, 100}, {"GBP", 1, 100, 100},
    {"CHF", 5, 100, 100}, {"JPY", 1, 100, 100},
};

// The auction's rules (auctions_rules::IncrementTable) hold the increment table's shape and the
// platform's figures, so what a host is told here is what bidders meet; this file adds what is
// the catalogue's: currencies and their steps. Tables arrive already checked for currency.
std::vector<auctions_rules::IncrementStep> StepsOf(
    const google::protobuf::RepeatedPtrField<v1::IncrementStep>& table) {
  std::vector<auctions_rules::IncrementStep> steps;
  steps.reserve(static_cast<size_t>(table.size()));
  for (const v1::IncrementStep& s : table) {
    auctions_rules::IncrementStep step;
    if (s.has_below()) step.below_minor = s.below().amount_minor();
    step.increment_minor = s.increment().amount_minor();
    steps.push_back(step);
  }
  return steps;
}

int64_t RoundUp(int64_t amount, int64_t step) {
  if (step <= 1) return amount;
  return ((amount + step - 1) / step) * step;
}

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// Checks one amount of an auction (or a fixed price) for currency, step and range.
bool CheckAmount(const common::v1::Money& m, absl::string_view field, absl::string_view currency,
                 int64_t minimum, const PricingRules& rules, absl::string_view range_reason,
                 Violations& out) {
  const CurrencyRule* rule = FindCurrency(m.currency());
  if (rule == nullptr) {
    out.Add(field, "UNSUPPORTED_CURRENCY", "the platform does not take this currency");
    return false;
  }
  if (!currency.empty() && m.currency() != currency) {
    out.Add(field, "CURRENCY_MISMATCH", "all amounts of an auction share one currency");
    return false;
  }
  if (m.amount_minor() < minimum || m.amount_minor() > rules.price_ceiling_minor) {
    out.Add(field, range_reason,
            absl::StrCat("must be ", minimum, "..", rules.price_ceiling_minor, " minor units of ",
                         rule->code));
    return false;
  }
  if (m.amount_minor() % rule->step != 0) {
    out.Add(field, "PRICE_OFF_STEP",
            absl::StrCat(rule->code, " amounts are multiples of ", rule->step, " minor units"));
    return false;
  }
  return true;
}

void CheckDuration(bool has, const google::protobuf::Duration& d, absl::Duration lo,
                   absl::Duration hi, bool zero_ok, absl::string_view field,
                   absl::string_view description, Violations& out) {
  if (!has) return;
  const absl::Duration v = FromProto(d);
  if (zero_ok && v == absl::ZeroDuration()) return;
  if (v < lo || v > hi) out.Add(field, "DURATION_OUT_OF_RANGE", description);
}

}  // namespace

const CurrencyRule* FindCurrency(absl::string_view code) {
  for (const CurrencyRule& c : kCurrencies) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

void ValidateFixedPrice(const common::v1::Money& price, absl::string_view field,
                        const PricingRules& rules, Violations& out) {
  const CurrencyRule* rule = FindCurrency(price.currency());
  CheckAmount(price, field, "", rule != nullptr ? rule->min_fixed_price : 1, rules,
              "PRICE_OUT_OF_RANGE", out);
}

google::protobuf::RepeatedPtrField<v1::IncrementStep> PlatformIncrements(
    absl::string_view currency) {
  google::protobuf::RepeatedPtrField<v1::IncrementStep> table;
  // Named: a range-for over Default().steps() would walk a destroyed temporary's vector.
  const auctions_rules::IncrementTable platform = auctions_rules::IncrementTable::Default();
  for (const auctions_rules::IncrementStep& s : platform.steps()) {
    v1::IncrementStep* step = table.Add();
    if (s.below_minor.has_value()) {
      step->mutable_below()->set_amount_minor(*s.below_minor);
      step->mutable_below()->set_currency(std::string(currency));
    }
    step->mutable_increment()->set_amount_minor(s.increment_minor);
    step->mutable_increment()->set_currency(std::string(currency));
  }
  return table;
}

bool ValidIncrementTable(const google::protobuf::RepeatedPtrField<v1::IncrementStep>& table,
                         absl::string_view currency) {
  if (table.empty()) return true;
  const CurrencyRule* rule = FindCurrency(currency);
  const int64_t step = rule != nullptr ? rule->step : 1;
  for (const v1::IncrementStep& s : table) {
    if (s.increment().currency() != currency || s.increment().amount_minor() % step != 0) {
      return false;
    }
    if (s.has_below() && s.below().currency() != currency) return false;
  }
  return auctions_rules::IncrementTable::Create(StepsOf(table)).ok();
}

int64_t IncrementAt(const google::protobuf::RepeatedPtrField<v1::IncrementStep>& table,
                    absl::string_view /*currency*/, int64_t amount) {
  if (table.empty()) return auctions_rules::IncrementTable::Default().IncrementAt(amount);
  absl::StatusOr<auctions_rules::IncrementTable> t =
      auctions_rules::IncrementTable::Create(StepsOf(table));
  // Callers check the table first; an invalid one still answers a usable step.
  return t.ok() ? t->IncrementAt(amount) : 1;
}

void ValidateAuctionSettings(const v1::AuctionSettings& settings, absl::string_view prefix,
                             const PricingRules& rules, Violations& out) {
  const std::string at(prefix);
  if (!settings.has_starting_bid()) {
    out.Add(at + ".starting_bid", "STARTING_BID_OUT_OF_RANGE", "a starting bid is required");
    return;
  }
  const common::v1::Money& start = settings.starting_bid();
  const CurrencyRule* rule = FindCurrency(start.currency());
  const bool start_ok =
      CheckAmount(start, at + ".starting_bid", "", rule != nullptr ? rule->min_starting_bid : 1,
                  rules, "STARTING_BID_OUT_OF_RANGE", out);
  const std::string currency = start.currency();
  const bool table_ok = ValidIncrementTable(settings.increments(), currency);
  if (!table_ok) {
    out.Add(at + ".increments", "INCREMENT_TABLE_INVALID",
            "1..10 steps in the auction's currency and step, bounds increasing, increments > 0 "
            "and never smaller than an earlier step's, the last step without a bound");
  }
  bool reserve_ok = false;
  if (settings.has_reserve_price()) {
    reserve_ok = CheckAmount(settings.reserve_price(), at + ".reserve_price", currency, 1, rules,
                             "PRICE_OUT_OF_RANGE", out);
    if (reserve_ok && start_ok && settings.reserve_price().amount_minor() < start.amount_minor()) {
      out.Add(at + ".reserve_price", "RESERVE_BELOW_STARTING_BID",
              "the reserve must be at least the starting bid");
      reserve_ok = false;
    }
  }
  if (settings.has_buy_now_price()) {
    const bool buy_now_ok = CheckAmount(settings.buy_now_price(), at + ".buy_now_price", currency,
                                        1, rules, "PRICE_OUT_OF_RANGE", out);
    if (buy_now_ok && start_ok && table_ok) {
      BuyNowPrices bounds = BuyNowBounds(start, settings.increments(),
                                         reserve_ok ? &settings.reserve_price() : nullptr, rules);
      if (settings.buy_now_price().amount_minor() < bounds.minimum.amount_minor()) {
        out.Add(at + ".buy_now_price", "BUY_NOW_TOO_LOW",
                absl::StrCat("buy-now must be at least ", bounds.minimum.amount_minor(),
                             " minor units (", rules.buy_now_min_premium_percent,
                             "% over the starting bid, one increment above it, and the reserve)"));
      }
    }
  }
  if (!settings.has_duration()) {
    out.Add(at + ".duration", "DURATION_OUT_OF_RANGE", "a duration of 10s..1h is required");
  }
  CheckDuration(settings.has_duration(), settings.duration(), absl::Seconds(10), absl::Hours(1),
                false, at + ".duration", "duration must be 10s..1h", out);
  CheckDuration(settings.has_anti_snipe_window(), settings.anti_snipe_window(),
                absl::ZeroDuration(), absl::Minutes(2), true, at + ".anti_snipe_window",
                "anti_snipe_window must be 0..2m", out);
  CheckDuration(settings.has_anti_snipe_extension(), settings.anti_snipe_extension(),
                absl::Seconds(5), absl::Minutes(2), false, at + ".anti_snipe_extension",
                "anti_snipe_extension must be 5s..2m", out);
  CheckDuration(settings.has_max_total_extension(), settings.max_total_extension(),
                absl::Minutes(1), absl::Hours(1), true, at + ".max_total_extension",
                "max_total_extension must be 0 or 1m..1h", out);
  CheckDuration(settings.has_winner_hold_duration(), settings.winner_hold_duration(),
                absl::Minutes(5), absl::Hours(24), false, at + ".winner_hold_duration",
                "winner_hold_duration must be 5m..24h", out);
}

BuyNowPrices BuyNowBounds(const common::v1::Money& starting_bid,
                          const google::protobuf::RepeatedPtrField<v1::IncrementStep>& increments,
                          const common::v1::Money* reserve, const PricingRules& rules) {
  const CurrencyRule* rule = FindCurrency(starting_bid.currency());
  const int64_t step = rule != nullptr ? rule->step : 1;
  const int64_t start = starting_bid.amount_minor();
  const int64_t increment = IncrementAt(increments, starting_bid.currency(), start);
  // Integer arithmetic: amounts are at most the ceiling (<= 10^12), premiums <= 1000 %.
  int64_t minimum =
      std::max(start + increment, (start * (100 + rules.buy_now_min_premium_percent) + 99) / 100);
  if (reserve != nullptr && reserve->currency() == starting_bid.currency()) {
    minimum = std::max(minimum, reserve->amount_minor());
  }
  minimum = RoundUp(minimum, step);
  const auto multiplied = static_cast<int64_t>(
      std::ceil(static_cast<double>(start) * rules.buy_now_suggest_multiplier));
  int64_t suggested = RoundUp(RoundUp(multiplied, increment), step);
  suggested = std::max(suggested, minimum);
  BuyNowPrices out;
  out.minimum.set_currency(starting_bid.currency());
  out.minimum.set_amount_minor(minimum);
  out.suggested.set_currency(starting_bid.currency());
  out.suggested.set_amount_minor(suggested);
  return out;
}

}  // namespace shopcast::product_inventory::catalog
