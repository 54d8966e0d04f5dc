// Checkout locks: while an order's payment runs its hold cannot expire, be released by the
// buyer or be taken by another order; the lock lapses by itself.
#include <catch2/catch.hpp>
#include <string>

#include "shopcast/status/status.h"
#include "stock/reserve_batcher.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using stock::testing::StockFixture;

namespace {

stock::SaleRules TwoMinuteHolds() {
  stock::SaleRules rules;
  rules.hold_duration = absl::Minutes(2);
  return rules;
}

}  // namespace

TEST_CASE("a locked hold outlives its expiry, is the locking order's alone, then commits") {
  StockFixture f;
  const std::string p = f.NewProduct(5, TwoMinuteHolds());
  stock::ReserveBatcher batcher(f.store(), {});
  auto held = batcher.Reserve({p, "usr_a", 2, "k1"});
  REQUIRE(held.ok());
  const std::string id = held->hold.id;
  f.clock().Advance(absl::Seconds(90));

  auto locked = f.store().LockForCheckout(id, "ord_1", absl::Minutes(5));
  REQUIRE(locked.ok());
  CHECK(locked->hold.checkout_order_id == "ord_1");
  REQUIRE(locked->hold.lock_expires_at.has_value());
  CHECK(*locked->hold.lock_expires_at == f.clock().Now() + absl::Minutes(5));
  CHECK(locked->hold.expires_at == f.clock().Now() + absl::Minutes(5));

  // Past the hold's own expiry it still holds.
  f.clock().Advance(absl::Minutes(2));
  CHECK(f.Level(p).held == 2);
  CHECK(shopcast::ReasonOf(f.store().Release(id, "usr_a").status()) == "RESERVATION_IN_CHECKOUT");
  CHECK(shopcast::ReasonOf(f.store().LockForCheckout(id, "ord_2", absl::Minutes(1)).status()) ==
        "RESERVATION_IN_CHECKOUT");
  CHECK(shopcast::ReasonOf(f.store().Commit(id, "ord_2").status()) == "RESERVATION_IN_CHECKOUT");
  CHECK(shopcast::ReasonOf(f.store().ReleaseForOrder(id, "ord_2").status()) ==
        "RESERVATION_IN_CHECKOUT");
  // The same order again: extended, not doubled.
  REQUIRE(f.store().LockForCheckout(id, "ord_1", absl::Minutes(5)).ok());
  CHECK(f.Level(p).held == 2);

  auto sold = f.store().Commit(id, "ord_1");
  REQUIRE(sold.ok());
  CHECK(sold->hold.state == stock::HoldState::kCommitted);
  CHECK(sold->stock.sold == 2);
  // Locking a hold committed to the same order answers it (a retry after the commit).
  auto retry = f.store().LockForCheckout(id, "ord_1", absl::Minutes(5));
  REQUIRE(retry.ok());
  CHECK(retry->hold.state == stock::HoldState::kCommitted);
  CHECK(shopcast::ReasonOf(f.store().LockForCheckout(id, "ord_2", absl::Minutes(5)).status()) ==
        "RESERVATION_ALREADY_COMMITTED");
  const stock::testing::Audit a = f.AuditOf(p);
  CHECK(a.sold_counter == a.committed_units);
  CHECK(a.held_counter == a.active_units);
}

TEST_CASE("a lapsed lock lets the hold expire, and the locking order may give it back") {
  StockFixture f;
  const std::string p = f.NewProduct(5, TwoMinuteHolds());
  stock::ReserveBatcher batcher(f.store(), {});
  auto first = batcher.Reserve({p, "usr_a", 1, "k1"});
  auto second = batcher.Reserve({p, "usr_b", 1, "k1"});
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(f.store().LockForCheckout(first->hold.id, "ord_1", absl::Minutes(3)).ok());
  REQUIRE(f.store().LockForCheckout(second->hold.id, "ord_2", absl::Seconds(30)).ok());

  // The locking order releases its own (payment failed).
  auto given_back = f.store().ReleaseForOrder(second->hold.id, "ord_2");
  REQUIRE(given_back.ok());
  CHECK(given_back->hold.state == stock::HoldState::kReleased);

  // Past the lock's end the hold has expired (its own expiry was sooner) and holds nothing.
  f.clock().Advance(absl::Minutes(3));
  CHECK(f.Level(p).available == 5);
  CHECK(shopcast::ReasonOf(f.store().Commit(first->hold.id, "ord_1").status()) ==
        "RESERVATION_EXPIRED");
  CHECK(shopcast::ReasonOf(
            f.store().LockForCheckout(first->hold.id, "ord_1", absl::Minutes(1)).status()) ==
        "RESERVATION_EXPIRED");
}

TEST_CASE("a lock whose time ran out on a still-live hold can be taken by another order") {
  StockFixture f;
  stock::SaleRules rules;
  rules.hold_duration = absl::Minutes(10);
  const std::string p = f.NewProduct(5, rules);
  stock::ReserveBatcher batcher(f.store(), {});
  auto held = batcher.Reserve({p, "usr_a", 1, "k1"});
  REQUIRE(held.ok());
  REQUIRE(f.store().LockForCheckout(held->hold.id, "ord_1", absl::Seconds(30)).ok());
  f.clock().Advance(absl::Minutes(1));
  auto hold = f.store().GetHold(held->hold.id);
  REQUIRE(hold.ok());
  CHECK(hold->checkout_order_id.empty());  // the lock lapsed; the hold is HELD again
  CHECK(hold->state == stock::HoldState::kActive);
  REQUIRE(f.store().LockForCheckout(held->hold.id, "ord_2", absl::Minutes(1)).ok());
  REQUIRE(f.store().Commit(held->hold.id, "ord_2").ok());
}

TEST_CASE("checkout locks refuse bad input and change nothing") {
  StockFixture f;
  const std::string p = f.NewProduct(5);
  stock::ReserveBatcher batcher(f.store(), {});
  auto held = batcher.Reserve({p, "usr_a", 1, "k1"});
  REQUIRE(held.ok());
  const std::string id = held->hold.id;
  CHECK(shopcast::ReasonOf(f.store().LockForCheckout(id, "", absl::Minutes(1)).status()) ==
        "ID_REQUIRED");
  CHECK(shopcast::ReasonOf(f.store().LockForCheckout(id, "ord_1", absl::Seconds(29)).status()) ==
        "LOCK_DURATION_OUT_OF_RANGE");
  CHECK(shopcast::ReasonOf(f.store().LockForCheckout(id, "ord_1", absl::Minutes(16)).status()) ==
        "LOCK_DURATION_OUT_OF_RANGE");
  CHECK(shopcast::ReasonOf(
            f.store().LockForCheckout("res_nope", "ord_1", absl::Minutes(1)).status()) ==
        "RESERVATION_NOT_FOUND");
  auto hold = f.store().GetHold(id);
  REQUIRE(hold.ok());
  CHECK(hold->checkout_order_id.empty());
  CHECK(hold->expires_at == held->hold.expires_at);
}
