// Which delivered events become stream markers, and what each one carries: a sale at the
// order's commit, a pin (not an unpin), a flash sale from the stock and product events that
// carry it (one marker per product and opening), an auction's close; other types, wrong
// sources and sales outside a stream are no marker; unusable payloads are a clear error.

#include "streams/markers.h"

#include <catch2/catch.hpp>

#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::streams {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

void SetTime(google::protobuf::Timestamp* t, int64_t unix_ms) {
  t->set_seconds(unix_ms / 1000);
  t->set_nanos(static_cast<int32_t>((unix_ms % 1000) * 1'000'000));
}

common::v1::Event EventOf(const std::string& source, const std::string& type,
                          const google::protobuf::Message& payload, const std::string& aggregate) {
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_source(source);
  e.set_type(type);
  e.set_aggregate_id(aggregate);
  SetTime(e.mutable_occurred_at(), 1'764'900'000'500);
  e.mutable_payload()->PackFrom(payload);
  return e;
}

order::v1::SaleRecorded Sale(const std::string& stream) {
  order::v1::SaleRecorded s;
  s.set_order_id("ord_1");
  s.set_stream_id(stream);
  s.set_product_id("prd_1");
  s.set_product_title("Blue \"mug\"");
  s.set_quantity(2);
  s.mutable_unit_price()->set_amount_minor(1299);
  s.mutable_unit_price()->set_currency("EUR");
  SetTime(s.mutable_sold_at(), 1'764'900'000'250);
  SetTime(s.mutable_moment_at(), 1'764'899'990'000);
  return s;
}

std::string Reason(const absl::StatusOr<std::optional<Marker>>& m) {
  return m.ok() ? "" : std::string(ReasonOf(m.status()));
}

TEST_CASE("markers: a sale is marked at the order's commit, with its ids and price", "[markers]") {
  const std::string stream = ids::NewId("str");
  const common::v1::Event e = EventOf("order", "order.sale_recorded", Sale(stream), "ord_1");
  auto m = MarkerOf(e);
  REQUIRE(m.ok());
  REQUIRE(m->has_value());
  const Marker& marker = **m;
  CHECK(marker.marker_id == "sale:" + e.id());
  CHECK(marker.event_id == e.id());
  CHECK(marker.stream_id == stream);
  CHECK(marker.kind == kMarkerSale);
  CHECK(marker.starts_at == absl::FromUnixMillis(1'764'900'000'250));  // sold_at, not moment_at
  CHECK(!marker.ends_at);
  CHECK(marker.occurred_at == absl::FromUnixMillis(1'764'900'000'500));
  CHECK(marker.attributes == std::vector<MarkerAttribute>{
                                 {"X-ORDER-ID", "ord_1", std::nullopt},
                                 {"X-PRODUCT-ID", "prd_1", std::nullopt},
                                 {"X-PRODUCT-TITLE", "Blue \"mug\"", std::nullopt},
                                 {"X-QUANTITY", "", 2},
                                 {"X-PRICE-MINOR", "", 1299},
                                 {"X-CURRENCY", "EUR", std::nullopt},
                             });
  CHECK(MarkerClass(marker.kind) == "com.shopcast.sale");

  // Not from the order service, or outside a stream: no marker.
  CHECK(!MarkerOf(EventOf("product_inventory", "order.sale_recorded", Sale(stream), "x"))
             ->has_value());
  CHECK(!MarkerOf(EventOf("order", "order.sale_recorded", Sale(""), "x"))->has_value());
}

TEST_CASE("markers: unusable payloads are refused with a reason", "[markers]") {
  const std::string stream = ids::NewId("str");
  auto with = [&](auto mutate) {
    order::v1::SaleRecorded s = Sale(stream);
    mutate(s);
    return Reason(MarkerOf(EventOf("order", "order.sale_recorded", s, "ord_1")));
  };
  CHECK(with([](auto&) {}) == "");
  CHECK(with([](auto& s) { s.set_stream_id("str_nope"); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.set_order_id("ord 1"); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.set_product_id("prd\",X-A=\"1"); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.set_product_id(std::string(65, 'p')); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.set_quantity(0); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.clear_sold_at(); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.mutable_sold_at()->set_nanos(-1); }) == "MARKER_PAYLOAD_INVALID");
  CHECK(with([](auto& s) { s.mutable_sold_at()->set_seconds(-5); }) == "MARKER_PAYLOAD_INVALID");
  // A price that is not one is left out, the sale still marked.
  auto odd = MarkerOf(EventOf(
      "order", "order.sale_recorded",
      [&] {
        order::v1::SaleRecorded s = Sale(stream);
        s.mutable_unit_price()->set_currency("eu\"r");
        return s;
      }(),
      "ord_1"));
  REQUIRE(odd.ok());
  for (const MarkerAttribute& a : (*odd)->attributes) CHECK(a.name != "X-CURRENCY");

  // Not the message the type names.
  rp::RoomEvent room;
  CHECK(Reason(MarkerOf(EventOf("order", "order.sale_recorded", room, "x"))) ==
        "MARKER_PAYLOAD_INVALID");
  CHECK(Reason(MarkerOf(EventOf("product_inventory", "product_inventory.pins_changed", Sale(stream),
                                stream))) == "MARKER_PAYLOAD_INVALID");
  // A product-inventory event without a valid stream.
  room.mutable_pins_changed()->set_product_id("prd_1");
  room.mutable_pins_changed()->set_pinned_now(true);
  CHECK(Reason(MarkerOf(EventOf("product_inventory", "product_inventory.pins_changed", room,
                                "str_bad"))) == "MARKER_PAYLOAD_INVALID");
  // A long sale event id would make a DATERANGE ID over 64 characters.
  common::v1::Event long_id = EventOf("order", "order.sale_recorded", Sale(stream), "ord_1");
  long_id.set_id(std::string(60, 'e'));
  CHECK(Reason(MarkerOf(long_id)) == "MARKER_PAYLOAD_INVALID");
}

TEST_CASE("markers: a pin, not an unpin, at the room event's moment", "[markers]") {
  const std::string stream = ids::NewId("str");
  rp::RoomEvent room;
  rp::PinsChanged* pins = room.mutable_pins_changed();
  pins->set_product_id("prd_2");
  pins->set_pinned_now(true);
  rp::ProductCard* other = pins->add_pinned();
  other->set_product_id("prd_9");
  other->set_title("other");
  rp::ProductCard* card = pins->add_pinned();
  card->set_product_id("prd_2");
  card->set_title("Lamp");
  card->mutable_price()->set_amount_minor(4500);
  card->mutable_price()->set_currency("USD");
  const common::v1::Event e =
      EventOf("product_inventory", "product_inventory.pins_changed", room, stream);
  auto m = MarkerOf(e);
  REQUIRE(m.ok());
  REQUIRE(m->has_value());
  CHECK((*m)->marker_id == "pin:" + e.id());
  CHECK((*m)->stream_id == stream);  // from the aggregate: pins events carry no stream_id
  CHECK((*m)->kind == kMarkerPin);
  CHECK((*m)->starts_at == absl::FromUnixMillis(1'764'900'000'500));
  CHECK((*m)->attributes == std::vector<MarkerAttribute>{
                                {"X-PRODUCT-ID", "prd_2", std::nullopt},
                                {"X-PRODUCT-TITLE", "Lamp", std::nullopt},
                                {"X-PRICE-MINOR", "", 4500},
                                {"X-CURRENCY", "USD", std::nullopt},
                            });
  pins->set_pinned_now(false);
  CHECK(!MarkerOf(EventOf("product_inventory", "product_inventory.pins_changed", room, stream))
             ->has_value());
}

TEST_CASE("markers: a flash sale is one range per product and opening", "[markers]") {
  const std::string stream = ids::NewId("str");
  rp::RoomEvent room;
  room.set_stream_id(stream);
  rp::StockChanged* stock = room.mutable_stock_changed();
  stock->set_product_id("prd_3");
  // Without a flash sale a stock event is no marker.
  CHECK(!MarkerOf(EventOf("product_inventory", "product_inventory.stock_changed", room, stream))
             ->has_value());
  rp::FlashSaleCard* sale = stock->mutable_flash_sale();
  sale->mutable_deal_price()->set_amount_minor(999);
  sale->mutable_deal_price()->set_currency("EUR");
  sale->set_stock_cap(50);
  SetTime(sale->mutable_opens_at(), 1'764'900'060'000);
  SetTime(sale->mutable_closes_at(), 1'764'900'660'000);
  auto a = MarkerOf(EventOf("product_inventory", "product_inventory.stock_low", room, stream));
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->marker_id == "flash:prd_3:1764900060000");
  CHECK((*a)->kind == kMarkerFlashSale);
  CHECK((*a)->starts_at == absl::FromUnixMillis(1'764'900'060'000));
  CHECK((*a)->ends_at == absl::FromUnixMillis(1'764'900'660'000));
  CHECK((*a)->attributes == std::vector<MarkerAttribute>{
                                {"X-PRODUCT-ID", "prd_3", std::nullopt},
                                {"X-PRICE-MINOR", "", 999},
                                {"X-CURRENCY", "EUR", std::nullopt},
                                {"X-STOCK-CAP", "", 50},
                            });
  // The same sale on the product's card: the same marker id.
  rp::RoomEvent updated;
  rp::ProductCard* card = updated.mutable_product_updated()->mutable_product();
  card->set_product_id("prd_3");
  *card->mutable_flash_sale() = *sale;
  auto b =
      MarkerOf(EventOf("product_inventory", "product_inventory.product_updated", updated, stream));
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->marker_id == (*a)->marker_id);
  // Closing before opening is not a sale.
  SetTime(sale->mutable_closes_at(), 1'764'900'000'000);
  CHECK(Reason(MarkerOf(EventOf("product_inventory", "product_inventory.stock_changed", room,
                                stream))) == "MARKER_PAYLOAD_INVALID");
}

TEST_CASE("markers: an auction's close, with its result and winning amount", "[markers]") {
  const std::string stream = ids::NewId("str");
  rp::RoomEvent room;
  room.set_stream_id(stream);
  SetTime(room.mutable_occurred_at(), 1'764'900'001'000);
  rp::AuctionClosed* closed = room.mutable_auction_closed();
  closed->mutable_auction()->set_auction_id("auc_1");
  closed->mutable_auction()->set_product_id("prd_4");
  closed->set_result(rp::AUCTION_RESULT_SOLD);
  closed->mutable_winning_amount()->set_amount_minor(20000);
  closed->mutable_winning_amount()->set_currency("GBP");
  auto m = MarkerOf(EventOf("product_inventory", "product_inventory.auction_closed", room, stream));
  REQUIRE(m.ok());
  REQUIRE(m->has_value());
  CHECK((*m)->marker_id == "auction:auc_1");
  CHECK((*m)->kind == kMarkerAuctionClose);
  CHECK((*m)->starts_at == absl::FromUnixMillis(1'764'900'001'000));  // the close, not the send
  CHECK((*m)->attributes == std::vector<MarkerAttribute>{
                                {"X-AUCTION-ID", "auc_1", std::nullopt},
                                {"X-PRODUCT-ID", "prd_4", std::nullopt},
                                {"X-RESULT", "sold", std::nullopt},
                                {"X-PRICE-MINOR", "", 20000},
                                {"X-CURRENCY", "GBP", std::nullopt},
                            });
  CHECK(MarkerClass((*m)->kind) == "com.shopcast.auction-close");
  closed->set_result(rp::AUCTION_RESULT_UNSPECIFIED);
  CHECK(Reason(MarkerOf(EventOf("product_inventory", "product_inventory.auction_closed", room,
                                stream))) == "MARKER_PAYLOAD_INVALID");
}

TEST_CASE("markers: other events are no marker", "[markers]") {
  const std::string stream = ids::NewId("str");
  rp::RoomEvent room;
  room.mutable_auction_started();
  for (const char* type : {"product_inventory.auction_started", "product_inventory.queue_updated",
                           "order.order_status_changed", "video_ingest.stream_went_live",
                           "order.access_pass_granted"}) {
    INFO(type);
    auto m = MarkerOf(EventOf("product_inventory", type, room, stream));
    REQUIRE(m.ok());
    CHECK(!m->has_value());
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::streams
