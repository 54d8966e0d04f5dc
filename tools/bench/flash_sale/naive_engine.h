#pragma once

// The baseline the stock engine is measured against: one transaction per Reserve that locks
// the product's stock row (SELECT … FOR UPDATE), decides, inserts the hold and updates the
// row, then commits — so every buyer of a hot product waits on that row lock through one WAL
// flush apiece. Same tables, same checks (idempotency, per-user limit, stock), same database
// and durability as the batched engine.

#include "absl/status/statusor.h"
#include "shopcast/db/pool.h"
#include "stock/stock_types.h"

namespace shopcast::bench::flash_sale {

class NaiveEngine {
 public:
  // `pool` (with PreparedStatements()) outlives the engine.
  explicit NaiveEngine(db::Pool& pool) : pool_(pool) {}

  // The hold, or RESOURCE_EXHAUSTED (sold out / limit), NOT_FOUND, or a database error.
  absl::StatusOr<product_inventory::stock::Hold> Reserve(
      const product_inventory::stock::ReserveRequest& request, absl::Time now);

  static std::vector<std::pair<std::string, std::string>> PreparedStatements();

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::bench::flash_sale
