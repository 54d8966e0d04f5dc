// The catalogue's pure rules: decimals, parameter schemas, price rules and the buy-now
// suggestion, shipping profiles. No network, no database.

#include <catch2/catch.hpp>

#include "catalog/pricing.h"
#include "catalog/product_rules.h"
#include "catalog/schema.h"
#include "catalog/shipping_rules.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::catalog {
namespace {

common::v1::Money M(int64_t minor, const std::string& currency = "USD") {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency(currency);
  return m;
}

std::vector<std::string> Reasons(const Violations& v) {
  std::vector<std::string> out;
  for (const auto& x : v.list().violations()) out.push_back(x.reason());
  return out;
}

TEST_CASE("rules: decimals are exact text, with bounded digits") {
  CHECK(ParseDecimal("12.5")->nanos == 12'500'000'000);
  CHECK(ParseDecimal("12.5")->places == 1);
  CHECK(ParseDecimal("-0.001")->nanos == -1'000'000);
  CHECK(ParseDecimal("7")->places == 0);
  for (const char* bad :
       {"", "-", ".5", "5.", "1e3", "1.2.3", " 1", "1.0000000001", "1234567890123"}) {
    CHECK_FALSE(ParseDecimal(bad).has_value());
  }
}

TEST_CASE("rules: parameters are checked against every spec kind at once") {
  v1::ProductType type;
  auto add = [&](const char* key, v1::ParameterKind kind, bool required) {
    v1::ParameterSpec* s = type.add_parameters();
    s->set_key(key);
    s->set_label(key);
    s->set_kind(kind);
    s->set_required(required);
    return s;
  };
  add("name", v1::PARAMETER_KIND_TEXT, true)->set_min_length(2);
  add("year", v1::PARAMETER_KIND_INTEGER, false)->set_min_value(1900);
  type.mutable_parameters(1)->set_max_value(2030);
  v1::ParameterSpec* weight = add("weight_kg", v1::PARAMETER_KIND_DECIMAL, false);
  weight->set_decimal_places(2);
  weight->set_min_decimal("0.01");
  weight->set_max_decimal("50");
  v1::ParameterSpec* value = add("value", v1::PARAMETER_KIND_MONEY, false);
  *value->mutable_max_money() = M(100000);
  add("signed", v1::PARAMETER_KIND_BOOLEAN, false);
  NormalizeProductType(type);
  Violations schema;
  ValidateProductType(
      [&] {
        v1::ProductType named = type;
        named.set_name("Collectible");
        return named;
      }(),
      "t", schema);
  REQUIRE(schema.empty());

  google::protobuf::Map<std::string, v1::ParameterValue> params;
  params["name"].set_text_value("x");
  params["year"].set_integer_value(1850);
  params["weight_kg"].set_decimal_value("1.234");
  *params["value"].mutable_money_value() = M(500, "EUR");
  params["signed"].set_integer_value(1);
  Violations v;
  ValidateParameters(type, params, "p", v);
  CHECK(Reasons(v) == std::vector<std::string>{
                          "PARAMETER_TOO_SHORT", "PARAMETER_OUT_OF_RANGE", "PARAMETER_TOO_PRECISE",
                          "PARAMETER_CURRENCY_MISMATCH", "PARAMETER_TYPE_MISMATCH"});
  CHECK(v.list().violations(0).field() == "p[name]");

  params["name"].set_text_value("Mint card");
  params["year"].set_integer_value(1999);
  params["weight_kg"].set_decimal_value("49.99");
  *params["value"].mutable_money_value() = M(500);
  params["signed"].set_bool_value(true);
  Violations ok;
  ValidateParameters(type, params, "p", ok);
  CHECK(ok.empty());
  params["weight_kg"].set_decimal_value("50.01");
  Violations over;
  ValidateParameters(type, params, "p", over);
  CHECK(Reasons(over) == std::vector<std::string>{"PARAMETER_OUT_OF_RANGE"});
}

TEST_CASE("rules: the violations status carries the first reason and all violations") {
  Violations v;
  v.Add("a", "FIRST", "first problem");
  v.Add("b", "SECOND", "second problem");
  absl::Status s = v.ToStatus();
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "FIRST");
  CHECK(FieldOf(s) == "a");
  CHECK(ViolationsOf(s).violations_size() == 2);
  CHECK(Violations().ToStatus().ok());
}

TEST_CASE("rules: fixed prices per currency: minimum, ceiling, step") {
  PricingRules rules;
  auto reasons = [&](const common::v1::Money& m) {
    Violations v;
    ValidateFixedPrice(m, "price", rules, v);
    return Reasons(v);
  };
  CHECK(reasons(M(100)).empty());
  CHECK(reasons(M(99)) == std::vector<std::string>{"PRICE_OUT_OF_RANGE"});
  CHECK(reasons(M(10'000'001)) == std::vector<std::string>{"PRICE_OUT_OF_RANGE"});
  CHECK(reasons(M(1005, "CHF")).empty());
  CHECK(reasons(M(1003, "CHF")) == std::vector<std::string>{"PRICE_OFF_STEP"});
  CHECK(reasons(M(1000, "usd")) == std::vector<std::string>{"UNSUPPORTED_CURRENCY"});
}

TEST_CASE("rules: increment tables and the buy-now bounds") {
  google::protobuf::RepeatedPtrField<v1::IncrementStep> platform;
  // The platform table is the auctions' (auctions_rules::IncrementTable::Default).
  CHECK(IncrementAt(platform, "USD", 0) == 5);
  CHECK(IncrementAt(platform, "USD", 999) == 50);
  CHECK(IncrementAt(platform, "USD", 10'000) == 250);
  CHECK(IncrementAt(platform, "USD", 1'000'000) == 10'000);
  CHECK(PlatformIncrements("USD").size() == 10);

  google::protobuf::RepeatedPtrField<v1::IncrementStep> table;
  auto* a = table.Add();
  *a->mutable_below() = M(2000);
  *a->mutable_increment() = M(50);
  auto* b = table.Add();
  *b->mutable_increment() = M(500);
  CHECK(ValidIncrementTable(table, "USD"));
  CHECK_FALSE(ValidIncrementTable(table, "EUR"));
  CHECK(IncrementAt(table, "USD", 1999) == 50);
  CHECK(IncrementAt(table, "USD", 2000) == 500);
  // Increments that shrink from one band to the next would let proxy prices go backwards.
  google::protobuf::RepeatedPtrField<v1::IncrementStep> shrinking = table;
  shrinking[1].mutable_increment()->set_amount_minor(25);
  CHECK_FALSE(ValidIncrementTable(shrinking, "USD"));

  PricingRules rules;
  // Start 20.00 with the custom table: +5.00 = 25.00 and 20 % = 24.00: minimum 25.00;
  // suggested 40.00 (already on the 5.00 increment).
  BuyNowPrices p = BuyNowBounds(M(2000), table, nullptr, rules);
  CHECK(p.minimum.amount_minor() == 2500);
  CHECK(p.suggested.amount_minor() == 4000);
  // A 50 % premium and a 1.5 multiplier: minimum 30.00, the suggestion never below it.
  rules.buy_now_min_premium_percent = 50;
  rules.buy_now_suggest_multiplier = 1.5;
  p = BuyNowBounds(M(2000), table, nullptr, rules);
  CHECK(p.minimum.amount_minor() == 3000);
  CHECK(p.suggested.amount_minor() == 3000);
  common::v1::Money reserve = M(4200);
  p = BuyNowBounds(M(2000), table, &reserve, rules);
  CHECK(p.minimum.amount_minor() == 4200);
  CHECK(p.suggested.amount_minor() == 4200);
}

TEST_CASE("rules: auction settings report every problem") {
  PricingRules rules;
  v1::AuctionSettings s;
  *s.mutable_starting_bid() = M(1000);
  *s.mutable_reserve_price() = M(900);
  *s.mutable_buy_now_price() = M(1100);
  s.mutable_duration()->set_seconds(5);
  s.mutable_anti_snipe_extension()->set_seconds(1);
  Violations v;
  ValidateAuctionSettings(s, "a", rules, v);
  CHECK(Reasons(v) == std::vector<std::string>{"RESERVE_BELOW_STARTING_BID", "BUY_NOW_TOO_LOW",
                                               "DURATION_OUT_OF_RANGE", "DURATION_OUT_OF_RANGE"});
}

TEST_CASE("rules: shipping profiles, flat and by weight") {
  v1::ShippingProfile p;
  p.set_name("Parcels");
  p.set_origin_country_code("DE");
  v1::ShippingRate* eu = p.add_rates();
  eu->add_country_codes("DE");
  eu->add_country_codes("FR");
  auto* t1 = eu->add_weight_tiers();
  t1->set_up_to_grams(2000);
  *t1->mutable_cost() = M(490, "EUR");
  auto* t2 = eu->add_weight_tiers();
  *t2->mutable_cost() = M(990, "EUR");
  v1::ShippingRate* world = p.add_rates();
  world->add_country_codes("*");
  *world->mutable_first_unit() = M(2500, "EUR");
  Violations ok;
  ValidateShippingProfile(p, "s", ok);
  CHECK(ok.empty());

  t2->set_up_to_grams(1000);  // not above the previous tier
  *eu->mutable_first_unit() = M(100, "EUR");
  p.mutable_handling_time()->set_seconds(31 * 86400);
  Violations bad;
  ValidateShippingProfile(p, "s", bad);
  CHECK(Reasons(bad) ==
        std::vector<std::string>{"HANDLING_TIME_OUT_OF_RANGE", "WEIGHT_TIERS_INVALID"});
}

}  // namespace
}  // namespace shopcast::product_inventory::catalog
