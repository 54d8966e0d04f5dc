#include "stock/validation.h"

#include "shopcast/status/status.h"

namespace shopcast::product_inventory::stock {
namespace {

bool IsWholeSeconds(absl::Duration d) { return d == absl::Seconds(absl::ToInt64Seconds(d)); }

bool IsCurrency(absl::string_view c) {
  if (c.size() != 3) return false;
  for (const char ch : c) {
    if (ch < 'A' || ch > 'Z') return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateIdempotencyKey(absl::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKey) {
    return InvalidArgument("idempotency_key", reason::kIdempotencyKeyInvalid,
                           "idempotency_key must be 1..64 printable ASCII characters");
  }
  for (const char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgument("idempotency_key", reason::kIdempotencyKeyInvalid,
                             "idempotency_key must be 1..64 printable ASCII characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReserve(const ReserveRequest& request) {
  if (request.product_id.empty()) {
    return InvalidArgument("product_id", reason::kIdRequired, "product_id is required");
  }
  if (request.buyer_id.empty()) {
    return InvalidArgument("buyer_id", reason::kIdRequired, "buyer_id is required");
  }
  if (request.quantity < 1 || request.quantity > kMaxQuantity) {
    return InvalidArgument("quantity", reason::kQuantityOutOfRange,
                           "quantity must be between 1 and 100");
  }
  return ValidateIdempotencyKey(request.idempotency_key);
}

absl::Status ValidateTotal(int64_t total) {
  if (total < 0 || total > kMaxTotal) {
    return InvalidArgument("total", reason::kStockOutOfRange,
                           "stock must be between 0 and 1,000,000 units");
  }
  return absl::OkStatus();
}

absl::Status ValidateRules(const SaleRules& rules) {
  if (rules.hold_duration < kMinHold || rules.hold_duration > kMaxHold ||
      !IsWholeSeconds(rules.hold_duration)) {
    return InvalidArgument("hold_duration", reason::kHoldDurationOutOfRange,
                           "hold_duration must be whole seconds between 1 and 10 minutes");
  }
  if (rules.per_user_limit < 0 || rules.per_user_limit > kMaxPerUserLimit) {
    return InvalidArgument("purchase_limit.max_quantity_per_user", reason::kPurchaseLimitInvalid,
                           "the per-user limit must be between 0 (none) and 1000");
  }
  if (rules.limit_window != absl::InfiniteDuration() &&
      (rules.limit_window < absl::Seconds(1) || !IsWholeSeconds(rules.limit_window) ||
       rules.limit_window > absl::Hours(24 * 365))) {
    return InvalidArgument("purchase_limit.window", reason::kPurchaseLimitInvalid,
                           "the limit window must be whole seconds, 1 s to a year");
  }
  if (rules.flash_sale) {
    const FlashSale& f = *rules.flash_sale;
    if (f.price_minor <= 0 || f.price_minor > 10'000'000'000) {
      return InvalidArgument("flash_sale.price", reason::kFlashSaleInvalid,
                             "the deal price must be positive");
    }
    if (!IsCurrency(f.currency)) {
      return InvalidArgument("flash_sale.currency", reason::kFlashSaleInvalid,
                             "the currency must be an ISO 4217 code");
    }
    if (f.stock_cap < 1 || f.stock_cap > kMaxTotal) {
      return InvalidArgument("flash_sale.stock_cap", reason::kFlashSaleInvalid,
                             "the sale's stock cap must be between 1 and 1,000,000");
    }
    if (f.per_user_cap < 0 || f.per_user_cap > kMaxPerUserLimit) {
      return InvalidArgument("flash_sale.per_user_cap", reason::kFlashSaleInvalid,
                             "the per-user cap must be between 0 (none) and 1000");
    }
    if (!(f.opens_at < f.closes_at) || f.opens_at == absl::InfinitePast() ||
        f.closes_at == absl::InfiniteFuture()) {
      return InvalidArgument("flash_sale.closes_at", reason::kFlashSaleInvalid,
                             "the sale must close after it opens");
    }
  }
  return absl::OkStatus();
}

}  // namespace shopcast::product_inventory::stock
