// Reading markers from the peers' events (markers/marker_events.h): what makes a marker, what
// is nothing, and what is refused with which reason.

#include "markers/marker_events.h"

#include <catch2/catch.hpp>

#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::markers {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

const std::string kStream = ids::NewId("str");

common::v1::Event SaleEvent(const order::v1::SaleRecorded& sale) {
  common::v1::Event e;
  e.set_id("evt_1");
  e.set_source("order");
  e.set_type("order.sale_recorded");
  e.set_aggregate_id(sale.order_id());
  e.mutable_occurred_at()->set_seconds(1796551300);
  e.mutable_payload()->PackFrom(sale);
  return e;
}

order::v1::SaleRecorded Sale() {
  order::v1::SaleRecorded s;
  s.set_order_id("ord_1");
  s.set_stream_id(kStream);
  s.set_seller_id("usr_host");
  s.set_product_id("prd_1");
  s.set_product_title("Teapot");
  s.set_quantity(2);
  s.mutable_unit_price()->set_amount_minor(1500);
  s.mutable_unit_price()->set_currency("EUR");
  s.mutable_amount()->set_amount_minor(3000);
  s.mutable_amount()->set_currency("EUR");
  s.mutable_moment_at()->set_seconds(1796551234);
  s.mutable_moment_at()->set_nanos(567'891'000);
  s.mutable_sold_at()->set_seconds(1796551240);
  return s;
}

TEST_CASE("a sale in a stream is a sale moment at the buyer's claim, to the microsecond") {
  auto change = MarkerChangeOf(SaleEvent(Sale()));
  REQUIRE(change.ok());
  REQUIRE(change->marker);
  const NewMarker& m = *change->marker;
  CHECK(m.kind == "sale");
  CHECK(m.event_id == "evt_1");
  CHECK(m.stream_id == kStream);
  CHECK(m.occurred_us == 1796551234LL * 1'000'000 + 567'891);
  CHECK(m.amount_minor == 3000);
  CHECK(m.currency == "EUR");
  CHECK(m.host_id == "usr_host");

  order::v1::SaleRecorded auction = Sale();
  auction.set_auction_id("auc_9");
  auction.clear_moment_at();
  auto won = MarkerChangeOf(SaleEvent(auction));
  REQUIRE(won.ok());
  CHECK(won->marker->kind == "auction_sale");
  CHECK(won->marker->occurred_us == 1796551240LL * 1'000'000);  // sold_at when no moment_at
}

TEST_CASE("sales outside a stream, other types and other sources are nothing") {
  order::v1::SaleRecorded catalog = Sale();
  catalog.clear_stream_id();
  CHECK(MarkerChangeOf(SaleEvent(catalog))->empty());
  common::v1::Event e = SaleEvent(Sale());
  e.set_source("product_inventory");
  CHECK(MarkerChangeOf(e)->empty());
  e = SaleEvent(Sale());
  e.set_type("order.order_status_changed");
  CHECK(MarkerChangeOf(e)->empty());
}

TEST_CASE("a sale that cannot be read is refused with the reason") {
  struct Case {
    const char* name;
    void (*edit)(order::v1::SaleRecorded&);
    const char* reason;
  };
  const Case cases[] = {
      {"stream", [](order::v1::SaleRecorded& s) { s.set_stream_id("str_../x"); },
       "STREAM_ID_INVALID"},
      {"order", [](order::v1::SaleRecorded& s) { s.set_order_id(""); }, "ORDER_ID_INVALID"},
      {"product", [](order::v1::SaleRecorded& s) { s.set_product_id("a b"); },
       "PRODUCT_ID_INVALID"},
      {"quantity", [](order::v1::SaleRecorded& s) { s.set_quantity(0); }, "QUANTITY_INVALID"},
      {"time",
       [](order::v1::SaleRecorded& s) {
         s.clear_moment_at();
         s.clear_sold_at();
       },
       "MARKER_TIME_INVALID"},
      {"amount", [](order::v1::SaleRecorded& s) { s.mutable_amount()->set_amount_minor(-1); },
       "AMOUNT_INVALID"},
      {"currency", [](order::v1::SaleRecorded& s) { s.mutable_amount()->set_currency("eur"); },
       "AMOUNT_INVALID"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    order::v1::SaleRecorded s = Sale();
    c.edit(s);
    auto change = MarkerChangeOf(SaleEvent(s));
    REQUIRE_FALSE(change.ok());
    CHECK(change.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(change.status()) == c.reason);
  }
  common::v1::Event garbage = SaleEvent(Sale());
  garbage.mutable_payload()->set_value("\xff\xff\xff");
  CHECK(ReasonOf(MarkerChangeOf(garbage).status()) == "EVENT_PAYLOAD_UNREADABLE");
}

TEST_CASE("pins and auction closes are markers, unpins are nothing") {
  rp::RoomEvent room;
  room.set_stream_id(kStream);
  room.mutable_occurred_at()->set_seconds(1796551250);
  rp::PinsChanged* pins = room.mutable_pins_changed();
  pins->set_product_id("prd_2");
  pins->set_pinned_now(true);
  rp::ProductCard* card = pins->add_pinned();
  card->set_product_id("prd_2");
  card->set_title("Kettle");
  common::v1::Event e;
  e.set_id("evt_pin");
  e.set_source("product_inventory");
  e.set_type("product_inventory.pins_changed");
  e.set_aggregate_id(kStream);
  e.mutable_payload()->PackFrom(room);
  auto pin = MarkerChangeOf(e);
  REQUIRE(pin.ok());
  REQUIRE(pin->marker);
  CHECK(pin->marker->kind == "pin");
  CHECK(pin->marker->product_title == "Kettle");
  CHECK(pin->marker->occurred_us == 1796551250LL * 1'000'000);

  pins->set_pinned_now(false);
  e.mutable_payload()->PackFrom(room);
  CHECK(MarkerChangeOf(e)->empty());

  rp::RoomEvent closed;
  closed.set_stream_id(kStream);
  closed.mutable_auction_closed()->mutable_auction()->set_auction_id("auc_1");
  closed.mutable_auction_closed()->mutable_auction()->set_product_id("prd_3");
  closed.mutable_auction_closed()->set_result(rp::AUCTION_RESULT_SOLD);
  e.set_type("product_inventory.auction_closed");
  e.mutable_occurred_at()->set_seconds(1796551260);
  e.mutable_payload()->PackFrom(closed);
  auto close = MarkerChangeOf(e);
  REQUIRE(close.ok());
  CHECK(close->marker->kind == "auction_close");
  CHECK(close->marker->result == "sold");
  CHECK(close->marker->occurred_us == 1796551260LL * 1'000'000);  // the event's own time

  closed.mutable_auction_closed()->set_result(rp::AUCTION_RESULT_UNSPECIFIED);
  e.mutable_payload()->PackFrom(closed);
  CHECK(ReasonOf(MarkerChangeOf(e).status()) == "AUCTION_RESULT_INVALID");
}

TEST_CASE("a cancellation names the order and product") {
  order::v1::SaleCancelled c;
  c.set_order_id("ord_1");
  c.set_product_id("prd_1");
  common::v1::Event e;
  e.set_id("evt_c");
  e.set_source("order");
  e.set_type("order.sale_cancelled");
  e.mutable_payload()->PackFrom(c);
  auto change = MarkerChangeOf(e);
  REQUIRE(change.ok());
  REQUIRE(change->cancel);
  CHECK(change->cancel->order_id == "ord_1");
  c.set_order_id("");
  e.mutable_payload()->PackFrom(c);
  CHECK(ReasonOf(MarkerChangeOf(e).status()) == "ORDER_ID_INVALID");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::markers
