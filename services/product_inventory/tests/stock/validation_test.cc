// Input checks of the stock engine: each bad input gets INVALID_ARGUMENT with its reason and
// field; good input passes.
#include "stock/validation.h"

#include <catch2/catch.hpp>
#include <string>

#include "shopcast/status/status.h"

namespace stock = shopcast::product_inventory::stock;

namespace {

stock::ReserveRequest GoodReserve() { return stock::ReserveRequest{"prd_1", "usr_1", 1, "key-1"}; }

void ExpectInvalid(const absl::Status& s, const std::string& reason, const std::string& field) {
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(shopcast::ReasonOf(s) == reason);
  CHECK(shopcast::FieldOf(s) == field);
}

}  // namespace

TEST_CASE("a well-formed reservation request passes") {
  CHECK(stock::ValidateReserve(GoodReserve()).ok());
  auto max = GoodReserve();
  max.quantity = 100;
  max.idempotency_key = std::string(64, '~');
  CHECK(stock::ValidateReserve(max).ok());
}

TEST_CASE("reservation requests with bad input are refused with reason and field") {
  struct Case {
    const char* name;
    void (*mutate)(stock::ReserveRequest&);
    const char* reason;
    const char* field;
  };
  const Case cases[] = {
      {"zero quantity", [](stock::ReserveRequest& r) { r.quantity = 0; }, "QUANTITY_OUT_OF_RANGE",
       "quantity"},
      {"negative quantity", [](stock::ReserveRequest& r) { r.quantity = -5; },
       "QUANTITY_OUT_OF_RANGE", "quantity"},
      {"quantity above 100", [](stock::ReserveRequest& r) { r.quantity = 101; },
       "QUANTITY_OUT_OF_RANGE", "quantity"},
      {"huge quantity", [](stock::ReserveRequest& r) { r.quantity = 2147483647; },
       "QUANTITY_OUT_OF_RANGE", "quantity"},
      {"most negative quantity", [](stock::ReserveRequest& r) { r.quantity = -2147483647 - 1; },
       "QUANTITY_OUT_OF_RANGE", "quantity"},
      {"no product", [](stock::ReserveRequest& r) { r.product_id.clear(); }, "ID_REQUIRED",
       "product_id"},
      {"no buyer", [](stock::ReserveRequest& r) { r.buyer_id.clear(); }, "ID_REQUIRED", "buyer_id"},
      {"no key", [](stock::ReserveRequest& r) { r.idempotency_key.clear(); },
       "IDEMPOTENCY_KEY_INVALID", "idempotency_key"},
      {"key too long", [](stock::ReserveRequest& r) { r.idempotency_key = std::string(65, 'k'); },
       "IDEMPOTENCY_KEY_INVALID", "idempotency_key"},
      {"key with a space", [](stock::ReserveRequest& r) { r.idempotency_key = "a b"; },
       "IDEMPOTENCY_KEY_INVALID", "idempotency_key"},
      {"key with non-ASCII", [](stock::ReserveRequest& r) { r.idempotency_key = "cl\xc3\xa9"; },
       "IDEMPOTENCY_KEY_INVALID", "idempotency_key"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    stock::ReserveRequest r = GoodReserve();
    c.mutate(r);
    ExpectInvalid(stock::ValidateReserve(r), c.reason, c.field);
  }
}

TEST_CASE("stock totals outside 0..1,000,000 are refused") {
  CHECK(stock::ValidateTotal(0).ok());
  CHECK(stock::ValidateTotal(1'000'000).ok());
  ExpectInvalid(stock::ValidateTotal(-1), "STOCK_OUT_OF_RANGE", "total");
  ExpectInvalid(stock::ValidateTotal(1'000'001), "STOCK_OUT_OF_RANGE", "total");
}

TEST_CASE("sale rules are checked: hold window, limit, flash sale") {
  stock::SaleRules ok;
  CHECK(stock::ValidateRules(ok).ok());

  stock::SaleRules r = ok;
  r.hold_duration = absl::Seconds(59);
  ExpectInvalid(stock::ValidateRules(r), "HOLD_DURATION_OUT_OF_RANGE", "hold_duration");
  r.hold_duration = absl::Minutes(10) + absl::Seconds(1);
  ExpectInvalid(stock::ValidateRules(r), "HOLD_DURATION_OUT_OF_RANGE", "hold_duration");
  r.hold_duration = absl::Milliseconds(90500);
  ExpectInvalid(stock::ValidateRules(r), "HOLD_DURATION_OUT_OF_RANGE", "hold_duration");
  r.hold_duration = absl::Minutes(10);
  CHECK(stock::ValidateRules(r).ok());

  r = ok;
  r.per_user_limit = -1;
  ExpectInvalid(stock::ValidateRules(r), "PURCHASE_LIMIT_INVALID",
                "purchase_limit.max_quantity_per_user");
  r.per_user_limit = 1001;
  ExpectInvalid(stock::ValidateRules(r), "PURCHASE_LIMIT_INVALID",
                "purchase_limit.max_quantity_per_user");
  r.per_user_limit = 2;
  r.limit_window = absl::ZeroDuration();
  ExpectInvalid(stock::ValidateRules(r), "PURCHASE_LIMIT_INVALID", "purchase_limit.window");
  r.limit_window = absl::Hours(1);
  CHECK(stock::ValidateRules(r).ok());

  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  stock::FlashSale sale{999, "EUR", 50, 2, t0, t0 + absl::Minutes(10)};
  r = ok;
  r.flash_sale = sale;
  CHECK(stock::ValidateRules(r).ok());
  r.flash_sale->price_minor = 0;
  ExpectInvalid(stock::ValidateRules(r), "FLASH_SALE_INVALID", "flash_sale.price");
  r.flash_sale = sale;
  r.flash_sale->currency = "eur";
  ExpectInvalid(stock::ValidateRules(r), "FLASH_SALE_INVALID", "flash_sale.currency");
  r.flash_sale = sale;
  r.flash_sale->stock_cap = 0;
  ExpectInvalid(stock::ValidateRules(r), "FLASH_SALE_INVALID", "flash_sale.stock_cap");
  r.flash_sale = sale;
  r.flash_sale->per_user_cap = -1;
  ExpectInvalid(stock::ValidateRules(r), "FLASH_SALE_INVALID", "flash_sale.per_user_cap");
  r.flash_sale = sale;
  r.flash_sale->closes_at = t0;
  ExpectInvalid(stock::ValidateRules(r), "FLASH_SALE_INVALID", "flash_sale.closes_at");
}
