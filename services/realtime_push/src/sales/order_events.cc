#include "sales/order_events.h"

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rooms/pg_time.h"
#include "sales/sale_notices.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::sales {
namespace {

using rooms::Appended;

absl::Status BadPayload(const common::v1::Event& event, absl::string_view why) {
  return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                         absl::StrCat("event payload of ", event.type(), ": ", why));
}

template <typename M>
absl::StatusOr<M> Unpack(const common::v1::Event& event) {
  M m;
  if (!event.payload().UnpackTo(&m)) return BadPayload(event, "does not match its type");
  return m;
}

bool IsCurrency(absl::string_view c) {
  if (c.size() != 3) return false;
  for (char ch : c) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

absl::Time TimeOr(const google::protobuf::Timestamp& t, absl::Time fallback) {
  if (t.seconds() == 0 && t.nanos() == 0) return fallback;
  return FromProto(t);
}

// Appends `room_event` unless the room is closed or unknown (then nobody is watching it; what
// the event changes elsewhere still happens). Returns whether it was appended.
absl::Status AppendIfOpen(pqxx::work& tx, const std::string& stream_id, const std::string& event_id,
                          pb::RoomEvent room_event, std::vector<Appended>& out) {
  absl::StatusOr<Appended> appended =
      rooms::tx::Append(tx, stream_id, event_id, std::move(room_event));
  if (appended.ok()) {
    if (!appended->duplicate) out.push_back(*std::move(appended));
    return absl::OkStatus();
  }
  if (absl::IsNotFound(appended.status()) || ReasonOf(appended.status()) == "ROOM_CLOSED") {
    return absl::OkStatus();
  }
  return appended.status();
}

// A notice whose fields break the inbox's rules (a producer bug) is logged and skipped; the
// rest of the event still applies.
void Enqueue(pqxx::work& tx, const notify::PersonalNotice& notice, const common::v1::Event& event,
             absl::Time now) {
  pb::NotifyRequest check;
  check.add_user_ids(notice.user_id);
  check.set_dedupe_key(notice.dedupe_key);
  pb::Notification* n = check.mutable_notification();
  const notify::Content& c = notice.content;
  n->set_kind(static_cast<pb::NotificationKind>(c.kind));
  n->set_title(c.title);
  n->set_body(c.body);
  n->set_stream_id(c.stream_id);
  n->set_product_id(c.product_id);
  n->set_auction_id(c.auction_id);
  n->set_order_id(c.order_id);
  n->set_link(c.link);
  if (absl::Status s = notify::ValidateNotify(check); !s.ok()) {
    log::Error("order_notice_invalid")
        .Kv("event_id", event.id())
        .Kv("type", event.type())
        .Kv("reason", ReasonOf(s));
    return;
  }
  notify::EnqueuePersonal(tx, notice, now);
}

// The order's sales (of `product_id`, or all with "") stop counting; each open room hears it.
absl::Status CancelSales(pqxx::work& tx, const common::v1::Event& event,
                         const std::string& order_id, const std::string& product_id,
                         absl::Time cancelled_at, std::vector<Appended>& out) {
  pqxx::result rows =
      tx.exec_prepared("rps_cancel_sales", order_id, product_id, PgTime(cancelled_at));
  int n = 0;
  for (const auto& row : rows) {
    pb::RoomEvent e;
    *e.mutable_occurred_at() = event.occurred_at();
    pb::SaleCancelled* c = e.mutable_sale_cancelled();
    c->set_product_id(row[1].as<std::string>());
    c->set_quantity(row[2].as<int>());
    ToProto(cancelled_at, c->mutable_cancelled_at());
    // One room event per sale; the first keeps the producer's id, as other events do.
    const std::string id = n == 0 ? event.id() : absl::StrCat(event.id(), "/", n);
    ++n;
    RETURN_IF_ERROR(AppendIfOpen(tx, row[0].as<std::string>(), id, std::move(e), out));
  }
  return absl::OkStatus();
}

absl::Status ApplySaleRecorded(pqxx::work& tx, const common::v1::Event& event, absl::Time now,
                               std::vector<Appended>& out) {
  ASSIGN_OR_RETURN(auto sale, Unpack<opb::SaleRecorded>(event));
  const common::v1::Money amount = SaleAmount(sale);
  if (sale.order_id().empty() || sale.seller_id().empty()) {
    return BadPayload(event, "order_id and seller_id are required");
  }
  if (sale.quantity() <= 0 || amount.amount_minor() < 0 || !IsCurrency(amount.currency())) {
    return BadPayload(event, "quantity, amount or currency invalid");
  }
  if (!sale.stream_id().empty()) {
    tx.exec_prepared0("rps_insert_sale", event.id(), sale.stream_id(), sale.order_id(),
                      sale.product_id(), sale.quantity(), amount.amount_minor(), amount.currency(),
                      PgTime(TimeOr(sale.sold_at(), now)));
    pb::RoomEvent e;
    *e.mutable_occurred_at() = event.occurred_at();
    *e.mutable_sale_ticker() = TickerOf(sale);
    RETURN_IF_ERROR(AppendIfOpen(tx, sale.stream_id(), event.id(), std::move(e), out));
  }
  Enqueue(tx, SaleMadeNotice(sale, event.id()), event, now);
  return absl::OkStatus();
}

absl::Status ApplySaleCancelled(pqxx::work& tx, const common::v1::Event& event, absl::Time now,
                                std::vector<Appended>& out) {
  ASSIGN_OR_RETURN(auto cancelled, Unpack<opb::SaleCancelled>(event));
  if (cancelled.order_id().empty()) return BadPayload(event, "order_id is required");
  return CancelSales(tx, event, cancelled.order_id(), cancelled.product_id(),
                     TimeOr(cancelled.cancelled_at(), now), out);
}

absl::Status ApplyStatusChanged(pqxx::work& tx, const common::v1::Event& event, absl::Time now,
                                std::vector<Appended>& out) {
  ASSIGN_OR_RETURN(auto change, Unpack<opb::OrderStatusChanged>(event));
  const opb::Order& order = change.order();
  if (order.id().empty() || order.buyer_id().empty()) {
    return BadPayload(event, "order.id and order.buyer_id are required");
  }
  if (order.status() == opb::ORDER_STATUS_CANCELLED ||
      order.status() == opb::ORDER_STATUS_REFUNDED) {
    RETURN_IF_ERROR(CancelSales(
        tx, event, order.id(), "",
        TimeOr(order.has_cancelled_at() ? order.cancelled_at() : order.updated_at(), now), out));
  }
  if (std::optional<notify::PersonalNotice> notice = OrderUpdateNotice(change, event.id())) {
    Enqueue(tx, *notice, event, now);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Appended>> ApplyOrderEvent(pqxx::work& tx,
                                                      const common::v1::Event& event,
                                                      absl::Time now) {
  std::vector<Appended> out;
  const std::string& type = event.type();
  if (type == "order.sale_recorded") {
    RETURN_IF_ERROR(ApplySaleRecorded(tx, event, now, out));
  } else if (type == "order.sale_cancelled") {
    RETURN_IF_ERROR(ApplySaleCancelled(tx, event, now, out));
  } else if (type == "order.order_status_changed") {
    RETURN_IF_ERROR(ApplyStatusChanged(tx, event, now, out));
  }
  // access_pass_granted/revoked (addressed to video-ingest) and anything newer: no effect.
  return out;
}

}  // namespace shopcast::realtime_push::sales
