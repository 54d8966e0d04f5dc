#include "stock/product_stock_hooks.h"

#include <pqxx/binarystring>
#include <pqxx/result>
#include <utility>

#include "stock/stock_tx.h"

namespace shopcast::product_inventory::stock {
namespace {

absl::Duration DurationOf(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

ProductStockHooks::ProductStockHooks(WallClock clock, absl::Duration default_hold)
    : reads_(std::move(clock)), default_hold_(default_hold) {}

SaleRules ProductStockHooks::RulesOf(const v1::Product& product, SaleRules defaults) {
  SaleRules rules = std::move(defaults);
  if (product.has_hold_duration()) rules.hold_duration = DurationOf(product.hold_duration());
  if (product.has_purchase_limit()) {
    rules.per_user_limit = product.purchase_limit().max_quantity_per_user();
    if (product.purchase_limit().has_window()) {
      rules.limit_window = DurationOf(product.purchase_limit().window());
    }
  }
  return rules;
}

absl::Status ProductStockHooks::CreateStock(pqxx::work& tx, const std::string& product_id,
                                            int64_t initial_stock, absl::Time now) {
  SaleRules defaults;
  defaults.hold_duration = default_hold_;
  v1::Product product;
  const pqxx::result r = tx.exec_prepared("pi_stock_wire_product_body", product_id);
  if (!r.empty()) {
    const pqxx::binarystring body(r[0][0]);
    product.ParseFromArray(body.data(), static_cast<int>(body.size()));
  }
  return tx::CreateStock(tx, product_id, initial_stock, RulesOf(product, defaults), now);
}

absl::StatusOr<std::map<std::string, v1::Stock>> ProductStockHooks::ReadStock(
    pqxx::work& tx, const std::vector<std::string>& product_ids) {
  return reads_.ReadStock(tx, product_ids);
}

}  // namespace shopcast::product_inventory::stock
