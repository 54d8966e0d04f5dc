// Reserve on real PostgreSQL: holds that expire by themselves, idempotency, per-user limits,
// flash-sale windows and caps, and a table of bad input that changes nothing.
#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "stock/expiry_sweeper.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_tx.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using stock::testing::StockFixture;

namespace {

stock::ReserveRequest Req(const std::string& product, const std::string& buyer, int quantity,
                          const std::string& key) {
  return stock::ReserveRequest{product, buyer, quantity, key};
}

std::string PayloadOf(const absl::Status& s, const char* key) {
  auto p = s.GetPayload(key);
  return p ? std::string(*p) : std::string();
}

void CheckConsistent(StockFixture& f, const std::string& product) {
  const stock::testing::Audit a = f.AuditOf(product);
  CHECK(a.held_counter == a.active_units);
  CHECK(a.sold_counter == a.committed_units);
  CHECK(a.held_counter + a.sold_counter <= a.total);
  CHECK(a.flash_taken == a.flash_live_units);
  const stock::StockLevel l = f.Level(product);
  CHECK(l.available >= 0);
  CHECK(l.available + l.held + l.sold == l.total);
}

}  // namespace

TEST_CASE("a hold takes stock and gives it back by itself when it expires") {
  StockFixture f;
  stock::SaleRules rules;
  rules.hold_duration = absl::Minutes(2);
  const std::string p = f.NewProduct(10, rules);
  stock::ReserveBatcher batcher(f.store(), {});

  auto r = batcher.Reserve(Req(p, "usr_a", 3, "k1"));
  REQUIRE(r.ok());
  CHECK(r->hold.quantity == 3);
  CHECK(r->hold.state == stock::HoldState::kActive);
  CHECK(r->hold.expires_at == f.clock().Now() + absl::Minutes(2));
  CHECK(r->hold.id.rfind("res_", 0) == 0);
  CHECK(r->stock.available == 7);
  CHECK(r->stock.held == 3);
  CHECK(f.Level(p).available == 7);

  // One microsecond before expiry it still holds; at expiry it holds nothing, with no sweeper.
  f.clock().Advance(absl::Minutes(2) - absl::Microseconds(1));
  CHECK(f.Level(p).held == 3);
  f.clock().Advance(absl::Microseconds(1));
  stock::StockLevel after = f.Level(p);
  CHECK(after.held == 0);
  CHECK(after.available == 10);
  auto hold = f.store().GetHold(r->hold.id);
  REQUIRE(hold.ok());
  CHECK(hold->state == stock::HoldState::kExpired);
  // The returned units can be reserved again.
  auto again = batcher.Reserve(Req(p, "usr_b", 10, "k1"));
  REQUIRE(again.ok());
  CHECK(again->stock.available == 0);
  CheckConsistent(f, p);
}

TEST_CASE("the expiry sweeper only tidies: nobody's view of the stock changes") {
  StockFixture f;
  const std::string p = f.NewProduct(5);
  const std::string q = f.NewProduct(5);
  stock::ReserveBatcher batcher(f.store(), {});
  REQUIRE(batcher.Reserve(Req(p, "usr_a", 2, "k1")).ok());
  REQUIRE(batcher.Reserve(Req(q, "usr_a", 1, "k2")).ok());
  f.clock().Advance(absl::Minutes(6));
  const stock::StockLevel before_p = f.Level(p);
  const stock::StockLevel before_q = f.Level(q);
  CHECK(f.AuditOf(p).held_counter == 2);  // Not tidied yet, yet not counted.

  stock::ExpirySweeper sweeper(f.store(), {absl::Milliseconds(50), 10});
  sweeper.Start();
  REQUIRE(
      shopcast::testing::WaitUntil([&] { return sweeper.units_tidied() == 3; }, absl::Seconds(30)));
  sweeper.Stop();
  CHECK(f.AuditOf(p).held_counter == 0);
  CHECK(f.AuditOf(q).held_counter == 0);
  const stock::StockLevel after_p = f.Level(p);
  CHECK(after_p.available == before_p.available);
  CHECK(after_p.held == before_p.held);
  CHECK(after_p.sold == before_p.sold);
  CHECK(f.Level(q).available == before_q.available);
  CheckConsistent(f, p);
  CheckConsistent(f, q);
}

TEST_CASE("a repeated idempotency key returns the first hold, even after it expired") {
  StockFixture f;
  const std::string p = f.NewProduct(10);
  const std::string other = f.NewProduct(10);
  stock::ReserveBatcher batcher(f.store(), {});
  auto first = batcher.Reserve(Req(p, "usr_a", 2, "same"));
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  auto again = batcher.Reserve(Req(p, "usr_a", 2, "same"));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->hold.id == first->hold.id);
  CHECK(f.Level(p).held == 2);

  // Another buyer may use the same key.
  auto other_buyer = batcher.Reserve(Req(p, "usr_b", 2, "same"));
  REQUIRE(other_buyer.ok());
  CHECK(other_buyer->hold.id != first->hold.id);

  // The same key for another quantity or product is a mistake, not a new hold.
  auto changed = batcher.Reserve(Req(p, "usr_a", 3, "same"));
  CHECK(changed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(shopcast::ReasonOf(changed.status()) == "IDEMPOTENCY_KEY_REUSED");
  auto elsewhere = batcher.Reserve(Req(other, "usr_a", 2, "same"));
  CHECK(shopcast::ReasonOf(elsewhere.status()) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(f.Level(other).held == 0);

  f.clock().Advance(absl::Minutes(10));
  auto late = batcher.Reserve(Req(p, "usr_a", 2, "same"));
  REQUIRE(late.ok());
  CHECK(late->duplicate);
  CHECK(late->hold.id == first->hold.id);
  CHECK(late->hold.state == stock::HoldState::kExpired);
  CHECK(f.Level(p).held == 0);
  CheckConsistent(f, p);
}

TEST_CASE("per-user limits count live holds and purchases, released and expired ones free it") {
  StockFixture f;
  stock::SaleRules rules;
  rules.per_user_limit = 3;
  const std::string p = f.NewProduct(100, rules);
  stock::ReserveBatcher batcher(f.store(), {});

  auto a = batcher.Reserve(Req(p, "usr_a", 2, "k1"));
  REQUIRE(a.ok());
  REQUIRE(f.store().Commit(a->hold.id, "ord_1").ok());
  auto b = batcher.Reserve(Req(p, "usr_a", 1, "k2"));
  REQUIRE(b.ok());
  auto c = batcher.Reserve(Req(p, "usr_a", 1, "k3"));
  CHECK(c.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(shopcast::ReasonOf(c.status()) == "PURCHASE_LIMIT_REACHED");
  CHECK(PayloadOf(c.status(), stock::kRemainingPayload) == "0");
  // Someone else is not limited by usr_a's purchases.
  CHECK(batcher.Reserve(Req(p, "usr_b", 3, "k1")).ok());

  // Releasing the live hold frees one unit of the limit; the purchase still counts.
  REQUIRE(f.store().Release(b->hold.id, "usr_a").ok());
  auto two = batcher.Reserve(Req(p, "usr_a", 2, "k4"));
  CHECK(shopcast::ReasonOf(two.status()) == "PURCHASE_LIMIT_REACHED");
  CHECK(PayloadOf(two.status(), stock::kRemainingPayload) == "1");
  auto one = batcher.Reserve(Req(p, "usr_a", 1, "k5"));
  REQUIRE(one.ok());
  // An expired hold frees it too.
  f.clock().Advance(absl::Minutes(5));
  CHECK(batcher.Reserve(Req(p, "usr_a", 1, "k6")).ok());
  CHECK(f.UnitsOf(p, "usr_a") == 3);
  CheckConsistent(f, p);
}

TEST_CASE("a limit with a window counts only holds and purchases made within it") {
  StockFixture f;
  stock::SaleRules rules;
  rules.per_user_limit = 1;
  rules.limit_window = absl::Hours(1);
  const std::string p = f.NewProduct(100, rules);
  stock::ReserveBatcher batcher(f.store(), {});
  auto a = batcher.Reserve(Req(p, "usr_a", 1, "k1"));
  REQUIRE(a.ok());
  REQUIRE(f.store().Commit(a->hold.id, "ord_1").ok());
  CHECK(shopcast::ReasonOf(batcher.Reserve(Req(p, "usr_a", 1, "k2")).status()) ==
        "PURCHASE_LIMIT_REACHED");
  f.clock().Advance(absl::Hours(1));
  CHECK(batcher.Reserve(Req(p, "usr_a", 1, "k3")).ok());
}

TEST_CASE("a flash sale sells only while open, at its price, within its caps") {
  StockFixture f;
  const absl::Time opens = f.clock().Now() + absl::Minutes(10);
  stock::SaleRules rules;
  rules.flash_sale = stock::FlashSale{499, "EUR", 5, 2, opens, opens + absl::Minutes(30)};
  const std::string p = f.NewProduct(20, rules);
  stock::ReserveBatcher batcher(f.store(), {});

  auto early = batcher.Reserve(Req(p, "usr_a", 1, "k1"));
  CHECK(early.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(early.status()) == "SALE_NOT_OPEN");
  f.clock().Advance(absl::Minutes(10) - absl::Microseconds(1));
  CHECK(shopcast::ReasonOf(batcher.Reserve(Req(p, "usr_a", 1, "k2")).status()) == "SALE_NOT_OPEN");
  f.clock().Advance(absl::Microseconds(1));

  auto a = batcher.Reserve(Req(p, "usr_a", 2, "k3"));
  REQUIRE(a.ok());
  CHECK(a->hold.flash_sale);
  REQUIRE(a->hold.unit_price_minor.has_value());
  CHECK(*a->hold.unit_price_minor == 499);
  // Per-user cap 2.
  CHECK(shopcast::ReasonOf(batcher.Reserve(Req(p, "usr_a", 1, "k4")).status()) ==
        "PURCHASE_LIMIT_REACHED");
  // Stock cap 5 of the 20 units.
  REQUIRE(batcher.Reserve(Req(p, "usr_b", 2, "k1")).ok());
  auto over = batcher.Reserve(Req(p, "usr_c", 2, "k1"));
  CHECK(shopcast::ReasonOf(over.status()) == "INSUFFICIENT_STOCK");
  CHECK(PayloadOf(over.status(), stock::kAvailablePayload) == "1");
  REQUIRE(batcher.Reserve(Req(p, "usr_c", 1, "k2")).ok());
  CHECK(shopcast::ReasonOf(batcher.Reserve(Req(p, "usr_d", 1, "k1")).status()) == "SOLD_OUT");
  // A released flash hold goes back to the sale.
  REQUIRE(f.store().Release(a->hold.id, "usr_a").ok());
  CHECK(batcher.Reserve(Req(p, "usr_d", 2, "k2")).ok());
  CheckConsistent(f, p);

  f.clock().Advance(absl::Minutes(30));
  auto late = batcher.Reserve(Req(p, "usr_e", 1, "k1"));
  CHECK(late.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(late.status()) == "SALE_CLOSED");
  CheckConsistent(f, p);
}

TEST_CASE("bad input to the stock engine is refused with the right status and changes nothing") {
  StockFixture f;
  stock::SaleRules rules;
  rules.per_user_limit = 5;
  const std::string p = f.NewProduct(10, rules);
  stock::ReserveBatcher batcher(f.store(), {});
  auto held = batcher.Reserve(Req(p, "usr_owner", 2, "k0"));
  REQUIRE(held.ok());
  const stock::StockLevel before = f.Level(p);

  struct Case {
    const char* name;
    std::function<absl::Status()> call;
    absl::StatusCode code;
    const char* reason;
  };
  auto reserve = [&](std::string product, int quantity) {
    return [&batcher, product, quantity] {
      return batcher.Reserve(Req(product, "usr_x", quantity, "kx")).status();
    };
  };
  auto in_tx = [&](std::function<absl::Status(pqxx::work&)> fn) {
    return [&f, fn] { return shopcast::db::InTransaction(f.pool(), fn); };
  };
  const absl::Time now = f.clock().Now();
  const std::vector<Case> cases = {
      {"zero quantity", reserve(p, 0), absl::StatusCode::kInvalidArgument, "QUANTITY_OUT_OF_RANGE"},
      {"negative quantity", reserve(p, -1), absl::StatusCode::kInvalidArgument,
       "QUANTITY_OUT_OF_RANGE"},
      {"huge quantity", reserve(p, 2147483647), absl::StatusCode::kInvalidArgument,
       "QUANTITY_OUT_OF_RANGE"},
      {"more than is left", reserve(p, 9), absl::StatusCode::kResourceExhausted,
       "PURCHASE_LIMIT_REACHED"},
      {"unknown product", reserve("prd_unknown", 1), absl::StatusCode::kNotFound,
       "PRODUCT_NOT_FOUND"},
      {"empty product id", reserve("", 1), absl::StatusCode::kInvalidArgument, "ID_REQUIRED"},
      {"release someone else's hold",
       [&] { return f.store().Release(held->hold.id, "usr_x").status(); },
       absl::StatusCode::kPermissionDenied, "NOT_RESERVATION_OWNER"},
      {"release an unknown hold", [&] { return f.store().Release("res_nope", "usr_x").status(); },
       absl::StatusCode::kNotFound, "RESERVATION_NOT_FOUND"},
      {"commit an unknown hold", [&] { return f.store().Commit("res_nope", "ord_1").status(); },
       absl::StatusCode::kNotFound, "RESERVATION_NOT_FOUND"},
      {"commit without an order", [&] { return f.store().Commit(held->hold.id, "").status(); },
       absl::StatusCode::kInvalidArgument, "ID_REQUIRED"},
      {"return an uncommitted hold",
       [&] { return f.store().ReturnCommittedStock(held->hold.id, "ord_1").status(); },
       absl::StatusCode::kFailedPrecondition, "RESERVATION_NOT_COMMITTED"},
      {"remove more than is available",
       in_tx([&](pqxx::work& tx) { return stock::tx::AdjustTotal(tx, p, -9, now).status(); }),
       absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_AVAILABLE_STOCK"},
      {"restock above the ceiling", in_tx([&](pqxx::work& tx) {
         return stock::tx::AdjustTotal(tx, p, 1'000'000, now).status();
       }),
       absl::StatusCode::kInvalidArgument, "STOCK_OUT_OF_RANGE"},
      {"adjust by zero",
       in_tx([&](pqxx::work& tx) { return stock::tx::AdjustTotal(tx, p, 0, now).status(); }),
       absl::StatusCode::kInvalidArgument, "DELTA_ZERO"},
      {"adjust an unknown product", in_tx([&](pqxx::work& tx) {
         return stock::tx::AdjustTotal(tx, "prd_unknown", 5, now).status();
       }),
       absl::StatusCode::kNotFound, "PRODUCT_NOT_FOUND"},
      {"create stock twice",
       in_tx([&](pqxx::work& tx) { return stock::tx::CreateStock(tx, p, 5, {}, now); }),
       absl::StatusCode::kAlreadyExists, "STOCK_EXISTS"},
      {"create negative stock",
       in_tx([&](pqxx::work& tx) { return stock::tx::CreateStock(tx, "prd_new", -1, {}, now); }),
       absl::StatusCode::kInvalidArgument, "STOCK_OUT_OF_RANGE"},
      {"create stock above the ceiling", in_tx([&](pqxx::work& tx) {
         return stock::tx::CreateStock(tx, "prd_new", 1'000'001, {}, now);
       }),
       absl::StatusCode::kInvalidArgument, "STOCK_OUT_OF_RANGE"},
      {"a hold window of 11 minutes", in_tx([&](pqxx::work& tx) {
         stock::SaleRules r;
         r.hold_duration = absl::Minutes(11);
         return stock::tx::SetRules(tx, p, r, now);
       }),
       absl::StatusCode::kInvalidArgument, "HOLD_DURATION_OUT_OF_RANGE"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const absl::Status s = c.call();
    CHECK(s.code() == c.code);
    CHECK(shopcast::ReasonOf(s) == c.reason);
    const stock::StockLevel now_level = f.Level(p);
    CHECK(now_level.total == before.total);
    CHECK(now_level.available == before.available);
    CHECK(now_level.held == before.held);
    CHECK(now_level.sold == before.sold);
  }
  // And a buyer asking for more than is left (no limit in the way) learns how many are.
  const std::string q = f.NewProduct(3);
  auto more = batcher.Reserve(Req(q, "usr_y", 4, "k1"));
  CHECK(more.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(shopcast::ReasonOf(more.status()) == "INSUFFICIENT_STOCK");
  CHECK(PayloadOf(more.status(), stock::kAvailablePayload) == "3");
  CHECK(f.Level(q).available == 3);
  CHECK(f.store().GetStock({"prd_new"})->empty());
}
