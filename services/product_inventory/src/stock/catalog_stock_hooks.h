#pragma once

// The stock engine behind the catalogue's seam (common/hooks.h): CreateProduct makes the stock
// row inside its own transaction, and reads of products carry their stock. Built only when the
// skeleton's product_inventory_common exists (see stock.cmake).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// statusor.h first: common/hooks.h uses absl::StatusOr without including it.
#include "absl/status/statusor.h"
#include "common/hooks.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

class CatalogStockHooks final : public StockHooks {
 public:
  // `clock` decides which holds have expired in reads; `defaults` are the rules a new
  // product's stock starts with (change them with tx::SetRules).
  explicit CatalogStockHooks(WallClock clock, SaleRules defaults = {});

  absl::Status CreateStock(pqxx::work& tx, const std::string& product_id, int64_t initial_stock,
                           absl::Time now) override;
  absl::StatusOr<std::map<std::string, v1::Stock>> ReadStock(
      pqxx::work& tx, const std::vector<std::string>& product_ids) override;

 private:
  const WallClock clock_;
  const SaleRules defaults_;
};

}  // namespace shopcast::product_inventory::stock
