#include "markers/marker_events.h"

#include "absl/strings/str_cat.h"
#include "common/event_fields.h"
#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::markers {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

absl::Status Invalid(absl::string_view reason, absl::string_view what) {
  return Error(absl::StatusCode::kInvalidArgument, reason, absl::StrCat("marker event: ", what));
}

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1'000'000 + t.nanos() / 1000;
}

std::string Capped(const std::string& s) {
  if (s.size() <= kMaxMarkerTextBytes) return s;
  size_t n = kMaxMarkerTextBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

bool ValidCurrency(const std::string& c) {
  return c.size() == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' &&
         c[2] <= 'Z';
}

// The room event's own time, else the producer's commit.
absl::StatusOr<int64_t> RoomMoment(const common::v1::Event& event, const rp::RoomEvent& room) {
  if (room.has_occurred_at()) {
    if (!IsValidEventTime(room.occurred_at()))
      return Invalid("MARKER_TIME_INVALID", "bad occurred_at");
    return MicrosOf(room.occurred_at());
  }
  if (!event.has_occurred_at() || !IsValidEventTime(event.occurred_at())) {
    return Invalid("MARKER_TIME_INVALID", "the event has no valid occurred_at");
  }
  return MicrosOf(event.occurred_at());
}

absl::StatusOr<MarkerChange> Sale(const common::v1::Event& event) {
  order::v1::SaleRecorded sale;
  if (!event.payload().UnpackTo(&sale)) {
    return Invalid("EVENT_PAYLOAD_UNREADABLE", "not an order.v1.SaleRecorded");
  }
  if (sale.stream_id().empty()) return MarkerChange{};  // sold outside a stream
  if (!ids::IsValidId(sale.stream_id(), "str")) {
    return Invalid("STREAM_ID_INVALID", "sale without a valid stream id");
  }
  if (!IsPlainId(sale.order_id())) return Invalid("ORDER_ID_INVALID", "sale without a valid order");
  if (!IsPlainId(sale.product_id())) {
    return Invalid("PRODUCT_ID_INVALID", "sale without a valid product");
  }
  if (!sale.auction_id().empty() && !IsPlainId(sale.auction_id())) {
    return Invalid("AUCTION_ID_INVALID", "sale with a malformed auction id");
  }
  if (!sale.seller_id().empty() && !IsPlainId(sale.seller_id())) {
    return Invalid("SELLER_ID_INVALID", "sale with a malformed seller id");
  }
  if (sale.quantity() < 1) return Invalid("QUANTITY_INVALID", "sale of fewer than 1 unit");
  // The buyer's claim is where the marker goes; the confirmation when an older producer did
  // not say.
  const google::protobuf::Timestamp& at = sale.has_moment_at() ? sale.moment_at() : sale.sold_at();
  if (!IsValidEventTime(at))
    return Invalid("MARKER_TIME_INVALID", "sale without moment_at or sold_at");
  NewMarker m;
  m.stream_id = sale.stream_id();
  m.kind = sale.auction_id().empty() ? kKindSale : kKindAuctionSale;
  m.occurred_us = MicrosOf(at);
  m.host_id = sale.seller_id();
  m.order_id = sale.order_id();
  m.product_id = sale.product_id();
  m.product_title = Capped(sale.product_title());
  m.auction_id = sale.auction_id();
  m.quantity = sale.quantity();
  common::v1::Money amount = sale.amount();
  if (!sale.has_amount() && sale.has_unit_price()) {
    amount = sale.unit_price();
    amount.set_amount_minor(sale.unit_price().amount_minor() * sale.quantity());
  }
  if (sale.has_amount() || sale.has_unit_price()) {
    if (amount.amount_minor() < 0 || !ValidCurrency(amount.currency())) {
      return Invalid("AMOUNT_INVALID", "sale with a negative amount or a bad currency");
    }
    m.amount_minor = amount.amount_minor();
    m.currency = amount.currency();
  }
  MarkerChange change;
  change.marker = std::move(m);
  return change;
}

absl::StatusOr<MarkerChange> Cancel(const common::v1::Event& event) {
  order::v1::SaleCancelled cancelled;
  if (!event.payload().UnpackTo(&cancelled)) {
    return Invalid("EVENT_PAYLOAD_UNREADABLE", "not an order.v1.SaleCancelled");
  }
  if (!IsPlainId(cancelled.order_id())) {
    return Invalid("ORDER_ID_INVALID", "cancellation without a valid order");
  }
  if (!cancelled.product_id().empty() && !IsPlainId(cancelled.product_id())) {
    return Invalid("PRODUCT_ID_INVALID", "cancellation with a malformed product");
  }
  MarkerChange change;
  change.cancel = SaleCancel{cancelled.order_id(), cancelled.stream_id(), cancelled.product_id()};
  return change;
}

const char* ResultName(rp::AuctionResult r) {
  switch (r) {
    case rp::AUCTION_RESULT_SOLD:
      return "sold";
    case rp::AUCTION_RESULT_BOUGHT_NOW:
      return "bought-now";
    case rp::AUCTION_RESULT_NO_SALE:
      return "no-sale";
    case rp::AUCTION_RESULT_CANCELLED:
      return "cancelled";
    default:
      return "";
  }
}

absl::StatusOr<MarkerChange> Room(const common::v1::Event& event) {
  const bool pins = event.type() == "product_inventory.pins_changed";
  const bool auction = event.type() == "product_inventory.auction_closed";
  if (!pins && !auction) return MarkerChange{};
  rp::RoomEvent room;
  if (!event.payload().UnpackTo(&room)) {
    return Invalid("EVENT_PAYLOAD_UNREADABLE", "not a realtime_push.v1.RoomEvent");
  }
  const std::string stream_id = room.stream_id().empty() ? event.aggregate_id() : room.stream_id();
  if (!ids::IsValidId(stream_id, "str")) {
    return Invalid("STREAM_ID_INVALID", "room event without a valid stream id");
  }
  NewMarker m;
  m.stream_id = stream_id;
  if (pins) {
    if (!room.has_pins_changed()) {
      return Invalid("EVENT_PAYLOAD_UNREADABLE", "pins_changed without PinsChanged");
    }
    const rp::PinsChanged& p = room.pins_changed();
    if (!p.pinned_now()) return MarkerChange{};  // an unpin marks nothing
    if (!IsPlainId(p.product_id())) return Invalid("PRODUCT_ID_INVALID", "pin without a product");
    m.kind = kKindPin;
    m.product_id = p.product_id();
    for (const rp::ProductCard& card : p.pinned()) {
      if (card.product_id() != p.product_id()) continue;
      m.product_title = Capped(card.title());
      if (card.has_price() && card.price().amount_minor() >= 0 &&
          ValidCurrency(card.price().currency())) {
        m.amount_minor = card.price().amount_minor();
        m.currency = card.price().currency();
      }
      break;
    }
  } else {
    if (!room.has_auction_closed()) {
      return Invalid("EVENT_PAYLOAD_UNREADABLE", "auction_closed without AuctionClosed");
    }
    const rp::AuctionClosed& c = room.auction_closed();
    const std::string result = ResultName(c.result());
    if (!IsPlainId(c.auction().auction_id()) || !IsPlainId(c.auction().product_id())) {
      return Invalid("AUCTION_ID_INVALID", "auction close without a valid auction or product");
    }
    if (result.empty()) return Invalid("AUCTION_RESULT_INVALID", "auction close without a result");
    m.kind = kKindAuctionClose;
    m.auction_id = c.auction().auction_id();
    m.product_id = c.auction().product_id();
    m.result = result;
    if (c.has_winning_amount() && c.winning_amount().amount_minor() >= 0 &&
        ValidCurrency(c.winning_amount().currency())) {
      m.amount_minor = c.winning_amount().amount_minor();
      m.currency = c.winning_amount().currency();
    }
  }
  ASSIGN_OR_RETURN(m.occurred_us, RoomMoment(event, room));
  MarkerChange change;
  change.marker = std::move(m);
  return change;
}

}  // namespace

absl::StatusOr<MarkerChange> MarkerChangeOf(const common::v1::Event& event) {
  absl::StatusOr<MarkerChange> change = MarkerChange{};
  if (event.source() == "order" && event.type() == "order.sale_recorded") {
    change = Sale(event);
  } else if (event.source() == "order" && event.type() == "order.sale_cancelled") {
    change = Cancel(event);
  } else if (event.source() == "product_inventory") {
    change = Room(event);
  }
  if (change.ok() && change->marker) change->marker->event_id = event.id();
  return change;
}

bool IsSaleKind(const std::string& kind) { return kind == kKindSale || kind == kKindAuctionSale; }

}  // namespace shopcast::recording_lifecycle::markers
