#include "stock/product_stock_hooks.h"

#include <pqxx/binarystring>
#include <pqxx/result>
#include <utility>

#include "shopcast/status/status.h"
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

absl::Status ProductStockHooks::UpdateRules(pqxx::work& tx, const v1::Product& before,
                                            const v1::Product& after, absl::Time now) {
  const v1::Stock& stock = before.stock();
  if (stock.has_flash_sale() && stock.flash_sale().status() != v1::FLASH_SALE_STATUS_OVER) {
    const common::v1::Money& deal = stock.flash_sale().deal_price();
    if (after.sale_mode() != v1::SALE_MODE_FIXED_PRICE ||
        after.price().currency() != deal.currency() ||
        after.price().amount_minor() <= deal.amount_minor()) {
      return Error(absl::StatusCode::kFailedPrecondition, "FLASH_SALE_CONFLICT",
                   "a flash sale is scheduled or running: the product stays fixed-price, in the "
                   "deal's currency, above the deal price (end the sale first)",
                   "product.price");
    }
  }
  const bool same_hold =
      before.has_hold_duration() == after.has_hold_duration() &&
      before.hold_duration().SerializeAsString() == after.hold_duration().SerializeAsString();
  const bool same_limit =
      before.purchase_limit().SerializeAsString() == after.purchase_limit().SerializeAsString();
  if (same_hold && same_limit) return absl::OkStatus();
  SaleRules defaults;
  defaults.hold_duration = default_hold_;
  return tx::SetHoldAndLimit(tx, after.id(), RulesOf(after, defaults), now);
}

absl::StatusOr<std::map<std::string, v1::Stock>> ProductStockHooks::ReadStock(
    pqxx::work& tx, const std::vector<std::string>& product_ids) {
  return reads_.ReadStock(tx, product_ids);
}

}  // namespace shopcast::product_inventory::stock
