#include "stock/stock_tx.h"

#include <optional>
#include <pqxx/result>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "stock/pg_values.h"
#include "stock/validation.h"

namespace shopcast::product_inventory::stock::tx {
namespace {

std::string S(absl::string_view s) { return std::string(s); }

absl::Status ProductNotFound() {
  return NotFound(reason::kProductNotFound, "the product has no stock (unknown product)");
}

// The rule columns of kInsertStock / kSetRules, in their order, as NULL-able text.
struct RuleParams {
  std::string hold_seconds;
  std::string per_user_limit;
  std::optional<std::string> window_seconds;
  std::optional<std::string> price, currency, cap, per_user_cap, opens_at, closes_at;
};

RuleParams ToParams(const SaleRules& rules) {
  RuleParams p;
  p.hold_seconds = absl::StrCat(absl::ToInt64Seconds(rules.hold_duration));
  p.per_user_limit = absl::StrCat(rules.per_user_limit);
  if (rules.limit_window != absl::InfiniteDuration()) {
    p.window_seconds = absl::StrCat(absl::ToInt64Seconds(rules.limit_window));
  }
  if (rules.flash_sale) {
    const FlashSale& f = *rules.flash_sale;
    p.price = absl::StrCat(f.price_minor);
    p.currency = f.currency;
    p.cap = absl::StrCat(f.stock_cap);
    p.per_user_cap = absl::StrCat(f.per_user_cap);
    p.opens_at = pg::Time(f.opens_at);
    p.closes_at = pg::Time(f.closes_at);
  }
  return p;
}

absl::Status WithPayload(absl::Status s, const char* key, int64_t value) {
  s.SetPayload(key, absl::Cord(absl::StrCat(value)));
  return s;
}

absl::Status ValidateGrant(const GrantHoldRequest& r, absl::Time now) {
  if (r.product_id.empty()) {
    return InvalidArgument("product_id", reason::kIdRequired, "product_id is required");
  }
  if (r.buyer_id.empty()) {
    return InvalidArgument("buyer_id", reason::kIdRequired, "buyer_id is required");
  }
  if (r.quantity < 1 || r.quantity > kMaxQuantity) {
    return InvalidArgument("quantity", reason::kQuantityOutOfRange, "quantity must be 1..100");
  }
  const int s = static_cast<int>(r.source);
  if (s < static_cast<int>(HoldSource::kQueue) || s > static_cast<int>(HoldSource::kLottery)) {
    return InvalidArgument("source", reason::kSourceInvalid,
                           "a granted hold comes from a queue, an auction or a lottery");
  }
  if (r.source_ref.empty()) {
    return InvalidArgument("source_ref", reason::kIdRequired, "source_ref is required");
  }
  if (r.expires_at <= now) {
    return InvalidArgument("expires_at", reason::kExpiryInvalid, "a hold must expire later");
  }
  if (r.unit_price_minor && *r.unit_price_minor <= 0) {
    return InvalidArgument("unit_price", reason::kPriceInvalid, "the price must be positive");
  }
  return ValidateIdempotencyKey(r.idempotency_key);
}

}  // namespace

absl::Status CreateStock(pqxx::work& tx, absl::string_view product_id, int64_t total,
                         const SaleRules& rules, absl::Time now) {
  if (product_id.empty()) {
    return InvalidArgument("product_id", reason::kIdRequired, "product_id is required");
  }
  if (absl::Status s = ValidateTotal(total); !s.ok()) return s;
  if (absl::Status s = ValidateRules(rules); !s.ok()) return s;
  const RuleParams p = ToParams(rules);
  const pqxx::result r = tx.exec_prepared(
      "pi_stock_insert", S(product_id), total, p.hold_seconds, p.per_user_limit,
      pg::OrNull(p.window_seconds), pg::OrNull(p.price), pg::OrNull(p.currency), pg::OrNull(p.cap),
      pg::OrNull(p.per_user_cap), pg::OrNull(p.opens_at), pg::OrNull(p.closes_at), pg::Time(now));
  if (r.affected_rows() == 0) {
    return Error(absl::StatusCode::kAlreadyExists, reason::kStockExists,
                 "the product has stock already");
  }
  return absl::OkStatus();
}

absl::StatusOr<StockLevel> AdjustTotal(pqxx::work& tx, absl::string_view product_id, int64_t delta,
                                       absl::Time now, const AdjustmentKey* key) {
  if (delta == 0) {
    return InvalidArgument("delta", reason::kDeltaZero, "delta must not be 0");
  }
  if (delta < -kMaxTotal || delta > kMaxTotal) {
    return InvalidArgument("delta", reason::kStockOutOfRange,
                           "stock must stay between 0 and 1,000,000 units");
  }
  // Lapsing first frees the units of expired holds, so they count as available here. It also
  // locks the stock row, so two tries with one key for this product come one after the other
  // and the second finds the first's ledger row.
  tx.exec_prepared("pi_stock_lapse", S(product_id), pg::Time(now));
  if (key != nullptr) {
    const pqxx::result seen =
        tx.exec_prepared("pi_stock_select_adjustment", key->actor_id, key->idempotency_key);
    if (!seen.empty()) {
      if (seen[0][0].as<std::string>() != product_id || seen[0][1].as<int64_t>() != delta) {
        return InvalidArgument("idempotency_key", reason::kIdempotencyKeyReused,
                               "this idempotency key was used for another adjustment");
      }
      std::vector<StockLevel> current = GetStock(tx, {S(product_id)}, now);
      if (current.empty()) return ProductNotFound();
      return std::move(current[0]);
    }
  }
  const pqxx::result r =
      tx.exec_prepared("pi_stock_adjust_total", S(product_id), delta, pg::Time(now));
  if (r.empty()) {
    const std::vector<StockLevel> current = GetStock(tx, {S(product_id)}, now);
    if (current.empty()) return ProductNotFound();
    if (current[0].total + delta > kMaxTotal) {
      return InvalidArgument("delta", reason::kStockOutOfRange,
                             "stock must stay between 0 and 1,000,000 units");
    }
    return Error(absl::StatusCode::kFailedPrecondition, reason::kInsufficientAvailableStock,
                 "cannot remove more units than are available");
  }
  if (key != nullptr) {
    const pqxx::result recorded = tx.exec_prepared(
        "pi_stock_insert_adjustment", key->actor_id, key->idempotency_key, S(product_id), delta,
        key->note, r[0][0].as<int64_t>(), r[0][3].as<int64_t>(), pg::Time(now));
    // Only when the same key raced for another product (whose row lock did not serialize us).
    if (recorded.empty()) {
      return InvalidArgument("idempotency_key", reason::kIdempotencyKeyReused,
                             "this idempotency key was used for another adjustment");
    }
  }
  std::vector<StockLevel> after = GetStock(tx, {S(product_id)}, now);
  if (after.empty()) return ProductNotFound();
  return std::move(after[0]);
}

absl::Status SetRules(pqxx::work& tx, absl::string_view product_id, const SaleRules& rules,
                      absl::Time now) {
  if (absl::Status s = ValidateRules(rules); !s.ok()) return s;
  const RuleParams p = ToParams(rules);
  const pqxx::result r = tx.exec_prepared(
      "pi_stock_set_rules", S(product_id), p.hold_seconds, p.per_user_limit,
      pg::OrNull(p.window_seconds), pg::OrNull(p.price), pg::OrNull(p.currency), pg::OrNull(p.cap),
      pg::OrNull(p.per_user_cap), pg::OrNull(p.opens_at), pg::OrNull(p.closes_at), pg::Time(now));
  if (r.affected_rows() == 0) return ProductNotFound();
  return absl::OkStatus();
}

absl::Status SetHoldAndLimit(pqxx::work& tx, absl::string_view product_id, const SaleRules& rules,
                             absl::Time now) {
  if (absl::Status s = ValidateRules(rules); !s.ok()) return s;
  const RuleParams p = ToParams(rules);
  const pqxx::result r =
      tx.exec_prepared("pi_stock_set_hold_and_limit", S(product_id), p.hold_seconds,
                       p.per_user_limit, pg::OrNull(p.window_seconds), pg::Time(now));
  if (r.affected_rows() == 0) return ProductNotFound();
  return absl::OkStatus();
}

namespace {

// Locks the product's stock row (lapsing its expired holds) and reads where its flash sale
// stands: nullopt without one. NOT_FOUND without stock.
absl::StatusOr<std::optional<FlashSalePhase>> LockAndReadPhase(pqxx::work& tx,
                                                               absl::string_view product_id,
                                                               absl::Time now) {
  tx.exec_prepared("pi_stock_lapse", S(product_id), pg::Time(now));
  const pqxx::result r = tx.exec_prepared("pi_stock_flash_window", S(product_id));
  if (r.empty()) return ProductNotFound();
  if (r[0][0].is_null()) return std::optional<FlashSalePhase>();
  // The window alone decides whether a sale runs: one whose cap is reached is still running
  // (released holds give units back to it).
  const absl::Time opens = absl::FromUnixMicros(r[0][0].as<int64_t>());
  const absl::Time closes = absl::FromUnixMicros(r[0][1].as<int64_t>());
  if (now < opens) return std::optional<FlashSalePhase>(FlashSalePhase::kScheduled);
  if (now < closes) return std::optional<FlashSalePhase>(FlashSalePhase::kLive);
  return std::optional<FlashSalePhase>(FlashSalePhase::kOver);
}

absl::StatusOr<StockLevel> ReadOne(pqxx::work& tx, absl::string_view product_id, absl::Time now) {
  std::vector<StockLevel> levels = GetStock(tx, {S(product_id)}, now);
  if (levels.empty()) return ProductNotFound();
  return std::move(levels[0]);
}

}  // namespace

absl::StatusOr<StockLevel> ScheduleFlashSale(pqxx::work& tx, absl::string_view product_id,
                                             const FlashSale& sale, absl::Time now) {
  SaleRules check;
  check.flash_sale = sale;
  if (absl::Status s = ValidateRules(check); !s.ok()) return s;
  absl::StatusOr<std::optional<FlashSalePhase>> phase = LockAndReadPhase(tx, product_id, now);
  if (!phase.ok()) return phase.status();
  if (*phase == FlashSalePhase::kLive) {
    return Error(absl::StatusCode::kFailedPrecondition, reason::kFlashSaleLive,
                 "a flash sale is running; end it first");
  }
  if (*phase == FlashSalePhase::kOver)
    tx.exec_prepared0("pi_stock_detach_flash_holds", S(product_id));
  const RuleParams p = ToParams(check);
  tx.exec_prepared0("pi_stock_set_flash_sale", S(product_id), pg::OrNull(p.price),
                    pg::OrNull(p.currency), pg::OrNull(p.cap), pg::OrNull(p.per_user_cap),
                    pg::OrNull(p.opens_at), pg::OrNull(p.closes_at), pg::Time(now));
  return ReadOne(tx, product_id, now);
}

absl::StatusOr<StockLevel> EndFlashSale(pqxx::work& tx, absl::string_view product_id,
                                        absl::Time now) {
  absl::StatusOr<std::optional<FlashSalePhase>> phase = LockAndReadPhase(tx, product_id, now);
  if (!phase.ok()) return phase.status();
  if (phase->has_value()) {
    tx.exec_prepared0("pi_stock_detach_flash_holds", S(product_id));
    const char* null = nullptr;
    tx.exec_prepared0("pi_stock_set_flash_sale", S(product_id), null, null, null, null, null, null,
                      pg::Time(now));
  }
  return ReadOne(tx, product_id, now);
}

absl::StatusOr<GrantResult> GrantHold(pqxx::work& tx, const GrantHoldRequest& request,
                                      absl::Time now) {
  now = pg::Truncate(now);
  if (absl::Status s = ValidateGrant(request, now); !s.ok()) return s;
  const std::optional<std::string> price =
      request.unit_price_minor ? std::optional<std::string>(absl::StrCat(*request.unit_price_minor))
                               : std::nullopt;
  // A fresh id colliding with a stored one (2^-80 within a millisecond) fails the caller's
  // transaction on the primary key; its retry makes another. Time-ordered like Reserve's
  // (stock_store.cc).
  const pqxx::result r = tx.exec_prepared(
      "pi_stock_grant_hold", request.product_id, ids::NewTimeOrderedId("res", now),
      request.buyer_id, request.quantity, pg::OrNull(price),
      pg::Time(pg::Truncate(request.expires_at)), static_cast<int>(request.source),
      request.source_ref, request.idempotency_key, request.enforce_limit, pg::Time(now));
  const auto row = r[0];
  const std::string outcome = row[0].as<std::string>();
  if (outcome == "not_found") return ProductNotFound();
  if (outcome == "key_mismatch") {
    return InvalidArgument("idempotency_key", reason::kIdempotencyKeyReused,
                           "this idempotency key was used for another hold");
  }
  if (outcome == "limit") {
    const int64_t remaining = row[7].as<int64_t>();
    return WithPayload(Error(absl::StatusCode::kResourceExhausted, reason::kPurchaseLimitReached,
                             absl::StrCat("the buyer may hold ", remaining, " more")),
                       kRemainingPayload, remaining);
  }
  if (outcome == "insufficient") {
    const int64_t left = row[7].as<int64_t>();
    return WithPayload(
        left == 0 ? Error(absl::StatusCode::kFailedPrecondition, reason::kSoldOut, "sold out")
                  : Error(absl::StatusCode::kFailedPrecondition, reason::kInsufficientStock,
                          absl::StrCat("only ", left, " left")),
        kAvailablePayload, left);
  }
  GrantResult out;
  out.duplicate = outcome == "duplicate";
  Hold& h = out.hold;
  h.id = row[1].as<std::string>();
  h.product_id = request.product_id;
  h.buyer_id = request.buyer_id;
  h.quantity = row[2].as<int32_t>();
  h.created_at = absl::FromUnixMicros(row[5].as<int64_t>());
  h.expires_at = absl::FromUnixMicros(row[6].as<int64_t>());
  h.state = ParseHoldState(row[3].as<std::string>());
  if (h.state == HoldState::kActive && h.expires_at <= now) h.state = HoldState::kExpired;
  if (!row[4].is_null()) h.unit_price_minor = row[4].as<int64_t>();
  h.source = request.source;
  h.source_ref = request.source_ref;
  StockLevel& level = out.stock;
  level.product_id = request.product_id;
  level.total = row[8].as<int64_t>();
  level.held = row[9].as<int64_t>();
  level.sold = row[10].as<int64_t>();
  level.revision = row[11].as<int64_t>();
  level.available = level.total - level.held - level.sold;
  return out;
}

std::vector<StockLevel> GetStock(pqxx::work& tx, const std::vector<std::string>& product_ids,
                                 absl::Time now) {
  const pqxx::result r =
      tx.exec_prepared("pi_stock_select", db::TextArray(product_ids), pg::Time(now));
  std::vector<StockLevel> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    StockLevel level;
    level.product_id = row[0].as<std::string>();
    level.total = row[1].as<int64_t>();
    level.sold = row[2].as<int64_t>();
    level.held = row[3].as<int64_t>();
    level.revision = row[4].as<int64_t>();
    level.available = level.total - level.sold - level.held;
    level.as_of = now;
    if (!row[5].is_null()) {
      FlashSale f;
      f.price_minor = row[5].as<int64_t>();
      f.currency = row[6].as<std::string>();
      f.stock_cap = row[7].as<int64_t>();
      f.per_user_cap = row[8].as<int32_t>();
      f.opens_at = absl::FromUnixMicros(row[9].as<int64_t>());
      f.closes_at = absl::FromUnixMicros(row[10].as<int64_t>());
      f.taken = row[11].as<int64_t>();
      level.flash_sale = std::move(f);
    }
    out.push_back(std::move(level));
  }
  return out;
}

}  // namespace shopcast::product_inventory::stock::tx
