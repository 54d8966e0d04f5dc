#include "stock/catalog_stock_hooks.h"

#include <utility>

#include "stock/stock_proto.h"
#include "stock/stock_tx.h"

namespace shopcast::product_inventory::stock {

CatalogStockHooks::CatalogStockHooks(WallClock clock, SaleRules defaults)
    : clock_(std::move(clock)), defaults_(std::move(defaults)) {}

absl::Status CatalogStockHooks::CreateStock(pqxx::work& tx, const std::string& product_id,
                                            int64_t initial_stock, absl::Time now) {
  return tx::CreateStock(tx, product_id, initial_stock, defaults_, now);
}

absl::StatusOr<std::map<std::string, v1::Stock>> CatalogStockHooks::ReadStock(
    pqxx::work& tx, const std::vector<std::string>& product_ids) {
  std::map<std::string, v1::Stock> out;
  for (const StockLevel& level : tx::GetStock(tx, product_ids, clock_())) {
    out[level.product_id] = StockOf(level);
  }
  return out;
}

}  // namespace shopcast::product_inventory::stock
