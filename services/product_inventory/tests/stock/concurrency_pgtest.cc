// Hundreds of parallel Reserve / Release / Commit / Return calls and clock jumps that expire
// holds, with an auditor reading all the while: the counters always agree with the holds, the
// stock is never oversold, and no buyer ever holds more than the limit. Each runs with one
// batch of a product in flight at a time and with two (the pipeline: the second queued on the
// stock row's lock while the first commits).
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "stock/reserve_batcher.h"
#include "stock_fixture.h"

namespace stock = shopcast::product_inventory::stock;
using stock::testing::StockFixture;

TEST_CASE("parallel reserve, release, commit, return and expiry keep the invariant and limits") {
  StockFixture f(12);
  constexpr int kLimit = 3;
  constexpr int kTotal = 120;
  constexpr int kBuyers = 60;
  constexpr int kThreads = 16;
  constexpr int kOpsPerThread = 40;  // 640 operations.
  stock::SaleRules rules;
  rules.per_user_limit = kLimit;
  const std::string hot = f.NewProduct(kTotal, rules);
  const std::string other = f.NewProduct(kTotal / 4, rules);
  const int pipeline = GENERATE(1, 2);
  INFO("batches of a product in flight at once: " << pipeline);
  stock::ReserveBatcher batcher(f.store(), {4, 512, pipeline});

  std::atomic<bool> done{false};
  std::atomic<int> audits{0}, violations{0};
  // Reads the tables in one snapshot over and over while the load runs.
  std::thread auditor([&] {
    while (!done.load()) {
      for (const std::string& p : {hot, other}) {
        const stock::testing::Audit a = f.AuditOf(p);
        const stock::StockLevel l = f.Level(p);
        if (a.held_counter != a.active_units || a.sold_counter != a.committed_units ||
            a.held_counter + a.sold_counter > a.total || l.available < 0 ||
            l.available + l.held + l.sold != l.total) {
          ++violations;
        }
        ++audits;
      }
    }
  });

  std::atomic<int> granted{0}, sold_out{0}, limited{0}, committed{0}, returned{0}, released{0},
      unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string buyer = absl::StrCat("usr_", rng() % kBuyers);
        const std::string& product = rng() % 4 == 0 ? other : hot;
        auto r = batcher.Reserve(stock::ReserveRequest{
            product, buyer, static_cast<int>(1 + rng() % 2), absl::StrCat("k", t, "_", i)});
        if (!r.ok()) {
          const std::string reason = shopcast::ReasonOf(r.status());
          if (reason == "SOLD_OUT" || reason == "INSUFFICIENT_STOCK") {
            ++sold_out;
          } else if (reason == "PURCHASE_LIMIT_REACHED") {
            ++limited;
          } else {
            UNSCOPED_INFO(r.status().ToString());
            ++unexpected;
          }
          continue;
        }
        ++granted;
        const int action = static_cast<int>(rng() % 10);
        if (action < 3) {
          if (f.store().Release(r->hold.id, buyer).ok()) ++released;
        } else if (action < 7) {
          auto c = f.store().Commit(r->hold.id, absl::StrCat("ord_", t, "_", i));
          if (c.ok()) {
            ++committed;
            if (action == 6 &&
                f.store().ReturnCommittedStock(r->hold.id, absl::StrCat("ord_", t, "_", i)).ok()) {
              ++returned;
            }
          } else if (shopcast::ReasonOf(c.status()) != "RESERVATION_EXPIRED") {
            ++unexpected;
          }
        }                                                                // Else leave it to expire.
        if (i % 10 == 9 && t == 0) f.clock().Advance(absl::Minutes(2));  // Holds lapse.
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  auditor.join();

  INFO("granted=" << granted << " sold_out=" << sold_out << " limited=" << limited
                  << " committed=" << committed << " returned=" << returned
                  << " released=" << released << " audits=" << audits);
  CHECK(unexpected.load() == 0);
  CHECK(violations.load() == 0);
  CHECK(audits.load() > 0);
  CHECK(granted.load() > 0);
  CHECK(limited.load() > 0);
  CHECK(batcher.stats().requests == kThreads * kOpsPerThread);

  for (const std::string& p : {hot, other}) {
    const stock::testing::Audit a = f.AuditOf(p);
    CHECK(a.held_counter == a.active_units);
    CHECK(a.sold_counter == a.committed_units);
    CHECK(a.held_counter + a.sold_counter <= a.total);
    const stock::StockLevel l = f.Level(p);
    CHECK(l.available >= 0);
    CHECK(l.available + l.held + l.sold == l.total);
    for (int b = 0; b < kBuyers; ++b) {
      CHECK(f.UnitsOf(p, absl::StrCat("usr_", b)) <= kLimit);
    }
  }
  // Everything still held lapses, and everything not sold is available again.
  f.clock().Advance(absl::Minutes(5));
  const stock::StockLevel end = f.Level(hot);
  CHECK(end.held == 0);
  CHECK(end.available == end.total - end.sold);
}

TEST_CASE("many buyers racing for a few units never get more than there are") {
  StockFixture f(12);
  const std::string p = f.NewProduct(25);
  const int pipeline = GENERATE(1, 2);
  INFO("batches of a product in flight at once: " << pipeline);
  stock::ReserveBatcher batcher(f.store(), {4, 512, pipeline});
  constexpr int kBuyers = 300;
  std::atomic<int> granted_units{0}, sold_out{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kBuyers; i += 20) {
        auto r = batcher.Reserve(stock::ReserveRequest{p, absl::StrCat("usr_", i), 1 + i % 3, "k"});
        if (r.ok()) {
          granted_units += r->hold.quantity;
        } else if (r.status().code() == absl::StatusCode::kResourceExhausted) {
          ++sold_out;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(unexpected.load() == 0);
  CHECK(granted_units.load() <= 25);
  // Quantities of 1 keep trying after 2s and 3s are refused, so the last unit goes too.
  CHECK(granted_units.load() == 25);
  const stock::StockLevel l = f.Level(p);
  CHECK(l.held == granted_units.load());
  CHECK(l.available == 0);
}
