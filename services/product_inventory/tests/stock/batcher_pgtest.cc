// The group-commit batcher: requests that arrive while a product's batch commits are served
// together by the next one, each answered on its own; queued work is answered at shutdown; a
// product's next batch may be in flight while one commits (the pipeline) and still never
// oversells, keeps per-user limits and answers repeated keys with the first hold.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <pqxx/connection>
#include <pqxx/nontransaction>
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
  // One batch at a time: what waits behind the blocked batch is one line, not a second batch.
  stock::ReserveBatcher batcher(f.store(), {.workers = 4, .max_batch = 512, .pipeline = 1});

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

namespace {

// Backends of this test's database waiting on a lock (the batches queued on the stock row).
int LockWaiters(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  return tx
      .exec1(
          "SELECT count(*)::int FROM pg_stat_activity "
          "WHERE datname = current_database() AND wait_event_type = 'Lock'")[0]
      .as<int>();
}

struct Answers {
  explicit Answers(size_t n) : got(n, absl::UnknownError("no answer")) {}
  std::vector<absl::StatusOr<stock::ReserveResult>> got;
  std::atomic<int> answered{0};
  stock::ReserveBatcher::Done For(size_t i) {
    return [this, i](absl::StatusOr<stock::ReserveResult> r) {
      got[i] = std::move(r);
      ++answered;
    };
  }
};

// With the stock row locked by another transaction, sends `first`, then `second`, and waits
// until two batches of the product are in flight at once (the second dispatched while the
// first had not answered) and both wait in PostgreSQL on the row; then lets the row go. How
// the requests split into batches depends on when the workers wake (`first` may be one batch
// or two, `second` the second batch or queued behind both), so the callers' checks hold for
// any split. Nor is the order between batches fixed: PostgreSQL does not queue row-lock
// waiters fairly, so a batch formed when the first one finishes may take the row before the
// second one (still waking up) does. The checks are what holds in any order: no oversell, no
// buyer past the limit, a repeated key answered with the same hold.

void TwoBatchesInFlight(StockFixture& f, const std::string& p, stock::ReserveBatcher& batcher,
                        const std::vector<stock::ReserveRequest>& first,
                        const std::vector<stock::ReserveRequest>& second, Answers& answers) {
  pqxx::connection blocker(f.dsn());
  pqxx::work lock_tx(blocker);
  lock_tx.exec_params("SELECT 1 FROM stock WHERE product_id = $1 FOR UPDATE", p);
  for (size_t i = 0; i < first.size(); ++i) batcher.ReserveAsync(first[i], answers.For(i));
  // `first` all taken into batches, or two batches in flight and the rest waiting: `second`
  // then never lands in a batch ahead of any of `first`.
  REQUIRE(WaitUntil(
      [&] {
        const auto s = batcher.stats();
        return s.requests + s.waiting == static_cast<int64_t>(first.size()) &&
               (s.waiting == 0 || s.batches == 2);
      },
      absl::Seconds(30)));
  for (size_t i = 0; i < second.size(); ++i) {
    batcher.ReserveAsync(second[i], answers.For(first.size() + i));
  }
  REQUIRE(WaitUntil(
      [&] {
        const auto s = batcher.stats();
        return s.batches == 2 && s.pipelined == 1 && LockWaiters(f.dsn()) >= 2;
      },
      absl::Seconds(30)));
  CHECK(answers.answered.load() == 0);
  lock_tx.commit();
  REQUIRE(WaitUntil(
      [&] { return answers.answered.load() == static_cast<int>(first.size() + second.size()); },
      absl::Seconds(30)));
}

void CheckInvariant(StockFixture& f, const std::string& p) {
  const stock::testing::Audit a = f.AuditOf(p);
  CHECK(a.held_counter == a.active_units);
  CHECK(a.sold_counter == a.committed_units);
  CHECK(a.held_counter + a.sold_counter <= a.total);
  const stock::StockLevel l = f.Level(p);
  CHECK(l.available >= 0);
  CHECK(l.available + l.held + l.sold == l.total);
}

}  // namespace

TEST_CASE("two batches of one product in flight at once never oversell") {
  // No limit: the one-statement path (kReserveAllFit), the second batch's UPDATE queued on the
  // row lock behind the first; the second wave does not all fit, so it falls back to
  // stock_reserve_batch, which must see the first batch's holds.
  StockFixture f;
  const std::string p = f.NewProduct(100);
  constexpr size_t kRequests = 60 + 1 + 60;
  std::vector<stock::ReserveRequest> first, second;
  // Declared before the batcher: destroyed after it, so the batcher never answers into them.
  Answers answers(kRequests);
  stock::ReserveBatcher batcher(f.store(), {.workers = 4, .max_batch = 512, .pipeline = 2});
  for (int i = 0; i < 60; ++i) first.push_back({p, absl::StrCat("usr_a", i), 1, "k"});
  // Buyer a0 again with the same key and quantity: the first batch's hold, not a new one.
  second.push_back({p, "usr_a0", 1, "k"});
  for (int i = 0; i < 60; ++i) second.push_back({p, absl::StrCat("usr_b", i), 1, "k"});
  TwoBatchesInFlight(f, p, batcher, first, second, answers);

  // Buyer a0's two requests with one key: one hold, granted once, or refused both times.
  const auto& once = answers.got[0];
  const auto& again = answers.got[60];
  REQUIRE(once.ok() == again.ok());
  if (once.ok()) {
    CHECK(again->hold.id == once->hold.id);
    CHECK(once->duplicate != again->duplicate);
  }
  int granted = 0, sold_out = 0;
  for (size_t i = 0; i < answers.got.size(); ++i) {
    INFO("request " << i << ": " << answers.got[i].status());
    if (answers.got[i].ok()) {
      if (!answers.got[i]->duplicate) ++granted;
    } else {
      CHECK(answers.got[i].status().code() == absl::StatusCode::kResourceExhausted);
      CHECK(shopcast::ReasonOf(answers.got[i].status()) == "SOLD_OUT");
      ++sold_out;
    }
  }
  // 120 distinct holds asked for 100 units.
  CHECK(granted == 100);
  CHECK(sold_out == (once.ok() ? 20 : 21));
  CHECK(f.Level(p).available == 0);
  CHECK(f.Level(p).held == 100);
  CheckInvariant(f, p);
}

TEST_CASE("two batches of one product in flight at once keep the per-user limit") {
  // A limit: both batches run stock_reserve_batch; the second counts the buyers' units taken
  // by the first, which committed while it waited on the row.
  StockFixture f;
  stock::SaleRules rules;
  rules.per_user_limit = 2;
  const std::string p = f.NewProduct(25, rules);
  constexpr size_t kRequests = 20 + 10 + 1 + 10;
  std::vector<stock::ReserveRequest> first, second;
  // Declared before the batcher: destroyed after it, so the batcher never answers into them.
  Answers answers(kRequests);
  stock::ReserveBatcher batcher(f.store(), {.workers = 4, .max_batch = 512, .pipeline = 2});
  // Ten buyers take their limit in the first batch (20 units).
  for (int i = 0; i < 10; ++i) {
    first.push_back({p, absl::StrCat("usr_a", i), 1, "k1"});
    first.push_back({p, absl::StrCat("usr_a", i), 1, "k2"});
  }
  // The second batch: each of them once more (over the limit), one of them repeating a key
  // (the first hold again), and ten new buyers for the 5 units left.
  for (int i = 0; i < 10; ++i) second.push_back({p, absl::StrCat("usr_a", i), 1, "k3"});
  second.push_back({p, "usr_a3", 1, "k2"});
  for (int i = 0; i < 10; ++i) second.push_back({p, absl::StrCat("usr_b", i), 1, "k"});
  TwoBatchesInFlight(f, p, batcher, first, second, answers);

  // usr_a3's "k2", asked in both waves (first wave index 7): one hold, or refused both times.
  const auto& once = answers.got[7];
  const auto& again = answers.got[30];
  REQUIRE(once.ok() == again.ok());
  if (once.ok()) {
    CHECK(again->hold.id == once->hold.id);
    CHECK(once->duplicate != again->duplicate);
  }
  int granted = 0;
  for (size_t i = 0; i < answers.got.size(); ++i) {
    INFO("request " << i << ": " << answers.got[i].status());
    if (answers.got[i].ok()) {
      if (!answers.got[i]->duplicate) ++granted;
      continue;
    }
    CHECK(answers.got[i].status().code() == absl::StatusCode::kResourceExhausted);
    const std::string why = shopcast::ReasonOf(answers.got[i].status());
    CHECK((why == "SOLD_OUT" || why == "PURCHASE_LIMIT_REACHED"));
  }
  // 30 units wanted within the limit (two for each of ten a-buyers, one for each b-buyer), 25
  // there: every unit goes, and nobody gets past the limit, whichever batch took the row first.
  CHECK(granted == 25);
  for (int i = 0; i < 10; ++i) CHECK(f.UnitsOf(p, absl::StrCat("usr_a", i)) <= 2);
  for (int i = 0; i < 10; ++i) CHECK(f.UnitsOf(p, absl::StrCat("usr_b", i)) <= 1);
  CHECK(f.Level(p).available == 0);
  CheckInvariant(f, p);
}
