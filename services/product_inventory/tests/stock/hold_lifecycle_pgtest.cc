// A hold's life after Reserve: release, commit and return, each idempotent where the order
// service needs it, and restock/write-off around live holds.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_tx.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using stock::testing::StockFixture;

namespace {

stock::Hold Take(stock::ReserveBatcher& batcher, const std::string& product,
                 const std::string& buyer, int quantity, const std::string& key) {
  auto r = batcher.Reserve(stock::ReserveRequest{product, buyer, quantity, key});
  REQUIRE(r.ok());
  return r->hold;
}

}  // namespace

TEST_CASE("release gives the units back at once and is idempotent") {
  StockFixture f;
  const std::string p = f.NewProduct(5);
  stock::ReserveBatcher batcher(f.store(), {});
  const stock::Hold h = Take(batcher, p, "usr_a", 3, "k1");
  auto released = f.store().Release(h.id, "usr_a");
  REQUIRE(released.ok());
  CHECK(released->hold.state == stock::HoldState::kReleased);
  REQUIRE(released->hold.settled_at.has_value());
  CHECK(released->stock.available == 5);
  auto again = f.store().Release(h.id, "usr_a");
  REQUIRE(again.ok());
  CHECK(again->hold.state == stock::HoldState::kReleased);
  CHECK(f.Level(p).available == 5);
  // A released hold cannot be sold.
  CHECK(shopcast::ReasonOf(f.store().Commit(h.id, "ord_1").status()) == "RESERVATION_RELEASED");
  // Releasing a hold that has expired meanwhile is fine and changes nothing more.
  const stock::Hold late = Take(batcher, p, "usr_a", 1, "k2");
  f.clock().Advance(absl::Minutes(5));
  auto expired = f.store().Release(late.id, "usr_a");
  REQUIRE(expired.ok());
  CHECK(expired->hold.state == stock::HoldState::kExpired);
  CHECK(f.Level(p).available == 5);
  const auto a = f.AuditOf(p);
  CHECK(a.held_counter == a.active_units);
}

TEST_CASE("the order service releases a hold whoever its buyer, but never a sold one") {
  StockFixture f;
  const std::string p = f.NewProduct(5);
  stock::ReserveBatcher batcher(f.store(), {});
  const stock::Hold h = Take(batcher, p, "usr_a", 2, "k1");
  auto released = f.store().ReleaseForOrder(h.id, "ord_9");
  REQUIRE(released.ok());
  CHECK(released->hold.state == stock::HoldState::kReleased);
  CHECK(released->stock.available == 5);
  const stock::Hold sold = Take(batcher, p, "usr_a", 1, "k2");
  REQUIRE(f.store().Commit(sold.id, "ord_1").ok());
  CHECK(shopcast::ReasonOf(f.store().ReleaseForOrder(sold.id, "ord_9").status()) ==
        "RESERVATION_ALREADY_COMMITTED");
  CHECK(f.Level(p).sold == 1);
}

TEST_CASE("commit sells a live hold once, and repeats for the same order answer the same") {
  StockFixture f;
  const std::string p = f.NewProduct(5);
  stock::ReserveBatcher batcher(f.store(), {});
  const stock::Hold h = Take(batcher, p, "usr_a", 2, "k1");
  auto c1 = f.store().Commit(h.id, "ord_1");
  REQUIRE(c1.ok());
  CHECK(c1->hold.state == stock::HoldState::kCommitted);
  CHECK(c1->hold.order_id == "ord_1");
  CHECK(c1->stock.sold == 2);
  CHECK(c1->stock.held == 0);
  auto c2 = f.store().Commit(h.id, "ord_1");
  REQUIRE(c2.ok());
  CHECK(c2->stock.sold == 2);
  CHECK(c2->stock.revision == c1->stock.revision);
  auto other = f.store().Commit(h.id, "ord_2");
  CHECK(other.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(other.status()) == "RESERVATION_ALREADY_COMMITTED");
  // A committed hold never expires and cannot be released.
  f.clock().Advance(absl::Minutes(30));
  CHECK(f.Level(p).sold == 2);
  CHECK(shopcast::ReasonOf(f.store().Release(h.id, "usr_a").status()) ==
        "RESERVATION_ALREADY_COMMITTED");
}

TEST_CASE("an expired hold cannot be committed, its units are already back") {
  StockFixture f;
  const std::string p = f.NewProduct(1);
  stock::ReserveBatcher batcher(f.store(), {});
  const stock::Hold h = Take(batcher, p, "usr_a", 1, "k1");
  f.clock().Advance(absl::Minutes(5));
  // Someone else takes the unit the expired hold gave back.
  Take(batcher, p, "usr_b", 1, "k1");
  auto late = f.store().Commit(h.id, "ord_1");
  CHECK(late.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(late.status()) == "RESERVATION_EXPIRED");
  const stock::StockLevel l = f.Level(p);
  CHECK(l.sold == 0);
  CHECK(l.held == 1);
  CHECK(l.available == 0);
}

TEST_CASE("returning committed stock puts it back once, for the committing order only") {
  StockFixture f;
  const std::string p = f.NewProduct(4);
  stock::ReserveBatcher batcher(f.store(), {});
  const stock::Hold h = Take(batcher, p, "usr_a", 3, "k1");
  REQUIRE(f.store().Commit(h.id, "ord_1").ok());
  CHECK(shopcast::ReasonOf(f.store().ReturnCommittedStock(h.id, "ord_2").status()) ==
        "RESERVATION_NOT_COMMITTED");
  auto r1 = f.store().ReturnCommittedStock(h.id, "ord_1");
  REQUIRE(r1.ok());
  CHECK(r1->hold.state == stock::HoldState::kReturned);
  CHECK(r1->stock.sold == 0);
  CHECK(r1->stock.available == 4);
  auto r2 = f.store().ReturnCommittedStock(h.id, "ord_1");
  REQUIRE(r2.ok());
  CHECK(r2->stock.available == 4);
  CHECK(r2->stock.revision == r1->stock.revision);
  // The order's commit, repeated, does not sell it again.
  auto c = f.store().Commit(h.id, "ord_1");
  REQUIRE(c.ok());
  CHECK(c->stock.sold == 0);
  const auto a = f.AuditOf(p);
  CHECK(a.sold_counter == a.committed_units);
}

TEST_CASE("restock and write-off keep held and sold units, expired holds count as available") {
  StockFixture f;
  const std::string p = f.NewProduct(10);
  stock::ReserveBatcher batcher(f.store(), {});
  const stock::Hold sold = Take(batcher, p, "usr_a", 2, "k1");
  REQUIRE(f.store().Commit(sold.id, "ord_1").ok());
  Take(batcher, p, "usr_b", 3, "k1");
  auto adjust = [&](int64_t delta) {
    return shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) {
      return stock::tx::AdjustTotal(tx, p, delta, f.clock().Now());
    });
  };
  CHECK(shopcast::ReasonOf(adjust(-6).status()) == "INSUFFICIENT_AVAILABLE_STOCK");
  auto down = adjust(-5);
  REQUIRE(down.ok());
  CHECK(down->total == 5);
  CHECK(down->available == 0);
  auto up = adjust(+7);
  REQUIRE(up.ok());
  CHECK(up->available == 7);
  f.clock().Advance(absl::Minutes(5));
  auto after_expiry = adjust(-10);
  REQUIRE(after_expiry.ok());
  CHECK(after_expiry->total == 2);
  CHECK(after_expiry->sold == 2);
  CHECK(after_expiry->held == 0);
}

TEST_CASE("the catalogue creates stock inside its own transaction: a rollback leaves none") {
  StockFixture f;
  absl::Status s =
      shopcast::db::InTransaction(f.pool(),
                                  [&](pqxx::work& tx) -> absl::Status {
                                    absl::Status created = stock::tx::CreateStock(
                                        tx, "prd_rolled_back", 5, {}, f.clock().Now());
                                    REQUIRE(created.ok());
                                    return absl::AbortedError("the product insert failed");
                                  },
                                  {.max_attempts = 1});
  CHECK(s.code() == absl::StatusCode::kAborted);
  CHECK(f.store().GetStock({"prd_rolled_back"})->empty());
}

TEST_CASE("a restock retried with its key is applied once, even when the tries race") {
  StockFixture f;
  const std::string p = f.NewProduct(10);
  auto adjust = [&](int64_t delta, const std::string& key) {
    const stock::tx::AdjustmentKey k{"usr_host", key, "restock"};
    return shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) {
      return stock::tx::AdjustTotal(tx, p, delta, f.clock().Now(), &k);
    });
  };
  auto first = adjust(5, "r1");
  REQUIRE(first.ok());
  CHECK(first->total == 15);
  auto again = adjust(5, "r1");
  REQUIRE(again.ok());
  CHECK(again->total == 15);
  // The key names that change: another delta with it is refused and changes nothing.
  CHECK(shopcast::ReasonOf(adjust(-3, "r1").status()) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(f.Level(p).total == 15);

  std::vector<std::thread> tries;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    tries.emplace_back([&] {
      if (adjust(7, "r2").ok()) ++ok;
    });
  }
  for (std::thread& t : tries) t.join();
  CHECK(ok == 8);
  CHECK(f.Level(p).total == 22);
}
