// PlaceOrder's validation and the shipping quote: pure rules.

#include <catch2/catch.hpp>

#include "checkout/shipping.h"
#include "checkout/validation.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {
namespace {

namespace pi = ::shopcast::product_inventory::v1;

v1::PlaceOrderRequest Good() {
  v1::PlaceOrderRequest r;
  r.set_reservation_id(ids::NewId("res"));
  r.set_idempotency_key("checkout-1");
  v1::ShippingAddress* a = r.mutable_shipping_address();
  a->set_recipient_name("Grace Hopper");
  a->set_line1("1 Navy Way");
  a->set_city("Arlington");
  a->set_region("VA");
  a->set_postal_code("22201");
  a->set_country_code("US");
  r.mutable_payment_method()->mutable_placeholder()->set_token("pm_test_approve");
  return r;
}

std::vector<std::string> Fields(const std::vector<Violation>& v) {
  std::vector<std::string> out;
  for (const Violation& x : v) out.push_back(x.field);
  return out;
}

TEST_CASE("a complete request passes", "[validation]") {
  CHECK(ValidatePlaceOrder(Good()).empty());
}

TEST_CASE("every bad address field is named", "[validation]") {
  v1::ShippingAddress a = Good().shipping_address();
  a.set_recipient_name("");
  a.set_line1(std::string(201, 'x'));
  a.set_city(
      "Bad\x01"
      "city");
  a.set_country_code("us");
  a.set_phone("0049 151");
  CHECK(Fields(ValidateAddress(a)) ==
        std::vector<std::string>{"shipping_address.recipient_name", "shipping_address.line1",
                                 "shipping_address.city", "shipping_address.country_code",
                                 "shipping_address.phone"});
}

TEST_CASE("region and postal code where the country needs them", "[validation]") {
  v1::ShippingAddress a = Good().shipping_address();
  a.clear_region();
  a.clear_postal_code();
  CHECK(Fields(ValidateAddress(a)) ==
        std::vector<std::string>{"shipping_address.region", "shipping_address.postal_code"});
  a.set_country_code("HK");  // no postal codes, no region needed
  CHECK(ValidateAddress(a).empty());
  a.set_phone("+85212345678");
  CHECK(ValidateAddress(a).empty());
}

TEST_CASE("key and payment method", "[validation]") {
  v1::PlaceOrderRequest r = Good();
  r.set_idempotency_key(std::string(65, 'k'));
  r.mutable_payment_method()->mutable_placeholder()->set_token("tok_visa");
  auto v = ValidatePlaceOrder(r);
  bool key = false, method = false;
  for (const auto& x : v) {
    key = key || x.reason == "IDEMPOTENCY_KEY_INVALID";
    method = method || x.reason == "PAYMENT_METHOD_INVALID";
  }
  CHECK(key);
  CHECK(method);
  absl::Status s = ToStatus(v);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
}

pi::ShippingProfile Profile() {
  pi::ShippingProfile p;
  pi::ShippingRate* gb = p.add_rates();
  gb->add_country_codes("GB");
  gb->mutable_first_unit()->set_amount_minor(300);
  gb->mutable_first_unit()->set_currency("USD");
  gb->mutable_additional_unit()->set_amount_minor(50);
  gb->mutable_additional_unit()->set_currency("USD");
  gb->mutable_free_over()->set_amount_minor(10000);
  gb->mutable_free_over()->set_currency("USD");
  pi::ShippingRate* de = p.add_rates();
  de->add_country_codes("DE");
  pi::WeightTier* t1 = de->add_weight_tiers();
  t1->set_up_to_grams(1000);
  t1->mutable_cost()->set_amount_minor(700);
  t1->mutable_cost()->set_currency("USD");
  pi::WeightTier* t2 = de->add_weight_tiers();
  t2->set_up_to_grams(5000);
  t2->mutable_cost()->set_amount_minor(1500);
  t2->mutable_cost()->set_currency("USD");
  return p;
}

TEST_CASE("shipping: per unit, free over, weight tiers, no rate", "[shipping]") {
  ShippingQuery q{"GB", 3, 0, 3000, "USD"};
  CHECK(*QuoteShipping(Profile(), q) == 400);
  q.subtotal_minor = 10000;
  CHECK(*QuoteShipping(Profile(), q) == 0);
  ShippingQuery de{"DE", 2, 400, 1000, "USD"};
  CHECK(*QuoteShipping(Profile(), de) == 700);
  de.quantity = 3;
  CHECK(*QuoteShipping(Profile(), de) == 1500);
  de.unit_weight_grams = 3000;
  CHECK(ReasonOf(QuoteShipping(Profile(), de).status()) == "SHIPPING_NOT_AVAILABLE");
  ShippingQuery fr{"FR", 1, 0, 100, "USD"};
  CHECK(ReasonOf(QuoteShipping(Profile(), fr).status()) == "SHIPPING_NOT_AVAILABLE");
  ShippingQuery eur{"GB", 1, 0, 100, "EUR"};
  CHECK(ReasonOf(QuoteShipping(Profile(), eur).status()) == "SHIPPING_NOT_AVAILABLE");
}

}  // namespace
}  // namespace shopcast::order::checkout
