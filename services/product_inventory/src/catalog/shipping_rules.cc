#include "catalog/shipping_rules.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "catalog/pricing.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"

namespace shopcast::product_inventory::catalog {
namespace {

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

bool CountryCode(const std::string& c) {
  return c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
}

// A non-negative amount in `currency` (set from the first amount seen when empty).
bool Amount(const common::v1::Money& m, std::string& currency) {
  if (FindCurrency(m.currency()) == nullptr || m.amount_minor() < 0 ||
      m.amount_minor() > 100'000'000) {
    return false;
  }
  if (currency.empty()) currency = m.currency();
  return m.currency() == currency;
}

}  // namespace

void ValidateShippingProfile(const v1::ShippingProfile& profile, absl::string_view prefix,
                             Violations& out) {
  const std::string at(prefix);
  const int64_t name_length = text::CodePointCount(profile.name());
  if (name_length < 1 || name_length > 60 ||
      text::CheckUserText(profile.name()) != text::TextProblem::kNone) {
    out.Add(at + ".name", "SHIPPING_PROFILE_NAME_INVALID", "a name is 1..60 visible characters");
  }
  if (!CountryCode(profile.origin_country_code())) {
    out.Add(at + ".origin_country_code", "COUNTRY_CODE_INVALID",
            "an ISO 3166-1 alpha-2 code in upper case");
  }
  const absl::Duration handling = FromProto(profile.handling_time());
  if (handling < absl::ZeroDuration() || handling > absl::Hours(24 * 30)) {
    out.Add(at + ".handling_time", "HANDLING_TIME_OUT_OF_RANGE", "handling_time is 0..30 days");
  }
  if (profile.rates_size() < 1 || profile.rates_size() > 50) {
    out.Add(at + ".rates", "RATES_INVALID", "a profile has 1..50 rates");
  }
  std::set<std::string> countries;
  std::string currency;
  for (int i = 0; i < profile.rates_size(); ++i) {
    const v1::ShippingRate& rate = profile.rates(i);
    const std::string r = absl::StrCat(at, ".rates[", i, "]");
    bool codes_ok = rate.country_codes_size() >= 1 && rate.country_codes_size() <= 250;
    for (const std::string& c : rate.country_codes()) {
      if (!CountryCode(c) && c != "*") codes_ok = false;
      if (!countries.insert(c).second) {
        out.Add(r + ".country_codes", "SHIPPING_COUNTRY_DUPLICATE",
                "a destination may appear in one rate only");
        break;
      }
    }
    if (!codes_ok) {
      out.Add(r + ".country_codes", "COUNTRY_CODE_INVALID",
              "1..250 ISO 3166-1 alpha-2 codes, or \"*\" for everywhere else");
    }
    const std::string before = currency;
    auto money_ok = [&](const common::v1::Money& m, const std::string& field) {
      if (Amount(m, currency)) return true;
      out.Add(field,
              FindCurrency(m.currency()) == nullptr           ? "UNSUPPORTED_CURRENCY"
              : (!before.empty() && m.currency() != currency) ? "CURRENCY_MISMATCH"
                                                              : "RATE_INVALID",
              "amounts are >= 0, in a supported currency, the same in every rate");
      return false;
    };
    if (rate.weight_tiers().empty()) {
      if (!rate.has_first_unit()) {
        out.Add(r + ".first_unit", "RATE_INVALID", "a flat rate needs first_unit");
      } else {
        money_ok(rate.first_unit(), r + ".first_unit");
      }
      if (rate.has_additional_unit()) money_ok(rate.additional_unit(), r + ".additional_unit");
    } else {
      bool tiers_ok =
          rate.weight_tiers_size() <= 20 && !rate.has_first_unit() && !rate.has_additional_unit();
      int64_t previous = 0;
      for (int t = 0; t < rate.weight_tiers_size(); ++t) {
        const v1::WeightTier& tier = rate.weight_tiers(t);
        const bool last = t + 1 == rate.weight_tiers_size();
        if (!(tier.up_to_grams() > previous || (last && tier.up_to_grams() == 0))) {
          tiers_ok = false;
        }
        previous = tier.up_to_grams();
        if (!tier.has_cost()) {
          tiers_ok = false;
        } else {
          money_ok(tier.cost(), absl::StrCat(r, ".weight_tiers[", t, "].cost"));
        }
      }
      if (!tiers_ok) {
        out.Add(r + ".weight_tiers", "WEIGHT_TIERS_INVALID",
                "1..20 tiers with increasing up_to_grams (the last may be 0 = unbounded), each "
                "with a cost; no first_unit/additional_unit beside them");
      }
    }
    if (rate.has_free_over()) money_ok(rate.free_over(), r + ".free_over");
    if (rate.has_min_transit() && rate.has_max_transit() &&
        FromProto(rate.min_transit()) > FromProto(rate.max_transit())) {
      out.Add(r + ".min_transit", "TRANSIT_INVALID", "min_transit must not exceed max_transit");
    }
  }
}

}  // namespace shopcast::product_inventory::catalog
