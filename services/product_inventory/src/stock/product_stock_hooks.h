#pragma once

// The App's StockHooks: CatalogStockHooks, with each new product's own sale rules. The
// catalogue validated the product's purchase_limit and hold_duration; this reads them from the
// product row inserted moments before in the same transaction and starts the stock with them
// (the service default hold when the product sets none).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/hooks.h"
#include "stock/catalog_stock_hooks.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

class ProductStockHooks final : public StockHooks {
 public:
  // `default_hold` in [kMinHold, kMaxHold].
  ProductStockHooks(WallClock clock, absl::Duration default_hold);

  absl::Status CreateStock(pqxx::work& tx, const std::string& product_id, int64_t initial_stock,
                           absl::Time now) override;
  absl::StatusOr<std::map<std::string, v1::Stock>> ReadStock(
      pqxx::work& tx, const std::vector<std::string>& product_ids) override;
  // A new hold duration or purchase limit reaches the stock (holds taken keep their expiry).
  // While a flash sale is scheduled or live, the product must stay fixed-price with a regular
  // price above the deal in the same currency: FAILED_PRECONDITION/FLASH_SALE_CONFLICT.
  absl::Status UpdateRules(pqxx::work& tx, const v1::Product& before, const v1::Product& after,
                           absl::Time now) override;

  // The rules `product` asks for, over `defaults`.
  static SaleRules RulesOf(const v1::Product& product, SaleRules defaults);

 private:
  CatalogStockHooks reads_;
  const absl::Duration default_hold_;
};

}  // namespace shopcast::product_inventory::stock
