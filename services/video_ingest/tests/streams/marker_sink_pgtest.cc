// Stream markers delivered through DeliverEvents as the order and product-inventory relays send
// them: stored once whatever the redelivery (the inbox, and the marker id for one flash sale in
// many events), the replica holding the stream notified at commit, a marker for a stream this
// service does not know stored all the same, unusable payloads and other types acknowledged
// and stored nowhere, and the read the live playlist's feed makes.

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "streams/markers.h"
#include "streams/store/marker_store.h"
#include "streams_fixture.h"

namespace shopcast::video_ingest::streams::testing {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

void SetTime(google::protobuf::Timestamp* t, absl::Time at) {
  const int64_t ms = absl::ToUnixMillis(at);
  t->set_seconds(ms / 1000);
  t->set_nanos(static_cast<int32_t>((ms % 1000) * 1'000'000));
}

common::v1::Event SaleEvent(const std::string& stream, absl::Time sold_at,
                            const std::string& title = "Mug") {
  order::v1::SaleRecorded s;
  s.set_order_id(ids::NewId("ord"));
  s.set_stream_id(stream);
  s.set_product_id(ids::NewId("prd"));
  s.set_product_title(title);
  s.set_quantity(1);
  s.mutable_unit_price()->set_amount_minor(1299);
  s.mutable_unit_price()->set_currency("EUR");
  SetTime(s.mutable_sold_at(), sold_at);
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_source("order");
  e.set_type("order.sale_recorded");
  e.set_aggregate_id(s.order_id());
  SetTime(e.mutable_occurred_at(), sold_at + absl::Milliseconds(5));
  e.mutable_payload()->PackFrom(s);
  return e;
}

common::v1::Event FlashSaleEvent(const std::string& stream, const std::string& type,
                                 absl::Time opens_at) {
  rp::RoomEvent room;
  room.set_stream_id(stream);
  rp::StockChanged* stock = room.mutable_stock_changed();
  stock->set_product_id("prd_flash");
  rp::FlashSaleCard* sale = stock->mutable_flash_sale();
  sale->mutable_deal_price()->set_amount_minor(500);
  sale->mutable_deal_price()->set_currency("EUR");
  sale->set_stock_cap(10);
  SetTime(sale->mutable_opens_at(), opens_at);
  SetTime(sale->mutable_closes_at(), opens_at + absl::Minutes(10));
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_source("product_inventory");
  e.set_type(type);
  e.set_aggregate_id(stream);
  SetTime(e.mutable_occurred_at(), absl::Now());
  e.mutable_payload()->PackFrom(room);
  return e;
}

std::vector<std::string> Deliver(StreamsFixture& f, const std::vector<common::v1::Event>& events) {
  common::v1::DeliverEventsRequest req;
  for (const auto& e : events) *req.add_events() = e;
  common::v1::DeliverEventsResponse res;
  auto ctx = Ctx();
  grpc::Status st = f.sink().DeliverEvents(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return {res.accepted_ids().begin(), res.accepted_ids().end()};
}

TEST_CASE("a sale becomes one stored marker, however often it is delivered", "[markers]") {
  StreamsFixture f;
  std::string host;
  const std::string stream =
      f.Create(f.TokenFor(auth::Role::kHost, &host), "show", "k1").stream().id();
  const absl::Time sold = absl::FromUnixMillis(absl::ToUnixMillis(absl::Now()));
  const common::v1::Event e = SaleEvent(stream, sold, "Mug \"deluxe\"");

  // Notified at commit, with the stream's id, for the replica that holds its playlist.
  pqxx::connection listen(f.dsn());
  struct Receiver : pqxx::notification_receiver {
    using pqxx::notification_receiver::notification_receiver;
    void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
    std::vector<std::string> payloads;
  } receiver(listen, "video_ingest_markers");

  CHECK(Deliver(f, {e}) == std::vector<std::string>{e.id()});
  CHECK(Deliver(f, {e}) == std::vector<std::string>{e.id()});  // redelivered: accepted again
  CHECK(f.Count("stream_markers") == 1);
  CHECK(f.Scalar("SELECT kind || ' ' || marker_id || ' ' || event_id FROM stream_markers") ==
        "sale sale:" + e.id() + " " + e.id());
  CHECK(f.Scalar("SELECT ts_to_us(starts_at) FROM stream_markers") ==
        std::to_string(absl::ToUnixMicros(sold)));
  CHECK(f.Scalar("SELECT ends_at IS NULL FROM stream_markers") == "t");

  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (receiver.payloads.empty() && absl::Now() < deadline) listen.await_notification(1, 0);
  CHECK(receiver.payloads == std::vector<std::string>{stream});  // once: the redelivery adds none

  // What the feed reads for the stream: the marker with its attributes in order.
  MarkerStore store(f.pool());
  auto applying = store.Applying({stream, ids::NewId("str")}, sold - absl::Seconds(1));
  REQUIRE(applying.ok());
  REQUIRE(applying->size() == 1);
  const Marker& m = applying->front();
  CHECK(m.marker_id == "sale:" + e.id());
  CHECK(m.stream_id == stream);
  CHECK(m.starts_at == sold);
  CHECK(m.occurred_at == sold + absl::Milliseconds(5));
  REQUIRE(m.attributes.size() == 6);
  CHECK(m.attributes[2] == MarkerAttribute{"X-PRODUCT-TITLE", "Mug \"deluxe\"", std::nullopt});
  CHECK(m.attributes[3] == MarkerAttribute{"X-QUANTITY", "", 1});
  CHECK(m.attributes[4] == MarkerAttribute{"X-PRICE-MINOR", "", 1299});
  // An instant applies until it happened; read from after it, it is gone.
  CHECK(store.Applying({stream}, sold + absl::Milliseconds(1))->empty());
  CHECK(store.Applying({}, sold)->empty());

  // Purged once it stopped applying before the cut; not before.
  CHECK(store.PurgeEndedBefore(sold).value() == 0);
  CHECK(store.PurgeEndedBefore(sold + absl::Milliseconds(1)).value() == 1);
  CHECK(f.Count("stream_markers") == 0);
}

TEST_CASE("one flash sale in many stock events is one marker", "[markers]") {
  StreamsFixture f;
  const std::string stream = ids::NewId("str");
  const absl::Time opens = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 60);
  std::vector<common::v1::Event> events = {
      FlashSaleEvent(stream, "product_inventory.stock_changed", opens),
      FlashSaleEvent(stream, "product_inventory.stock_low", opens),
      FlashSaleEvent(stream, "product_inventory.stock_changed", opens)};
  CHECK(Deliver(f, events).size() == 3);
  CHECK(f.Count("stream_markers") == 1);
  CHECK(f.Count("processed_events") == 3);
  // A new opening is a new sale.
  CHECK(Deliver(f,
                {FlashSaleEvent(stream, "product_inventory.stock_changed", opens + absl::Hours(1))})
            .size() == 1);
  CHECK(f.Count("stream_markers") == 2);
  // Both apply until they close, even read from after they opened.
  CHECK(MarkerStore(f.pool()).Applying({stream}, opens + absl::Minutes(5))->size() == 2);
}

TEST_CASE("a marker for a stream this service does not know is stored", "[markers]") {
  StreamsFixture f;
  const std::string unknown = ids::NewId("str");
  const common::v1::Event e = SaleEvent(unknown, absl::Now());
  CHECK(Deliver(f, {e}).size() == 1);
  CHECK(f.Scalar("SELECT stream_id FROM stream_markers") == unknown);
}

TEST_CASE("unusable marker events and other types are acknowledged and stored nowhere",
          "[markers]") {
  StreamsFixture f;
  const std::string stream = ids::NewId("str");
  common::v1::Event bad_payload = SaleEvent(stream, absl::Now());
  bad_payload.mutable_payload()->PackFrom(rp::RoomEvent());  // not a SaleRecorded
  common::v1::Event bad_stream = SaleEvent("str_not-an-id", absl::Now());
  common::v1::Event hostile = SaleEvent(stream, absl::Now());
  {
    order::v1::SaleRecorded s;
    REQUIRE(hostile.payload().UnpackTo(&s));
    s.set_product_id("prd\",X-EVIL=\"1");
    hostile.mutable_payload()->PackFrom(s);
  }
  common::v1::Event unpin;
  unpin.set_id(ids::NewId("evt"));
  unpin.set_source("product_inventory");
  unpin.set_type("product_inventory.pins_changed");
  unpin.set_aggregate_id(stream);
  rp::RoomEvent room;
  room.mutable_pins_changed()->set_product_id("prd_1");
  room.mutable_pins_changed()->set_pinned_now(false);
  unpin.mutable_payload()->PackFrom(room);
  common::v1::Event other;
  other.set_id(ids::NewId("evt"));
  other.set_source("product_inventory");
  other.set_type("product_inventory.queue_updated");
  // From a source that does not sell: no sale.
  common::v1::Event wrong_source = SaleEvent(stream, absl::Now());
  wrong_source.set_source("realtime_push");

  const std::vector<common::v1::Event> events = {bad_payload, bad_stream, hostile,
                                                 unpin,       other,      wrong_source};
  CHECK(Deliver(f, events).size() == events.size());
  CHECK(f.Count("stream_markers") == 0);
  CHECK(f.Count("processed_events") == static_cast<int64_t>(events.size()));
  // The next valid one is stored as usual.
  CHECK(Deliver(f, {SaleEvent(stream, absl::Now())}).size() == 1);
  CHECK(f.Count("stream_markers") == 1);
}

}  // namespace
}  // namespace shopcast::video_ingest::streams::testing
