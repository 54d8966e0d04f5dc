#pragma once

// A fresh database with the stock schema (migrations/V002) for one test, a pool with the stock
// statements prepared, and a wall clock the test moves by hand.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "shopcast/testing/pg.h"
#include "stock/stock_store.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock::testing {

// Stands still until Advance(); thread-safe.
class ManualClock {
 public:
  absl::Time Now() const { return absl::FromUnixMicros(micros_.load()); }
  void Advance(absl::Duration d) { micros_ += absl::ToInt64Microseconds(d); }
  WallClock AsWallClock() const {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> micros_{absl::ToUnixMicros(
      absl::FromCivil(absl::CivilSecond(2026, 12, 3, 12, 0, 0), absl::UTCTimeZone()))};
};

// What the tables say about one product, read in one statement (one snapshot).
struct Audit {
  int64_t total = 0;
  int64_t held_counter = 0;      // stock.held
  int64_t sold_counter = 0;      // stock.sold
  int64_t active_units = 0;      // Sum over holds in state 'active'.
  int64_t committed_units = 0;   // Sum over holds in state 'committed'.
  int64_t flash_taken = 0;       // stock.flash_taken
  int64_t flash_live_units = 0;  // Sum over flash holds 'active' or 'committed'.
};

class StockFixture {
 public:
  explicit StockFixture(int pool_size = 8);
  ~StockFixture();

  db::Pool& pool() { return *pool_; }
  StockStore& store() { return *store_; }
  ManualClock& clock() { return clock_; }
  const std::string& dsn() const { return db_.dsn(); }

  // A new product id with `total` units under `rules` (created through tx::CreateStock).
  std::string NewProduct(int64_t total, const SaleRules& rules = {});

  // The product's stock now (per the store); throws if it has none.
  StockLevel Level(const std::string& product_id);

  Audit AuditOf(const std::string& product_id);

  // Units the buyer has in live (active, unexpired) and committed holds of the product, as of
  // the clock's now.
  int64_t UnitsOf(const std::string& product_id, const std::string& buyer_id);

 private:
  shopcast::testing::TestDatabase db_;
  ManualClock clock_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<StockStore> store_;
};

}  // namespace shopcast::product_inventory::stock::testing
