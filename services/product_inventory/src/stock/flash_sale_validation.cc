#include "stock/flash_sale_validation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "catalog/pricing.h"
#include "common/pg_time.h"
#include "common/rpc_prologue.h"
#include "shopcast/status/status.h"
#include "stock/pg_values.h"

namespace shopcast::product_inventory::stock {

absl::Status BadSale(absl::string_view field, absl::string_view message) {
  return InvalidArgument(absl::StrCat("sale.", field), reason::kFlashSaleInvalid, message);
}

absl::StatusOr<FlashSale> SaleOf(const v1::ScheduleFlashSaleRequest& request,
                                 const RegularPrice& regular, absl::Time now) {
  const v1::FlashSale& in = request.sale();
  FlashSale sale;
  sale.price_minor = in.deal_price().amount_minor();
  sale.currency = in.deal_price().currency();
  if (sale.currency != regular.currency) {
    return BadSale("deal_price.currency", "the deal is in the product's currency");
  }
  if (sale.price_minor <= 0 || sale.price_minor >= regular.price_minor) {
    return BadSale("deal_price", "the deal price must be positive and below the regular price");
  }
  const catalog::CurrencyRule* currency = catalog::FindCurrency(sale.currency);
  if (currency != nullptr && sale.price_minor % currency->step != 0) {
    return BadSale("deal_price", "the deal price must be a whole number of the currency's step");
  }
  sale.stock_cap = in.stock_cap();
  sale.per_user_cap = in.per_user_cap();
  if (sale.per_user_cap < 0 || sale.per_user_cap > kMaxPerUserLimit) {
    return BadSale("per_user_cap", "the per-buyer cap must be between 0 (none) and 1000");
  }
  if (in.has_opens_at()) {
    sale.opens_at = pg::Truncate(product_inventory::FromProto(in.opens_at()));
    // A minute of grace for a client's clock; a week ahead at most.
    if (sale.opens_at < now - absl::Minutes(1) || sale.opens_at > now + absl::Hours(24 * 7)) {
      return BadSale("opens_at", "the sale opens within the next 7 days");
    }
    sale.opens_at = std::max(sale.opens_at, now);
  } else {
    const absl::Duration countdown = DurationOf(request.countdown());
    if (countdown < absl::ZeroDuration() || countdown > absl::Hours(1)) {
      return InvalidArgument("countdown", reason::kFlashSaleInvalid,
                             "the countdown is 0 to 1 hour");
    }
    sale.opens_at = pg::Truncate(now + countdown);
  }
  if (in.has_closes_at()) {
    sale.closes_at = pg::Truncate(product_inventory::FromProto(in.closes_at()));
  } else {
    sale.closes_at = pg::Truncate(sale.opens_at + DurationOf(request.duration()));
  }
  const absl::Duration length = sale.closes_at - sale.opens_at;
  if (length < absl::Seconds(10) || length > absl::Hours(24)) {
    return in.has_closes_at() ? BadSale("closes_at", "the sale runs 10 seconds to 24 hours")
                              : InvalidArgument("duration", reason::kFlashSaleInvalid,
                                                "the sale runs 10 seconds to 24 hours");
  }
  return sale;
}

}  // namespace shopcast::product_inventory::stock
