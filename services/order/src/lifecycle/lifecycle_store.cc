#include "lifecycle/lifecycle_store.h"

#include <pqxx/pqxx>
#include <utility>

#include "checkout/order_store.h"
#include "common/pg_time.h"
#include "lifecycle/lifecycle_sql.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/outbox.h"
#include "shopcast/status/status.h"

namespace shopcast::order::lifecycle {
namespace {

constexpr char kSource[] = "order";

std::string OptTime(const google::protobuf::Timestamp& ts) {
  return ts.seconds() == 0 && ts.nanos() == 0 ? "" : PgTime(FromProto(ts));
}

struct RowLock {
  std::string saga_step;
  std::string lifecycle_step;
  bool return_stock = false;
  bool stock_returned = false;
  std::string lease_owner;
};

std::optional<RowLock> LockRow(pqxx::work& tx, const std::string& order_id) {
  pqxx::result r = tx.exec_prepared(sql::kLockOrder, order_id);
  if (r.empty()) return std::nullopt;
  RowLock l;
  l.saga_step = r[0][0].as<std::string>();
  l.lifecycle_step = r[0][1].as<std::string>();
  l.return_stock = r[0][2].as<bool>();
  l.stock_returned = r[0][3].as<bool>();
  l.lease_owner = r[0][4].as<std::string>();
  return l;
}

bool HasPendingRefund(pqxx::work& tx, const std::string& order_id) {
  return !tx.exec_prepared(sql::kPendingRefund, order_id).empty();
}

// What remains once the current step is done, from what is stored.
std::string Remaining(pqxx::work& tx, const std::string& order_id, const RowLock& l) {
  if (HasPendingRefund(tx, order_id)) return step::kRefund;
  if (l.return_stock && !l.stock_returned) return step::kReturnStock;
  return step::kNone;
}

bool Paid(v1::OrderStatus s) {
  return s == v1::ORDER_STATUS_CONFIRMED || s == v1::ORDER_STATUS_SHIPPED;
}

bool Ended(v1::OrderStatus s) {
  return s == v1::ORDER_STATUS_CANCELLED || s == v1::ORDER_STATUS_REFUNDED;
}

// `partial_refund_minor`: the amount of a partial refund decided now (0 for none); with the
// status unchanged it is the only news, and the buyer is told of it.
void EnqueueEvents(pqxx::work& tx, const v1::Order& order, v1::OrderStatus previous, absl::Time now,
                   int64_t partial_refund_minor) {
  if (order.status() == previous && partial_refund_minor <= 0) return;
  v1::OrderStatusChanged changed;
  *changed.mutable_order() = order;
  changed.set_previous_status(previous);
  if (order.status() == previous) {
    changed.mutable_partial_refund()->set_amount_minor(partial_refund_minor);
    changed.mutable_partial_refund()->set_currency(order.total().currency());
  }
  events::Enqueue(
      tx,
      {kSource, "order.order_status_changed", order.id(), {checkout::kRoomDestination}, &changed});
  if (!Paid(previous) || !Ended(order.status())) return;
  // A sale that no longer is one: the room's ticker and stats and the recording's marker drop
  // it; an access pass stops opening its stream.
  for (const v1::OrderLine& line : order.lines()) {
    if (!line.access_stream_id().empty()) {
      v1::AccessPassRevoked revoked;
      revoked.set_order_id(order.id());
      revoked.set_stream_id(line.access_stream_id());
      revoked.set_viewer_id(order.buyer_id());
      ToProto(now, revoked.mutable_revoked_at());
      events::Enqueue(tx, {kSource,
                           "order.access_pass_revoked",
                           line.access_stream_id(),
                           {kVideoIngestDestination, checkout::kRecordingDestination},
                           &revoked});
      continue;
    }
    v1::SaleCancelled cancelled;
    cancelled.set_order_id(order.id());
    cancelled.set_stream_id(order.stream_id());
    cancelled.set_product_id(line.product_id());
    cancelled.set_quantity(line.quantity());
    ToProto(now, cancelled.mutable_cancelled_at());
    events::Enqueue(tx, {kSource,
                         "order.sale_cancelled",
                         order.id(),
                         {checkout::kRoomDestination, checkout::kRecordingDestination},
                         &cancelled});
  }
}

absl::Status LeaseLost() {
  return Error(absl::StatusCode::kAborted, "LEASE_LOST",
               "the order's lifecycle work moved on under another runner");
}

}  // namespace

absl::StatusOr<Decided> LifecycleStore::Decide(
    const std::string& order_id, const std::string& refund_key,
    const std::function<absl::StatusOr<Decision>(const LockedOrder&)>& decide,
    const std::string& owner, absl::Time lease_until, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Decided> {
    std::optional<RowLock> l = LockRow(tx, order_id);
    if (!l) return NotFound("ORDER_NOT_FOUND", "no such order");
    LockedOrder locked;
    // Read after the lock: what the last writer committed.
    ASSIGN_OR_RETURN(locked.rec, checkout::ReadOrderIn(tx, order_id));
    locked.lifecycle_step = l->lifecycle_step;
    locked.return_stock = l->return_stock;
    locked.refunds_asked_minor = tx.exec_prepared1(sql::kRefundsAsked, order_id)[0].as<int64_t>();
    if (!refund_key.empty()) {
      pqxx::result r = tx.exec_prepared(sql::kFindRefund, order_id, refund_key);
      if (!r.empty()) locked.same_key_fingerprint = r[0][0].as<std::string>();
    }
    ASSIGN_OR_RETURN(Decision d, decide(locked));
    if (!d.write) return Decided{std::move(locked.rec), l->lifecycle_step, false, false};

    const v1::Order& o = d.order;
    const v1::OrderStatus previous = locked.rec.order.status();
    if (d.take_over_saga) tx.exec_prepared0(sql::kTakeOverSaga, order_id);
    if (d.refund) {
      const RefundRow& r = *d.refund;
      tx.exec_prepared0(sql::kInsertRefund, order_id, r.refund_key, r.refund_id, r.fingerprint,
                        r.amount_minor, locked.rec.order.total().currency(), r.full, r.keep_stock,
                        r.requested_by, r.note, PgTime(now));
    }
    if (d.return_stock && !l->return_stock) {
      l->return_stock = true;
      for (const v1::OrderLine& line : locked.rec.order.lines()) {
        if (!line.access_stream_id().empty() || locked.rec.order.stream_id().empty()) continue;
        tx.exec_prepared0(sql::kReturnSales, locked.rec.order.stream_id(), line.product_id(),
                          line.quantity());
      }
    }
    std::string next = l->lifecycle_step;
    if (next.empty()) {
      next = d.take_over_saga ? std::string(step::kVoid) : Remaining(tx, order_id, *l);
    }
    const bool leased =
        tx.exec_prepared1(sql::kApplyDecision, order_id, static_cast<int>(o.status()),
                          static_cast<int>(o.cancel_reason()), o.cancel_note(), o.cancelled_by(),
                          o.carrier(), o.tracking_number(), OptTime(o.shipped_at()),
                          OptTime(o.cancelled_at()), PgTime(now), next, l->return_stock, owner,
                          PgTime(lease_until))[0]
            .as<bool>();
    ASSIGN_OR_RETURN(checkout::OrderRecord after, checkout::ReadOrderIn(tx, order_id));
    EnqueueEvents(tx, after.order, previous, now,
                  d.refund && !d.refund->full ? d.refund->amount_minor : 0);
    return Decided{std::move(after), next, true, leased};
  });
}

absl::StatusOr<bool> LifecycleStore::Claim(const std::string& order_id, const std::string& owner,
                                           absl::Time lease_until, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared(sql::kClaim, order_id, owner, PgTime(lease_until), PgTime(now))
                .empty();
  });
}

absl::Status LifecycleStore::Unlease(const std::string& order_id, const std::string& owner,
                                     absl::Time resume_after) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared0(sql::kUnlease, order_id, owner, PgTime(resume_after));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> LifecycleStore::ClaimDue(const std::string& owner,
                                                                  absl::Time lease_until,
                                                                  absl::Time now, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> ids;
    for (const pqxx::row& row :
         tx.exec_prepared(sql::kClaimDue, owner, PgTime(lease_until), PgTime(now), limit)) {
      ids.push_back(row[0].as<std::string>());
    }
    return ids;
  });
}

absl::StatusOr<int64_t> LifecycleStore::CountUnfinished() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared1(sql::kCountUnfinished)[0].as<int64_t>();
  });
}

absl::StatusOr<LifecycleStore::Work> LifecycleStore::Read(const std::string& order_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Work> {
    std::optional<RowLock> l = LockRow(tx, order_id);
    if (!l) return NotFound("ORDER_NOT_FOUND", "no such order");
    Work w;
    ASSIGN_OR_RETURN(w.rec, checkout::ReadOrderIn(tx, order_id));
    w.lifecycle_step = l->lifecycle_step;
    w.lease_owner = l->lease_owner;
    pqxx::result r = tx.exec_prepared(sql::kPendingRefund, order_id);
    if (!r.empty()) {
      w.refund_id = r[0][0].as<std::string>();
      w.refund_minor = r[0][1].as<int64_t>();
    }
    return w;
  });
}

absl::StatusOr<std::string> LifecycleStore::Record(const std::string& order_id,
                                                   const StepRecord& record,
                                                   const std::string& owner, absl::Time lease_until,
                                                   absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    std::optional<RowLock> l = LockRow(tx, order_id);
    if (!l) return NotFound("ORDER_NOT_FOUND", "no such order");
    if (l->lifecycle_step != record.from || l->lease_owner != owner) return LeaseLost();
    const std::string at = PgTime(now);
    if (record.payment_status != 0) {
      tx.exec_prepared0(sql::kRecordPayment, order_id, record.payment_status,
                        record.settled_at == absl::InfinitePast()
                            ? std::string()
                            : PgTime(TruncateToMicros(record.settled_at)),
                        at);
    }
    if (!record.refunded_id.empty()) {
      tx.exec_prepared0(sql::kMarkRefunded, order_id, record.refunded_id, at);
    }
    if (record.stock_returned) {
      tx.exec_prepared0(sql::kRecordStockReturned, order_id, at);
      l->stock_returned = true;
    }
    if (record.return_stock_instead) {
      tx.exec_prepared0(sql::kSetReturnStock, order_id);
      l->return_stock = true;
    }
    const std::string next =
        record.from == step::kVoid ? std::string(step::kRelease) : Remaining(tx, order_id, *l);
    tx.exec_prepared0(sql::kSetStep, order_id, next, PgTime(lease_until), at);
    return next;
  });
}

}  // namespace shopcast::order::lifecycle
