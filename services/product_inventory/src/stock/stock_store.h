#pragma once

// The stock engine on its own database connections: reads, the batched Reserve step, and the
// per-hold changes (release, commit, return) and tidying. Every change is one transaction and
// one call of a function of migrations/V002, so correctness lives in the database.

#include <cstdint>
#include <mutex>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/db/pool.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

// A hold together with the stock right after the change that produced it.
struct HoldChange {
  Hold hold;
  StockLevel stock;
};

class StockStore {
 public:
  // `pool` (with sql::PreparedStatements()) outlives the store; `clock` stamps every change.
  StockStore(db::Pool& pool, WallClock clock);

  absl::Time Now() const { return clock_(); }
  db::Pool& pool() { return pool_; }

  // Stock of those of `product_ids` that exist, in the order asked.
  absl::StatusOr<std::vector<StockLevel>> GetStock(const std::vector<std::string>& product_ids);

  // NOT_FOUND/RESERVATION_NOT_FOUND if unknown.
  absl::StatusOr<Hold> GetHold(absl::string_view hold_id);

  // Serves `requests` (all for `product_id`, already validated) in one transaction, as if they
  // had come one by one in this order; answers each one: the hold (new, or the first one for a
  // repeated idempotency key), or NOT_FOUND/PRODUCT_NOT_FOUND, RESOURCE_EXHAUSTED/SOLD_OUT or
  // INSUFFICIENT_STOCK (payload kAvailablePayload), RESOURCE_EXHAUSTED/PURCHASE_LIMIT_REACHED
  // (payload kRemainingPayload), FAILED_PRECONDITION/SALE_NOT_OPEN, SALE_CLOSED,
  // IDEMPOTENCY_KEY_REUSED (the key was used for another product or quantity). A database
  // failure answers every request with it.
  std::vector<absl::StatusOr<ReserveResult>> ReserveBatch(
      absl::string_view product_id, const std::vector<const ReserveRequest*>& requests);

  // The buyer gives an active hold back now. Idempotent on a released or expired hold;
  // PERMISSION_DENIED/NOT_RESERVATION_OWNER, FAILED_PRECONDITION/RESERVATION_ALREADY_COMMITTED.
  absl::StatusOr<HoldChange> Release(absl::string_view hold_id, absl::string_view buyer_id);

  // Release for the order service (payment failed, order abandoned): as Release, whoever the
  // buyer; FAILED_PRECONDITION/RESERVATION_IN_CHECKOUT while another order's lock is live.
  // A non-empty `release_reason` (checked by the caller) is recorded on the hold by the release
  // that ends it, in its transaction, through the App's wire statement
  // pi_stock_wire_record_release_reason (stock_wire_sql.h; migrations/V010).
  absl::StatusOr<HoldChange> ReleaseForOrder(absl::string_view hold_id, absl::string_view order_id,
                                             absl::string_view release_reason = {});
  // Locks an active hold for `order_id` for `lock` (kMinCheckoutLock..kMaxCheckoutLock) so it
  // cannot expire, nor be released by its buyer or taken by another order, while payment runs;
  // the hold's expiry moves out to the lock's end if it was sooner. Idempotent for the same
  // order (the lock is extended); FAILED_PRECONDITION/RESERVATION_IN_CHECKOUT (another order's
  // live lock), RESERVATION_EXPIRED, RESERVATION_RELEASED, RESERVATION_ALREADY_COMMITTED (to
  // another order); committed to this order answers the hold.
  absl::StatusOr<HoldChange> LockForCheckout(absl::string_view hold_id, absl::string_view order_id,
                                             absl::Duration lock);

  // Sells an active hold to `order_id`. Idempotent for the same order; FAILED_PRECONDITION/
  // RESERVATION_EXPIRED, RESERVATION_RELEASED, RESERVATION_ALREADY_COMMITTED (another order),
  // RESERVATION_IN_CHECKOUT (another order's lock is live).
  absl::StatusOr<HoldChange> Commit(absl::string_view hold_id, absl::string_view order_id);

  // A committed sale was cancelled: its units go back to available. Idempotent for the same
  // order; FAILED_PRECONDITION/RESERVATION_NOT_COMMITTED (never committed, or to another
  // order).
  absl::StatusOr<HoldChange> ReturnCommittedStock(absl::string_view hold_id,
                                                  absl::string_view order_id);

  // Tidies: marks expired holds of up to `max_products` products 'expired' and takes them off
  // the counters, one product per transaction. Nobody's view of the stock changes. Returns the
  // units tidied.
  absl::StatusOr<int64_t> SweepExpired(int max_products);

 private:
  // Runs one of the per-hold functions (release, commit, return) for the buyer or order
  // `party` (release: the buyer, or "" and `order_id`) and answers with the hold and stock
  // after it.
  absl::StatusOr<HoldChange> ChangeHold(const char* statement, absl::string_view hold_id,
                                        absl::string_view party, absl::string_view order_id,
                                        absl::string_view release_reason = {});
  // The batch's answers if it was the common case (sql::kReserveAllFit): every request
  // granted. nullopt: not that case, or the statement failed; kReserveBatch decides then.
  std::optional<std::vector<absl::StatusOr<ReserveResult>>> ReserveAllFit(
      absl::string_view product_id, const std::vector<const ReserveRequest*>& requests,
      const std::string& buyers, const std::string& quantities, const std::string& keys,
      absl::Time now);
  // Whether to try ReserveAllFit for `product_id` at `now`: not within a second of finding it
  // was not the common case (a limit, a flash sale, sold out), so those products do not pay a
  // round trip per batch for nothing.
  bool AllFitWorthTrying(const std::string& product_id, absl::Time now);
  void AllFitMissed(const std::string& product_id, absl::Time now);

  // The hold and its product's stock, in `tx`.
  static absl::StatusOr<HoldChange> ReadChange(pqxx::work& tx, absl::string_view hold_id,
                                               absl::Time now);

  db::Pool& pool_;
  const WallClock clock_;
  std::mutex all_fit_mu_;
  // Products that were not the common case, until when (guarded by all_fit_mu_).
  absl::flat_hash_map<std::string, absl::Time> all_fit_skip_until_;
};

}  // namespace shopcast::product_inventory::stock
