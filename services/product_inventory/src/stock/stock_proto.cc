#include "stock/stock_proto.h"

#include "common/pg_time.h"

namespace shopcast::product_inventory::stock {
namespace {

v1::FlashSaleStatus StatusOf(FlashSalePhase phase) {
  switch (phase) {
    case FlashSalePhase::kScheduled:
      return v1::FLASH_SALE_STATUS_SCHEDULED;
    case FlashSalePhase::kLive:
      return v1::FLASH_SALE_STATUS_LIVE;
    case FlashSalePhase::kOver:
      return v1::FLASH_SALE_STATUS_OVER;
  }
  return v1::FLASH_SALE_STATUS_UNSPECIFIED;
}

}  // namespace

v1::FlashSale FlashSaleOf(const FlashSale& sale, absl::Time now) {
  v1::FlashSale f;
  f.mutable_deal_price()->set_amount_minor(sale.price_minor);
  f.mutable_deal_price()->set_currency(sale.currency);
  f.set_stock_cap(sale.stock_cap);
  f.set_per_user_cap(sale.per_user_cap);
  product_inventory::ToProto(sale.opens_at, f.mutable_opens_at());
  product_inventory::ToProto(sale.closes_at, f.mutable_closes_at());
  f.set_taken(sale.taken);
  f.set_status(StatusOf(PhaseOf(sale, now)));
  return f;
}

v1::Stock StockOf(const StockLevel& level) {
  v1::Stock s;
  StockInto(level, &s);
  return s;
}

void StockInto(const StockLevel& level, v1::Stock* out) {
  out->set_product_id(level.product_id);
  out->set_total(level.total);
  out->set_available(level.available);
  out->set_held(level.held);
  out->set_sold(level.sold);
  out->set_revision(level.revision);
  if (level.flash_sale) *out->mutable_flash_sale() = FlashSaleOf(*level.flash_sale, level.as_of);
}

}  // namespace shopcast::product_inventory::stock
