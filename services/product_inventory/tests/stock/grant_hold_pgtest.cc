// tx::GrantHold (migrations/V006): holds granted inside another area's transaction (auction
// winners, queue admissions, lottery winners) — recorded with their source, idempotent per
// (buyer, key), refused without writing anything, expiring like any hold, and keeping the
// invariant when they race Reserve.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_tx.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using stock::testing::StockFixture;

namespace {

stock::GrantHoldRequest Grant(const std::string& product, const std::string& buyer,
                              const std::string& key, absl::Time now) {
  stock::GrantHoldRequest r;
  r.product_id = product;
  r.buyer_id = buyer;
  r.quantity = 1;
  r.unit_price_minor = 4200;
  r.expires_at = now + absl::Minutes(30);
  r.source = stock::HoldSource::kAuctionWin;
  r.source_ref = "auc_test";
  r.idempotency_key = key;
  return r;
}

absl::StatusOr<stock::GrantResult> Run(StockFixture& f, const stock::GrantHoldRequest& r) {
  return shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) {
    return stock::tx::GrantHold(tx, r, f.clock().Now());
  });
}

void CheckInvariant(StockFixture& f, const std::string& product) {
  const stock::testing::Audit a = f.AuditOf(product);
  CHECK(a.held_counter == a.active_units);
  CHECK(a.sold_counter == a.committed_units);
  CHECK(a.held_counter + a.sold_counter <= a.total);
  const stock::StockLevel l = f.Level(product);
  CHECK(l.available + l.held + l.sold == l.total);
}

}  // namespace

TEST_CASE("a granted hold takes its units and records its source, price and expiry") {
  StockFixture f;
  const std::string p = f.NewProduct(3);
  const stock::GrantHoldRequest req = Grant(p, "usr_w", "auc:1", f.clock().Now());
  auto g = Run(f, req);
  REQUIRE(g.ok());
  CHECK_FALSE(g->duplicate);
  CHECK(g->hold.id.rfind("res_", 0) == 0);
  CHECK(g->hold.state == stock::HoldState::kActive);
  CHECK(g->hold.unit_price_minor == 4200);
  CHECK(g->hold.expires_at == req.expires_at);
  CHECK(g->stock.available == 2);
  CHECK(g->stock.held == 1);
  // Read back as any reservation is read.
  auto read = f.store().GetHold(g->hold.id);
  REQUIRE(read.ok());
  CHECK(read->source == stock::HoldSource::kAuctionWin);
  CHECK(read->source_ref == "auc_test");
  CHECK(read->buyer_id == "usr_w");
  CHECK(read->unit_price_minor == 4200);
  // Reserve's holds stay DIRECT.
  stock::ReserveBatcher batcher(f.store(), {});
  auto direct = batcher.Reserve(stock::ReserveRequest{p, "usr_d", 1, "k1"});
  REQUIRE(direct.ok());
  auto direct_read = f.store().GetHold(direct->hold.id);
  REQUIRE(direct_read.ok());
  CHECK(direct_read->source == stock::HoldSource::kDirect);
  CHECK(direct_read->source_ref.empty());
  CheckInvariant(f, p);
}

TEST_CASE("a retried grant answers the first hold and takes nothing more") {
  StockFixture f;
  const std::string p = f.NewProduct(3);
  const stock::GrantHoldRequest req = Grant(p, "usr_w", "auc:1", f.clock().Now());
  auto first = Run(f, req);
  REQUIRE(first.ok());
  f.clock().Advance(absl::Seconds(5));
  auto again = Run(f, req);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->hold.id == first->hold.id);
  CHECK(again->hold.created_at == first->hold.created_at);
  CHECK(f.Level(p).held == 1);
  // The same key for something else is refused.
  stock::GrantHoldRequest other = req;
  other.quantity = 2;
  CHECK(shopcast::ReasonOf(Run(f, other).status()) == "IDEMPOTENCY_KEY_REUSED");
  other = req;
  other.source_ref = "auc_other";
  CHECK(shopcast::ReasonOf(Run(f, other).status()) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(f.Level(p).held == 1);
  CheckInvariant(f, p);
}

TEST_CASE("a grant on a sold-out product is refused and writes nothing") {
  StockFixture f;
  const std::string p = f.NewProduct(1);
  stock::ReserveBatcher batcher(f.store(), {});
  REQUIRE(batcher.Reserve(stock::ReserveRequest{p, "usr_d", 1, "k1"}).ok());
  auto refused = Run(f, Grant(p, "usr_w", "auc:1", f.clock().Now()));
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(refused.status()) == "SOLD_OUT");
  stock::GrantHoldRequest two = Grant(p, "usr_w", "auc:2", f.clock().Now());
  const std::string q = f.NewProduct(1);
  two.product_id = q;
  two.quantity = 2;
  auto insufficient = Run(f, two);
  CHECK(shopcast::ReasonOf(insufficient.status()) == "INSUFFICIENT_STOCK");
  CHECK(f.Level(p).held == 1);
  CHECK(f.Level(q).held == 0);
  // Unknown product, bad input.
  CHECK(shopcast::ReasonOf(Run(f, Grant("prd_nope", "usr_w", "auc:3", f.clock().Now())).status()) ==
        "PRODUCT_NOT_FOUND");
  stock::GrantHoldRequest bad = Grant(p, "usr_w", "auc:4", f.clock().Now());
  bad.source = stock::HoldSource::kDirect;
  CHECK(shopcast::ReasonOf(Run(f, bad).status()) == "SOURCE_INVALID");
  bad = Grant(p, "usr_w", "auc:4", f.clock().Now());
  bad.expires_at = f.clock().Now();
  CHECK(shopcast::ReasonOf(Run(f, bad).status()) == "EXPIRY_INVALID");
  bad = Grant(p, "usr_w", "", f.clock().Now());
  CHECK(shopcast::ReasonOf(Run(f, bad).status()) == "IDEMPOTENCY_KEY_INVALID");
  bad = Grant(p, "usr_w", "auc:4", f.clock().Now());
  bad.quantity = 0;
  CHECK(shopcast::ReasonOf(Run(f, bad).status()) == "QUANTITY_OUT_OF_RANGE");
  CheckInvariant(f, p);
}

TEST_CASE("a grant applies the per-user limit only when asked") {
  StockFixture f;
  stock::SaleRules rules;
  rules.per_user_limit = 1;
  const std::string p = f.NewProduct(5, rules);
  stock::ReserveBatcher batcher(f.store(), {});
  REQUIRE(batcher.Reserve(stock::ReserveRequest{p, "usr_b", 1, "k1"}).ok());
  stock::GrantHoldRequest limited = Grant(p, "usr_b", "qtk:1", f.clock().Now());
  limited.source = stock::HoldSource::kQueue;
  limited.source_ref = "qtk_1";
  limited.enforce_limit = true;
  auto refused = Run(f, limited);
  CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(shopcast::ReasonOf(refused.status()) == "PURCHASE_LIMIT_REACHED");
  CHECK(f.UnitsOf(p, "usr_b") == 1);
  // An auction's winner has won already: no limit asked, granted.
  auto won = Run(f, Grant(p, "usr_b", "auc:1", f.clock().Now()));
  REQUIRE(won.ok());
  CHECK(f.UnitsOf(p, "usr_b") == 2);
  // The grant counts toward Reserve's limit afterwards like any hold.
  auto more = batcher.Reserve(stock::ReserveRequest{p, "usr_b", 1, "k2"});
  CHECK(shopcast::ReasonOf(more.status()) == "PURCHASE_LIMIT_REACHED");
  CheckInvariant(f, p);
}

TEST_CASE("a granted hold that expires gives its units back by itself") {
  StockFixture f;
  const std::string p = f.NewProduct(1);
  stock::GrantHoldRequest req = Grant(p, "usr_w", "auc:1", f.clock().Now());
  req.expires_at = f.clock().Now() + absl::Minutes(20);
  auto g = Run(f, req);
  REQUIRE(g.ok());
  CHECK(f.Level(p).available == 0);
  f.clock().Advance(absl::Minutes(20));
  // Not counted the moment it expires, before any tidying.
  CHECK(f.Level(p).available == 1);
  auto read = f.store().GetHold(g->hold.id);
  REQUIRE(read.ok());
  CHECK(read->state == stock::HoldState::kExpired);
  CHECK(shopcast::ReasonOf(f.store().Commit(g->hold.id, "ord_1").status()) ==
        "RESERVATION_EXPIRED");
  // The freed unit can be granted again (the expired hold is lapsed under the lock).
  auto next = Run(f, Grant(p, "usr_x", "auc:2", f.clock().Now()));
  REQUIRE(next.ok());
  CHECK(next->stock.available == 0);
  CheckInvariant(f, p);
}

TEST_CASE("grants racing Reserve on a hot product never oversell") {
  StockFixture f(10);
  constexpr int kTotal = 40;
  const std::string p = f.NewProduct(kTotal);
  stock::ReserveBatcher batcher(f.store(), {2, 256});
  std::atomic<int> taken{0}, refused{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string buyer = absl::StrCat("usr_", t, "_", i);
        absl::Status s;
        if ((t + i) % 2 == 0) {
          s = Run(f, Grant(p, buyer, absl::StrCat("g", i), f.clock().Now())).status();
        } else {
          s = batcher.Reserve(stock::ReserveRequest{p, buyer, 1, absl::StrCat("r", i)}).status();
        }
        if (s.ok()) {
          ++taken;
        } else if (shopcast::ReasonOf(s) == "SOLD_OUT") {
          ++refused;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(unexpected == 0);
  CHECK(taken == kTotal);
  CHECK(refused == 160 - kTotal);
  CHECK(f.Level(p).available == 0);
  CheckInvariant(f, p);
}
