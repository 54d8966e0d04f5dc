// The group-commit batcher: requests that arrive while a product's batch commits are served
// together by the next one, each answered on its own; queued work is answered at shutdown.
#include <atomic>
#include <catch2/catch.hpp>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "stock/reserve_batcher.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using shopcast::testing::WaitUntil;
using stock::testing::StockFixture;

TEST_CASE("requests queued behind a committing batch are served by one batch, each answered") {
  StockFixture f;
  const std::string p = f.NewProduct(30);
  stock::ReserveBatcher batcher(f.store(), {});

  // Hold the stock row so the first batch blocks the way a slow commit would.
  pqxx::connection blocker(f.dsn());
  pqxx::work lock_tx(blocker);
  lock_tx.exec_params("SELECT 1 FROM stock WHERE product_id = $1 FOR UPDATE", p);

  constexpr int kBuyers = 50;
  std::vector<absl::StatusOr<stock::ReserveResult>> answers(kBuyers,
                                                            absl::UnknownError("no answer"));
  std::atomic<int> answered{0};
  for (int i = 0; i < kBuyers; ++i) {
    batcher.ReserveAsync(stock::ReserveRequest{p, absl::StrCat("usr_", i), 1, "k"},
                         [&answers, &answered, i](absl::StatusOr<stock::ReserveResult> r) {
                           answers[i] = std::move(r);
                           ++answered;
                         });
  }
  // Every request is either in the blocked first batch or waiting on the lane.
  REQUIRE(WaitUntil(
      [&] {
        const auto s = batcher.stats();
        return s.batches == 1 && s.requests + s.waiting == kBuyers;
      },
      absl::Seconds(30)));
  CHECK(answered.load() == 0);
  lock_tx.commit();

  REQUIRE(WaitUntil([&] { return answered.load() == kBuyers; }, absl::Seconds(30)));
  const auto stats = batcher.stats();
  CHECK(stats.batches <= 2);
  CHECK(stats.requests == kBuyers);
  // 30 units for 50 buyers: the first 30 in arrival order get one each, the rest sold out.
  std::set<std::string> ids;
  for (int i = 0; i < kBuyers; ++i) {
    INFO("buyer " << i);
    if (i < 30) {
      REQUIRE(answers[i].ok());
      CHECK(answers[i]->hold.buyer_id == absl::StrCat("usr_", i));
      ids.insert(answers[i]->hold.id);
    } else {
      CHECK(answers[i].status().code() == absl::StatusCode::kResourceExhausted);
      CHECK(shopcast::ReasonOf(answers[i].status()) == "SOLD_OUT");
    }
  }
  CHECK(ids.size() == 30);
  CHECK(f.Level(p).available == 0);
}

TEST_CASE("one batch answers a repeated idempotency key with the same hold") {
  StockFixture f;
  const std::string p = f.NewProduct(10);
  const stock::ReserveRequest a{p, "usr_a", 2, "k"};
  const stock::ReserveRequest again{p, "usr_a", 2, "k"};
  const stock::ReserveRequest b{p, "usr_b", 2, "k"};
  auto r = f.store().ReserveBatch(p, {&a, &again, &b});
  REQUIRE(r.size() == 3);
  REQUIRE(r[0].ok());
  REQUIRE(r[1].ok());
  REQUIRE(r[2].ok());
  CHECK_FALSE(r[0]->duplicate);
  CHECK(r[1]->duplicate);
  CHECK(r[1]->hold.id == r[0]->hold.id);
  CHECK(r[2]->hold.id != r[0]->hold.id);
  CHECK(r[2]->stock.held == 4);
  CHECK(f.Level(p).held == 4);
}

TEST_CASE("products are batched apart, and a batcher answers everything queued when it stops") {
  StockFixture f;
  const std::string p = f.NewProduct(100);
  const std::string q = f.NewProduct(100);
  std::atomic<int> ok{0};
  {
    stock::ReserveBatcher batcher(f.store(), {2, 512});
    for (int i = 0; i < 40; ++i) {
      batcher.ReserveAsync(stock::ReserveRequest{i % 2 ? p : q, absl::StrCat("usr_", i), 1, "k"},
                           [&ok](absl::StatusOr<stock::ReserveResult> r) {
                             if (r.ok()) ++ok;
                           });
    }
  }  // Destroyed: must answer all 40 first.
  CHECK(ok.load() == 40);
  CHECK(f.Level(p).held == 20);
  CHECK(f.Level(q).held == 20);
}
