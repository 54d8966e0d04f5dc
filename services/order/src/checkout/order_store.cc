#include "checkout/order_store.h"

#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "checkout/order_sql.h"
#include "common/pg_time.h"
#include "google/protobuf/util/json_util.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/outbox.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {
namespace {

constexpr char kSource[] = "order";

std::string OptTime(absl::Time t) { return t == absl::InfinitePast() ? "" : PgTime(t); }
std::string OptTime(const google::protobuf::Timestamp& ts) {
  return ts.seconds() == 0 && ts.nanos() == 0 ? "" : PgTime(FromProto(ts));
}

// A timestamptz bound that is "no bound" when infinite.
std::string Bound(absl::Time t) {
  if (t == absl::InfinitePast()) return "-infinity";
  if (t == absl::InfiniteFuture()) return "infinity";
  return PgTime(t);
}

void SetTime(const pqxx::field& f, google::protobuf::Timestamp* out) {
  if (!f.is_null()) ToProto(absl::FromUnixMicros(f.as<int64_t>()), out);
}

void SetMoney(int64_t minor, const std::string& currency, common::v1::Money* out) {
  out->set_amount_minor(minor);
  out->set_currency(currency);
}

OrderRecord ReadOrder(const pqxx::row& r) {
  OrderRecord rec;
  v1::Order& o = rec.order;
  int i = 0;
  o.set_id(r[i++].as<std::string>());
  o.set_buyer_id(r[i++].as<std::string>());
  o.set_seller_id(r[i++].as<std::string>());
  o.set_stream_id(r[i++].as<std::string>());
  o.set_status(static_cast<v1::OrderStatus>(r[i++].as<int>()));
  rec.step = r[i++].as<std::string>();
  o.set_failure_reason(static_cast<v1::OrderFailureReason>(r[i++].as<int>()));
  o.set_cancel_reason(static_cast<v1::CancelReason>(r[i++].as<int>()));
  o.set_cancel_note(r[i++].as<std::string>());
  o.set_cancelled_by(r[i++].as<std::string>());
  o.set_carrier(r[i++].as<std::string>());
  o.set_tracking_number(r[i++].as<std::string>());
  const std::string currency = r[i++].as<std::string>();
  SetMoney(r[i++].as<int64_t>(), currency, o.mutable_subtotal());
  SetMoney(r[i++].as<int64_t>(), currency, o.mutable_shipping());
  SetMoney(r[i++].as<int64_t>(), currency, o.mutable_total());
  // Written by us from the same message; a parse failure leaves the address empty.
  (void)google::protobuf::util::JsonStringToMessage(r[i++].as<std::string>(),
                                                    o.mutable_shipping_address());
  rec.buyer_display_name = r[i++].as<std::string>();
  v1::Payment* p = o.mutable_payment();
  p->set_id(r[i++].as<std::string>());
  rec.method_token = r[i++].as<std::string>();
  p->set_provider(r[i++].as<std::string>());
  p->set_status(static_cast<v1::PaymentStatus>(r[i++].as<int>()));
  p->set_provider_reference(r[i++].as<std::string>());
  p->set_decline_code(r[i++].as<std::string>());
  *p->mutable_amount() = o.total();
  SetMoney(0, currency, p->mutable_refunded());
  SetTime(r[i++], p->mutable_authorized_at());
  SetTime(r[i++], p->mutable_captured_at());
  SetTime(r[i++], p->mutable_settled_at());
  if (!r[i].is_null()) rec.pending_since = absl::FromUnixMicros(r[i].as<int64_t>());
  ++i;
  SetTime(r[i++], o.mutable_created_at());
  *p->mutable_created_at() = o.created_at();
  SetTime(r[i++], o.mutable_updated_at());
  SetTime(r[i++], o.mutable_confirmed_at());
  SetTime(r[i++], o.mutable_shipped_at());
  SetTime(r[i++], o.mutable_cancelled_at());
  // The lifecycle's refunds (V003): what the provider confirmed so far.
  p->mutable_refunded()->set_amount_minor(r[i++].as<int64_t>());
  SetTime(r[i++], o.mutable_refunded_at());
  SetTime(r[i++], o.mutable_failed_at());
  return rec;
}

// Fills the lines of `records` from one query.
void ReadLines(pqxx::work& tx, std::vector<OrderRecord>& records) {
  if (records.empty()) return;
  std::vector<std::string> ids;
  for (const OrderRecord& r : records) ids.push_back(r.order.id());
  pqxx::result rows = tx.exec_prepared(sql::kGetLines, db::TextArray(ids));
  for (const pqxx::row& row : rows) {
    const std::string order_id = row[0].as<std::string>();
    for (OrderRecord& rec : records) {
      if (rec.order.id() != order_id) continue;
      v1::OrderLine* l = rec.order.add_lines();
      l->set_product_id(row[1].as<std::string>());
      l->set_reservation_id(row[2].as<std::string>());
      l->set_access_stream_id(row[3].as<std::string>());
      l->set_auction_id(row[4].as<std::string>());
      l->set_title(row[5].as<std::string>());
      l->set_image_url(row[6].as<std::string>());
      l->set_quantity(row[7].as<int>());
      SetMoney(row[8].as<int64_t>(), rec.order.total().currency(), l->mutable_unit_price());
      SetMoney(row[9].as<int64_t>(), rec.order.total().currency(), l->mutable_line_total());
      rec.reserved_at.push_back(absl::FromUnixMicros(row[10].as<int64_t>()));
    }
  }
}

void EnqueueStatusChanged(pqxx::work& tx, const v1::Order& order, v1::OrderStatus previous) {
  v1::OrderStatusChanged changed;
  *changed.mutable_order() = order;
  changed.set_previous_status(previous);
  events::Enqueue(
      tx, {kSource, "order.order_status_changed", order.id(), {kRoomDestination}, &changed});
}

// One sale_recorded per line, with the stream's counters bumped in the same transaction.
void EnqueueSales(pqxx::work& tx, const OrderRecord& rec) {
  const v1::Order& o = rec.order;
  for (int i = 0; i < o.lines_size(); ++i) {
    const v1::OrderLine& line = o.lines(i);
    v1::SaleRecorded sale;
    sale.set_order_id(o.id());
    sale.set_stream_id(o.stream_id());
    sale.set_seller_id(o.seller_id());
    sale.set_buyer_id(o.buyer_id());
    sale.set_product_id(line.product_id());
    sale.set_product_title(line.title());
    sale.set_reservation_id(line.reservation_id());
    sale.set_auction_id(line.auction_id());
    sale.set_quantity(line.quantity());
    *sale.mutable_unit_price() = line.unit_price();
    *sale.mutable_amount() = line.line_total();
    if (i < static_cast<int>(rec.reserved_at.size())) {
      ToProto(rec.reserved_at[i], sale.mutable_moment_at());
    }
    *sale.mutable_sold_at() = o.confirmed_at();
    sale.set_buyer_display_name(rec.buyer_display_name);
    if (!o.stream_id().empty()) {
      sale.set_stream_units_sold(tx.exec_prepared1(sql::kBumpStreamSales, o.stream_id(),
                                                   line.product_id(), line.quantity())[0]
                                     .as<int64_t>());
      sale.set_stream_total_units_sold(
          tx.exec_prepared1(sql::kStreamTotal, o.stream_id())[0].as<int64_t>());
    }
    events::Enqueue(tx, {kSource,
                         "order.sale_recorded",
                         o.id(),
                         {kRoomDestination, kRecordingDestination, kIngestDestination},
                         &sale});
  }
}

// A paid access pass: video-ingest lets the viewer fetch playback tokens for the stream. Not a
// sale_recorded: no product was sold, nothing goes on the room's ticker or the recording.
void EnqueuePassGranted(pqxx::work& tx, const v1::Order& o) {
  v1::AccessPassGranted granted;
  granted.set_order_id(o.id());
  granted.set_stream_id(o.lines(0).access_stream_id());
  granted.set_viewer_id(o.buyer_id());
  *granted.mutable_granted_at() = o.confirmed_at();
  // video-ingest issues the live playback tokens; recording-lifecycle plays the replay.
  events::Enqueue(tx, {kSource,
                       "order.access_pass_granted",
                       granted.stream_id(),
                       {kIngestDestination, kRecordingDestination},
                       &granted});
}

}  // namespace

absl::StatusOr<std::optional<KeyHit>> OrderStore::FindKey(const std::string& buyer_id,
                                                          const std::string& key, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<KeyHit>> {
    pqxx::result r = tx.exec_prepared(sql::kFindKey, buyer_id, key, PgTime(now));
    if (r.empty()) return std::optional<KeyHit>();
    return std::optional<KeyHit>(KeyHit{r[0][0].as<std::string>(), r[0][1].as<std::string>()});
  });
}

absl::StatusOr<std::optional<KeyHit>> OrderStore::Create(
    const OrderRecord& rec, const std::string& key, const std::string& fingerprint,
    absl::Duration key_ttl, const std::string& owner, absl::Time lease_until, absl::Time now) {
  const v1::Order& o = rec.order;
  std::string address;
  if (!google::protobuf::util::MessageToJsonString(o.shipping_address(), &address).ok()) {
    return absl::InternalError("shipping address to JSON");
  }
  auto created =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<KeyHit>> {
        pqxx::result inserted = tx.exec_prepared(sql::kInsertKey, o.buyer_id(), key, fingerprint,
                                                 o.id(), PgTime(now), PgTime(now + key_ttl));
        if (inserted.empty()) {
          // A concurrent first call with the same key won: report its order instead.
          pqxx::result r = tx.exec_prepared(sql::kFindKey, o.buyer_id(), key, PgTime(now));
          if (r.empty()) return Error(absl::StatusCode::kAborted, "DB_RETRYABLE", "key vanished");
          return std::optional<KeyHit>(
              KeyHit{r[0][0].as<std::string>(), r[0][1].as<std::string>()});
        }
        tx.exec_prepared0(sql::kInsertOrder, o.id(), o.buyer_id(), o.seller_id(), o.stream_id(),
                          static_cast<int>(o.status()), rec.step, o.total().currency(),
                          o.subtotal().amount_minor(), o.shipping().amount_minor(),
                          o.total().amount_minor(), address, rec.buyer_display_name,
                          o.payment().id(), rec.method_token, o.payment().provider(), PgTime(now),
                          owner, PgTime(lease_until));
        for (int i = 0; i < o.lines_size(); ++i) {
          const v1::OrderLine& l = o.lines(i);
          tx.exec_prepared0(sql::kInsertLine, o.id(), i, l.product_id(), l.reservation_id(),
                            l.access_stream_id(), l.auction_id(), o.stream_id(), l.title(),
                            l.image_url(), l.quantity(), l.unit_price().amount_minor(),
                            l.line_total().amount_minor(), PgTime(rec.reserved_at.at(i)));
        }
        // The pass's stream on the order row: orders_one_live_pass admits one live pass order per
        // (buyer, stream), whatever idempotency keys racing checkouts use.
        if (IsAccessPass(o)) {
          tx.exec_prepared0(sql::kSetAccessStream, o.id(), o.lines(0).access_stream_id());
        }
        EnqueueStatusChanged(tx, o, v1::ORDER_STATUS_UNSPECIFIED);
        return std::optional<KeyHit>();
      });
  if (!created.ok() && db::ConstraintOf(created.status()) == sql::kOneLivePassIndex) {
    return Error(absl::StatusCode::kAlreadyExists, "ACCESS_PASS_EXISTS",
                 "the buyer has a live pass order for this stream");
  }
  return created;
}

absl::StatusOr<std::optional<LivePass>> OrderStore::FindLivePass(const std::string& buyer_id,
                                                                 const std::string& stream_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<LivePass>> {
    pqxx::result r = tx.exec_prepared(sql::kFindLivePass, buyer_id, stream_id);
    if (r.empty()) return std::optional<LivePass>();
    return std::optional<LivePass>(
        LivePass{r[0][0].as<std::string>(), static_cast<v1::OrderStatus>(r[0][1].as<int>())});
  });
}

absl::StatusOr<OrderRecord> ReadOrderIn(pqxx::work& tx, const std::string& order_id) {
  pqxx::result r = tx.exec_prepared(sql::kGetOrder, order_id);
  if (r.empty()) return NotFound("ORDER_NOT_FOUND", "no such order");
  std::vector<OrderRecord> records = {ReadOrder(r[0])};
  ReadLines(tx, records);
  return std::move(records.front());
}

absl::StatusOr<OrderRecord> OrderStore::Get(const std::string& order_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<OrderRecord> {
    return ReadOrderIn(tx, order_id);
  });
}

absl::StatusOr<std::string> OrderStore::OrderOfPayment(const std::string& payment_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    pqxx::result r = tx.exec_prepared(sql::kByPayment, payment_id);
    if (r.empty()) return NotFound("PAYMENT_NOT_FOUND", "no such payment");
    return r[0][0].as<std::string>();
  });
}

absl::StatusOr<bool> OrderStore::Claim(const std::string& order_id, const std::string& owner,
                                       absl::Time lease_until, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared(sql::kClaim, order_id, owner, PgTime(lease_until), PgTime(now))
                .empty();
  });
}

absl::Status OrderStore::Unlease(const std::string& order_id, const std::string& owner,
                                 absl::Time resume_after) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared0(sql::kUnlease, order_id, owner, PgTime(resume_after));
    return absl::OkStatus();
  });
}

absl::Status OrderStore::Save(const OrderRecord& rec, const std::string& from_step,
                              v1::OrderStatus previous, const std::string& owner,
                              absl::Time lease_until, absl::Time now) {
  const v1::Order& o = rec.order;
  const v1::Payment& p = o.payment();
  const std::string failed_at = o.status() == v1::ORDER_STATUS_FAILED ? PgTime(now) : "";
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared(
        sql::kSave, o.id(), from_step, owner, static_cast<int>(o.status()), rec.step,
        static_cast<int>(o.failure_reason()), static_cast<int>(p.status()), p.provider_reference(),
        p.decline_code(), OptTime(p.authorized_at()), OptTime(p.captured_at()),
        OptTime(p.settled_at()), OptTime(rec.pending_since), PgTime(now), OptTime(o.confirmed_at()),
        failed_at, PgTime(lease_until));
    if (r.empty()) {
      return Error(absl::StatusCode::kAborted, "LEASE_LOST",
                   "the order moved on under another runner");
    }
    if (o.status() != previous) {
      EnqueueStatusChanged(tx, o, previous);
      if (o.status() == v1::ORDER_STATUS_CONFIRMED) {
        if (IsAccessPass(o)) {
          EnqueuePassGranted(tx, o);
        } else {
          EnqueueSales(tx, rec);
        }
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> OrderStore::ClaimDue(const std::string& owner,
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

absl::StatusOr<int64_t> OrderStore::DeleteExpiredKeys(absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return static_cast<int64_t>(
        tx.exec_prepared(sql::kDeleteExpiredKeys, PgTime(now)).affected_rows());
  });
}

absl::StatusOr<std::vector<OrderRecord>> OrderStore::List(const ListQuery& q) {
  const std::string statuses = db::IntArray(q.statuses);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<OrderRecord>> {
    pqxx::result rows =
        tx.exec_prepared(q.as_seller ? sql::kListAsSeller : sql::kListAsBuyer, q.user_id,
                         q.stream_id, statuses, Bound(q.created_after), Bound(q.created_before),
                         Bound(q.after_created), q.after_id, q.limit);
    std::vector<OrderRecord> records;
    for (const pqxx::row& row : rows) records.push_back(ReadOrder(row));
    ReadLines(tx, records);
    return records;
  });
}

}  // namespace shopcast::order::checkout
