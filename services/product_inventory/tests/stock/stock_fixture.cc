#include "stock_fixture.h"

#include <pqxx/transaction>
#include <stdexcept>

#include "shopcast/db/migrations.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "stock/pg_values.h"
#include "stock/stock_sql.h"
#include "stock/stock_tx.h"

namespace shopcast::db::embedded {
const MigrationSet& product_inventory_stock_testsMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::product_inventory::stock::testing {

StockFixture::StockFixture(int pool_size) : db_(shopcast::testing::TestDatabase::Create()) {
  absl::Status migrated =
      db::ApplyMigrations(db_.dsn(), {&db::embedded::product_inventory_stock_testsMigrations()});
  if (!migrated.ok()) throw std::runtime_error("migrations: " + migrated.ToString());
  auto pool = db::Pool::Create(db::PoolOptions{db_.dsn(), pool_size, absl::Seconds(30),
                                               sql::PreparedStatements(), "pi-stock-test"});
  if (!pool.ok()) throw std::runtime_error("pool: " + pool.status().ToString());
  pool_ = *std::move(pool);
  store_ = std::make_unique<StockStore>(*pool_, clock_.AsWallClock());
}

StockFixture::~StockFixture() {
  store_.reset();
  pool_.reset();
}

std::string StockFixture::NewProduct(int64_t total, const SaleRules& rules) {
  const std::string id = ids::NewId("prd");
  absl::Status s = db::InTransaction(
      *pool_, [&](pqxx::work& tx) { return tx::CreateStock(tx, id, total, rules, clock_.Now()); });
  if (!s.ok()) throw std::runtime_error("create stock: " + s.ToString());
  return id;
}

StockLevel StockFixture::Level(const std::string& product_id) {
  auto levels = store_->GetStock({product_id});
  if (!levels.ok() || levels->size() != 1) throw std::runtime_error("no stock for " + product_id);
  return (*levels)[0];
}

Audit StockFixture::AuditOf(const std::string& product_id) {
  Audit a;
  absl::Status s = db::InTransaction(*pool_, [&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r = tx.exec_params(R"~(
SELECT s.total, s.held, s.sold,
  (SELECT coalesce(sum(quantity), 0) FROM holds h
   WHERE h.product_id = s.product_id AND h.state = 'active'),
  (SELECT coalesce(sum(quantity), 0) FROM holds h
   WHERE h.product_id = s.product_id AND h.state = 'committed'),
  s.flash_taken,
  (SELECT coalesce(sum(quantity), 0) FROM holds h
   WHERE h.product_id = s.product_id AND h.flash AND h.state IN ('active', 'committed'))
FROM stock s WHERE s.product_id = $1)~",
                                          product_id);
    if (r.empty()) return absl::NotFoundError(product_id);
    a.total = r[0][0].as<int64_t>();
    a.held_counter = r[0][1].as<int64_t>();
    a.sold_counter = r[0][2].as<int64_t>();
    a.active_units = r[0][3].as<int64_t>();
    a.committed_units = r[0][4].as<int64_t>();
    a.flash_taken = r[0][5].as<int64_t>();
    a.flash_live_units = r[0][6].as<int64_t>();
    return absl::OkStatus();
  });
  if (!s.ok()) throw std::runtime_error("audit: " + s.ToString());
  return a;
}

int64_t StockFixture::UnitsOf(const std::string& product_id, const std::string& buyer_id) {
  int64_t units = 0;
  absl::Status s = db::InTransaction(*pool_, [&](pqxx::work& tx) -> absl::Status {
    units = tx.exec_params(R"~(
SELECT coalesce(sum(quantity), 0) FROM holds
WHERE product_id = $1 AND buyer_id = $2
  AND (state = 'committed' OR (state = 'active' AND expires_at > $3::timestamptz)))~",
                           product_id, buyer_id, pg::Time(clock_.Now()))[0][0]
                .as<int64_t>();
    return absl::OkStatus();
  });
  if (!s.ok()) throw std::runtime_error("units: " + s.ToString());
  return units;
}

}  // namespace shopcast::product_inventory::stock::testing
