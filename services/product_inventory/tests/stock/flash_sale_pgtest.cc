// Flash sales scheduled and ended on a product's stock (tx::ScheduleFlashSale / EndFlashSale):
// the countdown, the deal, one sale after another, and the regular price back at the end.
#include <catch2/catch.hpp>
#include <string>

#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_tx.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using stock::testing::StockFixture;

namespace {

absl::StatusOr<stock::StockLevel> Schedule(StockFixture& f, const std::string& product,
                                           const stock::FlashSale& sale) {
  return shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) {
    return stock::tx::ScheduleFlashSale(tx, product, sale, f.clock().Now());
  });
}

absl::StatusOr<stock::StockLevel> End(StockFixture& f, const std::string& product) {
  return shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) {
    return stock::tx::EndFlashSale(tx, product, f.clock().Now());
  });
}

stock::FlashSale Sale(StockFixture& f, absl::Duration countdown, absl::Duration length, int64_t cap,
                      int32_t per_user = 0) {
  const absl::Time opens = f.clock().Now() + countdown;
  return stock::FlashSale{399, "EUR", cap, per_user, opens, opens + length};
}

void CheckConsistent(StockFixture& f, const std::string& product) {
  const stock::testing::Audit a = f.AuditOf(product);
  CHECK(a.held_counter == a.active_units);
  CHECK(a.sold_counter == a.committed_units);
  CHECK(a.flash_taken == a.flash_live_units);
  const stock::StockLevel l = f.Level(product);
  CHECK(l.available + l.held + l.sold == l.total);
}

}  // namespace

TEST_CASE("a scheduled flash sale counts down, sells at its deal within its caps, then closes") {
  StockFixture f;
  const std::string p = f.NewProduct(20);
  stock::ReserveBatcher batcher(f.store(), {});
  auto scheduled = Schedule(f, p, Sale(f, absl::Seconds(30), absl::Minutes(1), 3, 2));
  REQUIRE(scheduled.ok());
  REQUIRE(scheduled->flash_sale.has_value());
  CHECK(stock::PhaseOf(*scheduled->flash_sale, f.clock().Now()) ==
        stock::FlashSalePhase::kScheduled);
  CHECK(scheduled->flash_sale->taken == 0);

  // The countdown: nothing sells, at any price.
  CHECK(shopcast::ReasonOf(batcher.Reserve({p, "usr_a", 1, "k0"}).status()) == "SALE_NOT_OPEN");
  f.clock().Advance(absl::Seconds(30));
  auto a = batcher.Reserve({p, "usr_a", 2, "k1"});
  REQUIRE(a.ok());
  CHECK(a->hold.flash_sale);
  CHECK(a->hold.unit_price_minor == 399);
  // The per-buyer cap, then the sale's cap.
  CHECK(shopcast::ReasonOf(batcher.Reserve({p, "usr_a", 1, "k2"}).status()) ==
        "PURCHASE_LIMIT_REACHED");
  REQUIRE(batcher.Reserve({p, "usr_b", 1, "k1"}).ok());
  CHECK(batcher.Reserve({p, "usr_c", 1, "k1"}).status().code() ==
        absl::StatusCode::kResourceExhausted);
  const stock::StockLevel live = f.Level(p);
  REQUIRE(live.flash_sale.has_value());
  CHECK(live.flash_sale->taken == 3);
  CHECK(stock::PhaseOf(*live.flash_sale, f.clock().Now()) == stock::FlashSalePhase::kOver);
  // Scheduling over a running sale is refused, and changes nothing.
  CHECK(shopcast::ReasonOf(
            Schedule(f, p, Sale(f, absl::ZeroDuration(), absl::Minutes(5), 5)).status()) ==
        "FLASH_SALE_LIVE");
  CHECK(f.Level(p).flash_sale->stock_cap == 3);

  f.clock().Advance(absl::Minutes(1));
  CHECK(shopcast::ReasonOf(batcher.Reserve({p, "usr_d", 1, "k1"}).status()) == "SALE_CLOSED");
  CheckConsistent(f, p);
}

TEST_CASE("ending a sale brings the regular price back and the next sale starts its own count") {
  StockFixture f;
  const std::string p = f.NewProduct(20);
  stock::ReserveBatcher batcher(f.store(), {});
  REQUIRE(Schedule(f, p, Sale(f, absl::ZeroDuration(), absl::Minutes(1), 2, 1)).ok());
  auto deal = batcher.Reserve({p, "usr_a", 1, "k1"});
  REQUIRE(deal.ok());
  REQUIRE(f.store().Commit(deal->hold.id, "ord_1").ok());

  // Ended early: the buyer keeps the deal they got; others pay the regular price again.
  auto ended = End(f, p);
  REQUIRE(ended.ok());
  CHECK_FALSE(ended->flash_sale.has_value());
  auto regular = batcher.Reserve({p, "usr_b", 1, "k1"});
  REQUIRE(regular.ok());
  CHECK_FALSE(regular->hold.flash_sale);
  CHECK_FALSE(regular->hold.unit_price_minor.has_value());
  CHECK(f.store().GetHold(deal->hold.id)->unit_price_minor == 399);
  CheckConsistent(f, p);
  // Ending again is harmless.
  REQUIRE(End(f, p).ok());

  // A second sale: the first one's buyer may buy again, and its cap is whole.
  REQUIRE(Schedule(f, p, Sale(f, absl::ZeroDuration(), absl::Minutes(1), 2, 1)).ok());
  CHECK(f.Level(p).flash_sale->taken == 0);
  REQUIRE(batcher.Reserve({p, "usr_a", 1, "k2"}).ok());
  REQUIRE(batcher.Reserve({p, "usr_c", 1, "k1"}).ok());
  CHECK(f.Level(p).flash_sale->taken == 2);
  // Returning the first sale's unit does not give the second sale a unit back.
  REQUIRE(f.store().ReturnCommittedStock(deal->hold.id, "ord_1").ok());
  CHECK(f.Level(p).flash_sale->taken == 2);
  CheckConsistent(f, p);
}

TEST_CASE("a sale not yet open can be replaced, and replacing a closed one leaves its holds") {
  StockFixture f;
  const std::string p = f.NewProduct(10);
  stock::ReserveBatcher batcher(f.store(), {});
  REQUIRE(Schedule(f, p, Sale(f, absl::Minutes(5), absl::Minutes(1), 2)).ok());
  REQUIRE(Schedule(f, p, Sale(f, absl::Minutes(1), absl::Minutes(1), 4)).ok());
  CHECK(f.Level(p).flash_sale->stock_cap == 4);
  f.clock().Advance(absl::Minutes(1));
  auto held = batcher.Reserve({p, "usr_a", 3, "k1"});
  REQUIRE(held.ok());
  f.clock().Advance(absl::Minutes(1));
  // Over: a new sale may be scheduled, and the old sale's live hold no longer counts toward it.
  REQUIRE(Schedule(f, p, Sale(f, absl::ZeroDuration(), absl::Minutes(1), 1)).ok());
  CHECK(f.Level(p).flash_sale->taken == 0);
  CHECK(f.Level(p).held == 3);
  REQUIRE(f.store().Release(held->hold.id, "usr_a").ok());
  CheckConsistent(f, p);
}

TEST_CASE("bad flash sales are refused and change nothing") {
  StockFixture f;
  const std::string p = f.NewProduct(10);
  const int64_t revision = f.Level(p).revision;
  stock::FlashSale no_price = Sale(f, absl::ZeroDuration(), absl::Minutes(1), 1);
  no_price.price_minor = 0;
  stock::FlashSale no_cap = Sale(f, absl::ZeroDuration(), absl::Minutes(1), 0);
  stock::FlashSale backwards = Sale(f, absl::ZeroDuration(), absl::Minutes(1), 1);
  std::swap(backwards.opens_at, backwards.closes_at);
  stock::FlashSale bad_currency = Sale(f, absl::ZeroDuration(), absl::Minutes(1), 1);
  bad_currency.currency = "euro";
  for (const stock::FlashSale& bad : {no_price, no_cap, backwards, bad_currency}) {
    CHECK(shopcast::ReasonOf(Schedule(f, p, bad).status()) == "FLASH_SALE_INVALID");
  }
  CHECK(shopcast::ReasonOf(
            Schedule(f, "prd_nope", Sale(f, absl::ZeroDuration(), absl::Minutes(1), 1)).status()) ==
        "PRODUCT_NOT_FOUND");
  CHECK(f.Level(p).revision == revision);
  CHECK_FALSE(f.Level(p).flash_sale.has_value());
}
