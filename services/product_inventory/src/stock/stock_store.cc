#include "stock/stock_store.h"

#include <optional>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "stock/pg_values.h"
#include "stock/stock_tx.h"

namespace shopcast::product_inventory::stock {
namespace {

std::string S(absl::string_view s) { return std::string(s); }

constexpr int kBatchAttempts = 3;

// Hold ids lead with their time (ids::NewTimeOrderedId): a hot product inserts thousands of
// holds a second, and random ids would put each into a random leaf of the primary key's index
// (a page split every few dozen inserts, each leaf dirtied and logged again); time-ordered ones
// all land at its right edge. A hold's creation time is no secret (created_at is in the hold).
std::string NewHoldId(absl::Time now) { return ids::NewTimeOrderedId("res", now); }

// One batch: a single statement in autocommit, so the batch costs one round trip and the
// stock row's lock is held for the function and its commit only — no BEGIN and COMMIT round
// trips while buyers of the product wait (synchronous_commit still applies).
absl::StatusOr<pqxx::result> RunBatch(db::Pool& pool, const std::string& product,
                                      const std::string& now, const std::string& ids,
                                      const std::string& buyers, const std::string& quantities,
                                      const std::string& keys) {
  absl::StatusOr<db::Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    pqxx::nontransaction tx(**lease);
    return tx.exec_prepared("pi_stock_reserve_batch", product, now, ids, buyers, quantities, keys);
  } catch (const std::exception& e) {
    absl::Status s = db::MapDbException(e);
    if (!(*lease)->is_open() || ReasonOf(s) == db::kReasonConnectionLost) lease->MarkBroken();
    return s;
  }
}

// An active hold past its expiry no longer holds anything: say so.
HoldState Effective(HoldState state, absl::Time expires_at, absl::Time now) {
  return state == HoldState::kActive && expires_at <= now ? HoldState::kExpired : state;
}

absl::Status WithPayload(absl::Status s, const char* key, int64_t value) {
  s.SetPayload(key, absl::Cord(absl::StrCat(value)));
  return s;
}

absl::Status HoldNotFound() {
  return NotFound(reason::kReservationNotFound, "no such reservation");
}

absl::Status Precondition(const char* reason, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

std::optional<Hold> ReadHold(pqxx::work& tx, absl::string_view hold_id, absl::Time now) {
  const pqxx::result r = tx.exec_prepared("pi_stock_select_hold", S(hold_id));
  if (r.empty()) return std::nullopt;
  const auto row = r[0];
  Hold h;
  h.id = row[0].as<std::string>();
  h.product_id = row[1].as<std::string>();
  h.buyer_id = row[2].as<std::string>();
  h.quantity = row[3].as<int32_t>();
  h.created_at = absl::FromUnixMicros(row[7].as<int64_t>());
  h.expires_at = absl::FromUnixMicros(row[8].as<int64_t>());
  h.state = Effective(ParseHoldState(row[4].as<std::string>()), h.expires_at, now);
  h.flash_sale = row[5].as<bool>();
  if (!row[6].is_null()) h.unit_price_minor = row[6].as<int64_t>();
  if (!row[9].is_null()) {
    h.settled_at = absl::FromUnixMicros(row[9].as<int64_t>());
  } else if (h.state == HoldState::kExpired) {
    h.settled_at = h.expires_at;
  }
  h.order_id = row[10].as<std::string>();
  if (h.state == HoldState::kActive && !row[12].is_null()) {
    const absl::Time lock_end = absl::FromUnixMicros(row[12].as<int64_t>());
    if (lock_end > now) {
      h.checkout_order_id = row[11].as<std::string>();
      h.lock_expires_at = lock_end;
    }
  }
  h.source = static_cast<HoldSource>(row[13].as<int>());
  h.source_ref = row[14].as<std::string>();
  return h;
}

}  // namespace

HoldState ParseHoldState(const std::string& s) {
  if (s == "active") return HoldState::kActive;
  if (s == "released") return HoldState::kReleased;
  if (s == "expired") return HoldState::kExpired;
  if (s == "committed") return HoldState::kCommitted;
  return HoldState::kReturned;
}

const char* HoldStateName(HoldState s) {
  switch (s) {
    case HoldState::kActive:
      return "active";
    case HoldState::kReleased:
      return "released";
    case HoldState::kExpired:
      return "expired";
    case HoldState::kCommitted:
      return "committed";
    case HoldState::kReturned:
      return "returned";
  }
  return "unknown";
}

FlashSalePhase PhaseOf(const FlashSale& sale, absl::Time now) {
  if (now < sale.opens_at) return FlashSalePhase::kScheduled;
  if (now >= sale.closes_at || sale.taken >= sale.stock_cap) return FlashSalePhase::kOver;
  return FlashSalePhase::kLive;
}

StockStore::StockStore(db::Pool& pool, WallClock clock) : pool_(pool), clock_(std::move(clock)) {}

absl::StatusOr<std::vector<StockLevel>> StockStore::GetStock(
    const std::vector<std::string>& product_ids) {
  const absl::Time now = Now();
  auto levels =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<StockLevel>> {
        return tx::GetStock(tx, product_ids, now);
      });
  if (!levels.ok()) return levels;
  std::vector<StockLevel> ordered;
  for (const std::string& id : product_ids) {
    for (const StockLevel& l : *levels) {
      if (l.product_id == id) {
        ordered.push_back(l);
        break;
      }
    }
  }
  return ordered;
}

absl::StatusOr<Hold> StockStore::GetHold(absl::string_view hold_id) {
  const absl::Time now = Now();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Hold> {
    std::optional<Hold> h = ReadHold(tx, hold_id, now);
    if (!h) return HoldNotFound();
    return *std::move(h);
  });
}

std::vector<absl::StatusOr<ReserveResult>> StockStore::ReserveBatch(
    absl::string_view product_id, const std::vector<const ReserveRequest*>& requests) {
  const size_t n = requests.size();
  // The arrays' literals straight from the requests (no copy of every buyer and key first).
  const std::string buyers_array = db::TextArray(requests, &ReserveRequest::buyer_id);
  const std::string keys_array = db::TextArray(requests, &ReserveRequest::idempotency_key);
  const std::string quantities_array = db::IntArray(requests, &ReserveRequest::quantity);

  const absl::Time now = pg::Truncate(Now());
  const std::string product(product_id);
  if (AllFitWorthTrying(product, now)) {
    if (auto answers =
            ReserveAllFit(product_id, requests, buyers_array, quantities_array, keys_array, now)) {
      return *std::move(answers);
    }
  }
  absl::StatusOr<pqxx::result> rows;
  for (int attempt = 1; attempt <= kBatchAttempts; ++attempt) {
    std::vector<std::string> ids;
    ids.reserve(n);
    for (size_t i = 0; i < n; ++i) ids.push_back(NewHoldId(now));
    rows = RunBatch(pool_, S(product_id), pg::Time(now), db::TextArray(ids), buyers_array,
                    quantities_array, keys_array);
    if (rows.ok()) break;
    // A fresh hold id that collided (2^-80 within a millisecond), or a race with another lane
    // over one buyer's idempotency key: running again answers from what is there now. A lost
    // connection or an aborted statement: running again is safe too, since every request's
    // idempotency key turns a hold granted by a statement whose answer never came back into
    // "duplicate".
    const bool again = rows.status().code() == absl::StatusCode::kAlreadyExists ||
                       db::IsRetryable(rows.status()) ||
                       ReasonOf(rows.status()) == db::kReasonCommitInDoubt;
    if (!again) break;
  }
  if (!rows.ok()) return std::vector<absl::StatusOr<ReserveResult>>(n, rows.status());

  StockLevel level;
  level.product_id = S(product_id);
  for (const auto& row : *rows) {
    if (row[0].as<int>() != 0) continue;
    level.total = row[10].as<int64_t>();
    level.held = row[11].as<int64_t>();
    level.sold = row[12].as<int64_t>();
    level.revision = row[13].as<int64_t>();
    level.available = level.total - level.held - level.sold;
  }

  std::vector<absl::StatusOr<ReserveResult>> out(
      n, absl::InternalError("the batch gave no answer for this request"));
  for (const auto& row : *rows) {
    const int idx = row[0].as<int>();
    if (idx < 1 || static_cast<size_t>(idx) > n) continue;
    const std::string outcome = row[1].as<std::string>();
    const ReserveRequest& req = *requests[idx - 1];
    absl::StatusOr<ReserveResult>& answer = out[idx - 1];
    if (outcome == "granted" || outcome == "duplicate") {
      ReserveResult result;
      result.duplicate = outcome == "duplicate";
      Hold& h = result.hold;
      h.id = row[2].as<std::string>();
      h.product_id = S(product_id);
      h.buyer_id = req.buyer_id;
      h.quantity = row[3].as<int32_t>();
      h.created_at = absl::FromUnixMicros(row[7].as<int64_t>());
      h.expires_at = absl::FromUnixMicros(row[8].as<int64_t>());
      h.state = Effective(ParseHoldState(row[4].as<std::string>()), h.expires_at, now);
      h.flash_sale = row[5].as<bool>();
      if (!row[6].is_null()) h.unit_price_minor = row[6].as<int64_t>();
      result.stock = level;
      answer = std::move(result);
    } else if (outcome == "not_found") {
      answer = NotFound(reason::kProductNotFound, "the product has no stock (unknown product)");
    } else if (outcome == "insufficient") {
      const int64_t left = row[9].as<int64_t>();
      answer = WithPayload(
          left == 0 ? Error(absl::StatusCode::kResourceExhausted, reason::kSoldOut, "sold out")
                    : Error(absl::StatusCode::kResourceExhausted, reason::kInsufficientStock,
                            absl::StrCat("only ", left, " left")),
          kAvailablePayload, left);
    } else if (outcome == "limit") {
      const int64_t remaining = row[9].as<int64_t>();
      answer =
          WithPayload(Error(absl::StatusCode::kResourceExhausted, reason::kPurchaseLimitReached,
                            absl::StrCat("you may reserve ", remaining, " more")),
                      kRemainingPayload, remaining);
    } else if (outcome == "not_open") {
      answer = Precondition(reason::kSaleNotOpen, "the sale has not opened yet");
    } else if (outcome == "closed") {
      answer = Precondition(reason::kSaleClosed, "the sale has closed");
    } else if (outcome == "key_mismatch") {
      answer = InvalidArgument("idempotency_key", reason::kIdempotencyKeyReused,
                               "this idempotency key was used for another reservation");
    }
  }
  return out;
}

bool StockStore::AllFitWorthTrying(const std::string& product_id, absl::Time now) {
  std::lock_guard<std::mutex> lock(all_fit_mu_);
  auto it = all_fit_skip_until_.find(product_id);
  if (it == all_fit_skip_until_.end()) return true;
  if (now < it->second) return false;
  all_fit_skip_until_.erase(it);
  return true;
}

void StockStore::AllFitMissed(const std::string& product_id, absl::Time now) {
  std::lock_guard<std::mutex> lock(all_fit_mu_);
  // Bounded: a full map starts over (entries last a second anyway).
  if (all_fit_skip_until_.size() >= 10000) all_fit_skip_until_.clear();
  all_fit_skip_until_[product_id] = now + absl::Seconds(1);
}

std::optional<std::vector<absl::StatusOr<ReserveResult>>> StockStore::ReserveAllFit(
    absl::string_view product_id, const std::vector<const ReserveRequest*>& requests,
    const std::string& buyers, const std::string& quantities, const std::string& keys,
    absl::Time now) {
  const size_t n = requests.size();
  int64_t units = 0;
  std::vector<std::string> ids;
  ids.reserve(n);
  for (const ReserveRequest* r : requests) {
    units += r->quantity;
    ids.push_back(NewHoldId(now));
  }
  absl::StatusOr<db::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return std::nullopt;
  pqxx::result rows;
  try {
    pqxx::nontransaction tx(**lease);
    rows = tx.exec_prepared("pi_stock_reserve_all_fit", S(product_id), pg::Time(now), units,
                            db::TextArray(ids), buyers, quantities, keys);
  } catch (const std::exception& e) {
    // A repeated idempotency key (the usual case here) or a failure: kReserveBatch answers
    // either, retrying as it does. Had this statement committed without its answer arriving,
    // every request's key makes kReserveBatch answer it as a duplicate of its hold.
    const absl::Status s = db::MapDbException(e);
    if (!(*lease)->is_open() || ReasonOf(s) == db::kReasonConnectionLost) lease->MarkBroken();
    return std::nullopt;
  }
  if (rows.empty()) {
    AllFitMissed(S(product_id), now);
    return std::nullopt;
  }
  const auto row = rows[0];
  StockLevel level;
  level.product_id = S(product_id);
  level.total = row[0].as<int64_t>();
  level.held = row[1].as<int64_t>();
  level.sold = row[2].as<int64_t>();
  level.revision = row[3].as<int64_t>();
  level.available = level.total - level.held - level.sold;
  const absl::Time expires_at = now + absl::Seconds(row[4].as<int64_t>());

  std::vector<absl::StatusOr<ReserveResult>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    ReserveResult result;
    Hold& h = result.hold;
    h.id = std::move(ids[i]);
    h.product_id = level.product_id;
    h.buyer_id = requests[i]->buyer_id;
    h.quantity = requests[i]->quantity;
    h.created_at = now;
    h.expires_at = expires_at;
    h.state = HoldState::kActive;
    result.stock = level;
    out.push_back(std::move(result));
  }
  return out;
}

absl::StatusOr<HoldChange> StockStore::ChangeHold(const char* statement, absl::string_view hold_id,
                                                  absl::string_view party,
                                                  absl::string_view order_id,
                                                  absl::string_view release_reason) {
  const absl::Time now = pg::Truncate(Now());
  const std::string op = statement;
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<HoldChange> {
    const std::string who(party);
    pqxx::result r;
    if (op == "pi_stock_release") {
      // Exactly one of buyer and order is set; the other is SQL NULL.
      const std::string order(order_id);
      r = tx.exec_prepared(statement, S(hold_id), who.empty() ? nullptr : who.c_str(),
                           order.empty() ? nullptr : order.c_str(), pg::Time(now));
    } else {
      r = tx.exec_prepared(statement, S(hold_id), who, pg::Time(now));
    }
    const std::string outcome = r[0][0].as<std::string>();
    if (outcome == "not_found") return HoldNotFound();
    if (outcome == "not_owner") {
      return PermissionDenied(reason::kNotReservationOwner, "not your reservation");
    }
    if (outcome == "in_checkout") {
      return Precondition(reason::kReservationInCheckout,
                          "an order is checking the reservation out; cancel the order instead");
    }
    if (op == "pi_stock_release") {
      if (outcome == "committed") {
        return Precondition(reason::kReservationAlreadyCommitted,
                            "the reservation is sold; cancel the order instead");
      }
      if (outcome == "released" && !release_reason.empty()) {
        tx.exec_prepared0("pi_stock_wire_record_release_reason", S(hold_id), S(release_reason));
      }
    } else if (op == "pi_stock_commit") {
      if (outcome == "other_order") {
        return Precondition(reason::kReservationAlreadyCommitted,
                            "the reservation was committed to another order");
      }
      if (outcome == "expired") {
        return Precondition(reason::kReservationExpired,
                            "the reservation expired and its units went back");
      }
      if (outcome == "released") {
        return Precondition(reason::kReservationReleased, "the reservation was released");
      }
    } else if (outcome == "not_committed" || outcome == "other_order") {
      return Precondition(reason::kReservationNotCommitted,
                          "the reservation was not committed to this order");
    }
    return ReadChange(tx, hold_id, now);
  });
}

absl::StatusOr<HoldChange> StockStore::Release(absl::string_view hold_id,
                                               absl::string_view buyer_id) {
  if (buyer_id.empty()) {
    return InvalidArgument("buyer_id", reason::kIdRequired, "buyer_id is required");
  }
  return ChangeHold("pi_stock_release", hold_id, buyer_id, "");
}

absl::StatusOr<HoldChange> StockStore::ReleaseForOrder(absl::string_view hold_id,
                                                       absl::string_view order_id,
                                                       absl::string_view release_reason) {
  if (order_id.empty()) {
    return InvalidArgument("order_id", reason::kIdRequired, "order_id is required");
  }
  return ChangeHold("pi_stock_release", hold_id, "", order_id, release_reason);
}

absl::StatusOr<HoldChange> StockStore::Commit(absl::string_view hold_id,
                                              absl::string_view order_id) {
  if (order_id.empty()) {
    return InvalidArgument("order_id", reason::kIdRequired, "order_id is required");
  }
  return ChangeHold("pi_stock_commit", hold_id, order_id, "");
}

absl::StatusOr<HoldChange> StockStore::ReturnCommittedStock(absl::string_view hold_id,
                                                            absl::string_view order_id) {
  if (order_id.empty()) {
    return InvalidArgument("order_id", reason::kIdRequired, "order_id is required");
  }
  return ChangeHold("pi_stock_return", hold_id, order_id, "");
}

absl::StatusOr<HoldChange> StockStore::LockForCheckout(absl::string_view hold_id,
                                                       absl::string_view order_id,
                                                       absl::Duration lock) {
  if (order_id.empty()) {
    return InvalidArgument("order_id", reason::kIdRequired, "order_id is required");
  }
  if (lock < kMinCheckoutLock || lock > kMaxCheckoutLock) {
    return InvalidArgument("lock_duration", reason::kLockDurationOutOfRange,
                           "lock_duration must be between 30 seconds and 15 minutes");
  }
  const absl::Time now = pg::Truncate(Now());
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<HoldChange> {
    const pqxx::result r = tx.exec_prepared("pi_stock_lock_checkout", S(hold_id), S(order_id),
                                            pg::Time(pg::Truncate(now + lock)), pg::Time(now));
    const std::string outcome = r[0][0].as<std::string>();
    const std::string holder = r[0][1].as<std::string>();
    if (outcome == "not_found") return HoldNotFound();
    if (outcome == "in_checkout") {
      return Precondition(reason::kReservationInCheckout,
                          "another order is checking the reservation out");
    }
    if (outcome == "committed" && holder != order_id) {
      return Precondition(reason::kReservationAlreadyCommitted,
                          "the reservation was committed to another order");
    }
    if (outcome == "expired") {
      return Precondition(reason::kReservationExpired,
                          "the reservation expired and its units went back");
    }
    if (outcome == "released") {
      return Precondition(reason::kReservationReleased, "the reservation was released");
    }
    // locked, or committed to this very order (a retry after the commit): the hold as it is.
    return ReadChange(tx, hold_id, now);
  });
}

absl::StatusOr<HoldChange> StockStore::ReadChange(pqxx::work& tx, absl::string_view hold_id,
                                                  absl::Time now) {
  std::optional<Hold> hold = ReadHold(tx, hold_id, now);
  if (!hold) return HoldNotFound();
  std::vector<StockLevel> levels = tx::GetStock(tx, {hold->product_id}, now);
  HoldChange change;
  change.hold = *std::move(hold);
  if (!levels.empty()) change.stock = std::move(levels[0]);
  return change;
}

absl::StatusOr<int64_t> StockStore::SweepExpired(int max_products) {
  const absl::Time now = pg::Truncate(Now());
  auto due =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> products;
        for (const auto& row :
             tx.exec_prepared("pi_stock_due_products", pg::Time(now), max_products)) {
          products.push_back(row[0].as<std::string>());
        }
        return products;
      });
  if (!due.ok()) return due.status();
  int64_t units = 0;
  // One product per transaction: the sweeper never holds a hot product's lock for long.
  for (const std::string& product : *due) {
    auto lapsed = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec_prepared("pi_stock_lapse", product, pg::Time(now))[0][0].as<int64_t>();
    });
    if (!lapsed.ok()) return lapsed.status();
    units += *lapsed;
  }
  return units;
}

}  // namespace shopcast::product_inventory::stock
