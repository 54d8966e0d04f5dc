#include "streams/markers.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::streams {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

constexpr size_t kMaxIdBytes = 64;
// Years 1970..9998, nanos in range: what a program date time can be compared with.
constexpr int64_t kMaxSeconds = 253370764800;  // 9999-01-01T00:00:00Z

absl::Status Invalid(absl::string_view what) {
  return Error(absl::StatusCode::kInvalidArgument, "MARKER_PAYLOAD_INVALID",
               absl::StrCat("marker event: ", what));
}

// An id another service gave us, used inside a DATERANGE ID and as an attribute value:
// printable ASCII without space, quote or comma, at most 64 bytes.
bool PlainId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool ValidTime(const google::protobuf::Timestamp& t) {
  return t.seconds() >= 0 && t.seconds() < kMaxSeconds && t.nanos() >= 0 &&
         t.nanos() <= 999'999'999;
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The first `kMaxMarkerTextBytes` of `s`, never splitting a UTF-8 sequence (the rest of the
// neutralising happens when the playlist renders it).
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

MarkerAttribute Text(const char* name, const std::string& value) {
  return MarkerAttribute{name, Capped(value), std::nullopt};
}

MarkerAttribute Number(const char* name, int64_t value) { return MarkerAttribute{name, "", value}; }

// X-PRICE-MINOR and X-CURRENCY for a price, when it is a usable one.
void AddPrice(const common::v1::Money& money, std::vector<MarkerAttribute>& out) {
  if (money.amount_minor() < 0 || !ValidCurrency(money.currency())) return;
  out.push_back(Number("X-PRICE-MINOR", money.amount_minor()));
  out.push_back(Text("X-CURRENCY", money.currency()));
}

// The producer's commit time, or the room event's own when it states one.
absl::StatusOr<absl::Time> MomentOf(const common::v1::Event& event, const rp::RoomEvent* room) {
  if (room != nullptr && room->has_occurred_at()) {
    if (!ValidTime(room->occurred_at())) return Invalid("occurred_at out of range");
    return TimeOf(room->occurred_at());
  }
  if (!event.has_occurred_at() || !ValidTime(event.occurred_at())) {
    return Invalid("the event has no valid occurred_at");
  }
  return TimeOf(event.occurred_at());
}

absl::StatusOr<std::optional<Marker>> SaleMarker(const common::v1::Event& event) {
  order::v1::SaleRecorded sale;
  if (!event.payload().UnpackTo(&sale)) return Invalid("not an order.v1.SaleRecorded");
  if (sale.stream_id().empty()) return std::optional<Marker>();  // sold outside a stream
  if (!ids::IsValidId(sale.stream_id(), "str") || !PlainId(sale.order_id()) ||
      !PlainId(sale.product_id()) || sale.quantity() < 1) {
    return Invalid("sale without a valid stream, order, product or quantity");
  }
  if (!sale.has_sold_at() || !ValidTime(sale.sold_at())) return Invalid("sale without sold_at");
  Marker m;
  // One event per order line; a redelivery keeps the event's id.
  m.marker_id = absl::StrCat("sale:", event.id());
  m.stream_id = sale.stream_id();
  m.kind = kMarkerSale;
  // The order's commit: the moment the item sold.
  m.starts_at = TimeOf(sale.sold_at());
  m.attributes = {Text("X-ORDER-ID", sale.order_id()), Text("X-PRODUCT-ID", sale.product_id())};
  if (!sale.product_title().empty()) {
    m.attributes.push_back(Text("X-PRODUCT-TITLE", sale.product_title()));
  }
  m.attributes.push_back(Number("X-QUANTITY", sale.quantity()));
  AddPrice(sale.unit_price(), m.attributes);
  if (PlainId(sale.auction_id())) m.attributes.push_back(Text("X-AUCTION-ID", sale.auction_id()));
  return std::optional<Marker>(std::move(m));
}

absl::StatusOr<std::optional<Marker>> PinMarker(const common::v1::Event& event,
                                                const rp::RoomEvent& room) {
  const rp::PinsChanged& pins = room.pins_changed();
  if (!pins.pinned_now()) return std::optional<Marker>();  // an unpin shows nothing
  if (!PlainId(pins.product_id())) return Invalid("pin without a valid product");
  ASSIGN_OR_RETURN(absl::Time at, MomentOf(event, &room));
  Marker m;
  m.marker_id = absl::StrCat("pin:", event.id());
  m.kind = kMarkerPin;
  m.starts_at = at;
  m.attributes = {Text("X-PRODUCT-ID", pins.product_id())};
  for (const rp::ProductCard& card : pins.pinned()) {
    if (card.product_id() != pins.product_id()) continue;
    if (!card.title().empty()) m.attributes.push_back(Text("X-PRODUCT-TITLE", card.title()));
    if (card.has_price()) AddPrice(card.price(), m.attributes);
    break;
  }
  return std::optional<Marker>(std::move(m));
}

absl::StatusOr<std::optional<Marker>> FlashSaleMarker(const std::string& product_id,
                                                      const rp::FlashSaleCard& sale) {
  if (!PlainId(product_id)) return Invalid("flash sale without a valid product");
  if (!ValidTime(sale.opens_at()) || !ValidTime(sale.closes_at()) ||
      TimeOf(sale.closes_at()) < TimeOf(sale.opens_at())) {
    return Invalid("flash sale without a valid opening and closing");
  }
  Marker m;
  // One flash sale shows up in many stock events: one marker per product and opening.
  m.marker_id =
      absl::StrCat("flash:", product_id, ":", absl::ToUnixMillis(TimeOf(sale.opens_at())));
  m.kind = kMarkerFlashSale;
  m.starts_at = TimeOf(sale.opens_at());
  m.ends_at = TimeOf(sale.closes_at());
  m.attributes = {Text("X-PRODUCT-ID", product_id)};
  AddPrice(sale.deal_price(), m.attributes);
  if (sale.stock_cap() > 0) m.attributes.push_back(Number("X-STOCK-CAP", sale.stock_cap()));
  return std::optional<Marker>(std::move(m));
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

absl::StatusOr<std::optional<Marker>> AuctionMarker(const common::v1::Event& event,
                                                    const rp::RoomEvent& room) {
  const rp::AuctionClosed& closed = room.auction_closed();
  const std::string result = ResultName(closed.result());
  if (!PlainId(closed.auction().auction_id()) || !PlainId(closed.auction().product_id()) ||
      result.empty()) {
    return Invalid("auction close without a valid auction, product or result");
  }
  ASSIGN_OR_RETURN(absl::Time at, MomentOf(event, &room));
  Marker m;
  m.marker_id = absl::StrCat("auction:", closed.auction().auction_id());  // closes once
  m.kind = kMarkerAuctionClose;
  m.starts_at = at;
  m.attributes = {Text("X-AUCTION-ID", closed.auction().auction_id()),
                  Text("X-PRODUCT-ID", closed.auction().product_id()), Text("X-RESULT", result)};
  if (closed.has_winning_amount()) AddPrice(closed.winning_amount(), m.attributes);
  return std::optional<Marker>(std::move(m));
}

absl::StatusOr<std::optional<Marker>> RoomMarker(const common::v1::Event& event) {
  const std::string& type = event.type();
  const bool stock = absl::StartsWith(type, "product_inventory.stock_");
  const bool product =
      type == "product_inventory.product_created" || type == "product_inventory.product_updated";
  const bool pins = type == "product_inventory.pins_changed";
  const bool auction = type == "product_inventory.auction_closed";
  if (!stock && !product && !pins && !auction) return std::optional<Marker>();
  rp::RoomEvent room;
  if (!event.payload().UnpackTo(&room)) return Invalid("not a realtime_push.v1.RoomEvent");
  // The room's id is the event's aggregate; the payload may repeat it.
  const std::string stream_id = room.stream_id().empty() ? event.aggregate_id() : room.stream_id();
  if (!ids::IsValidId(stream_id, "str")) return Invalid("no valid stream");

  absl::StatusOr<std::optional<Marker>> marker = std::optional<Marker>();
  if (pins && room.has_pins_changed()) {
    marker = PinMarker(event, room);
  } else if (auction && room.has_auction_closed()) {
    marker = AuctionMarker(event, room);
  } else if (stock && room.has_stock_changed()) {
    if (room.stock_changed().has_flash_sale()) {
      marker =
          FlashSaleMarker(room.stock_changed().product_id(), room.stock_changed().flash_sale());
    }
  } else if (product && (room.has_product_created() || room.has_product_updated())) {
    const rp::ProductCard& card = room.has_product_created() ? room.product_created().product()
                                                             : room.product_updated().product();
    if (card.has_flash_sale()) marker = FlashSaleMarker(card.product_id(), card.flash_sale());
  } else {
    return Invalid("the payload is not what the type says");
  }
  if (marker.ok() && marker->has_value()) (*marker)->stream_id = stream_id;
  return marker;
}

}  // namespace

absl::StatusOr<std::optional<Marker>> MarkerOf(const common::v1::Event& event) {
  absl::StatusOr<std::optional<Marker>> marker = std::optional<Marker>();
  if (event.type() == kSaleRecorded) {
    if (event.source() != "order") return std::optional<Marker>();
    marker = SaleMarker(event);
  } else if (event.source() == kProductInventorySource) {
    marker = RoomMarker(event);
  }
  if (!marker.ok() || !marker->has_value()) return marker;
  Marker& m = **marker;
  // A DATERANGE ID (media/date_ranges.h): the parts are plain ids, the whole is bounded.
  const bool id_ok = m.marker_id.size() <= kMaxIdBytes &&
                     std::all_of(m.marker_id.begin(), m.marker_id.end(),
                                 [](char c) { return c == ':' || PlainId(std::string(1, c)); });
  if (!id_ok) return Invalid("the marker's id would not be a valid DATERANGE ID");
  m.event_id = event.id();
  if (event.has_occurred_at() && ValidTime(event.occurred_at())) {
    m.occurred_at = TimeOf(event.occurred_at());
  } else {
    m.occurred_at = m.starts_at;
  }
  return marker;
}

std::string MarkerClass(const std::string& kind) {
  if (kind == kMarkerSale) return "com.shopcast.sale";
  if (kind == kMarkerPin) return "com.shopcast.pin";
  if (kind == kMarkerFlashSale) return "com.shopcast.flash-sale";
  if (kind == kMarkerAuctionClose) return "com.shopcast.auction-close";
  return "";
}

}  // namespace shopcast::video_ingest::streams
