// The order service's sales in rooms and stats, delivered to the EventSink as its outbox relay
// would: the sale ticker live and in snapshots, exactly once however often delivered; units and
// revenue per currency in the host's stats, out again when cancelled; a closed room still
// counts its sales; a catalog sale touches no room; bad and unknown events change nothing.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "engagement/engagement_client.h"
#include "rooms/room_log.h"
#include "sales/order_events_support.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
namespace pb = shopcast::realtime_push::v1;
namespace opb = shopcast::order::v1;
namespace cpb = shopcast::common::v1;

namespace {

int64_t Head(Replica& r, const std::string& stream) {
  auto room = r.log().GetRoom(stream);
  REQUIRE(room.ok());
  return room->head_seq;
}

int64_t Revenue(const pb::RoomStats& s, const std::string& currency) {
  for (const cpb::Money& m : s.revenue()) {
    if (m.currency() == currency) return m.amount_minor();
  }
  return -1;
}

}  // namespace

TEST_CASE("orders: a sale reaches a subscriber as one ticker however often it is delivered") {
  RoomsFixture f;
  // Every subscriber reads its own snapshot (none started from a cached one).
  auto& replica = f.AddReplica(
      [](shopcast::realtime_push::Config& c) { c.subscribe_cache_ttl = absl::ZeroDuration(); });
  auto sink = replica.SinkStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string stream = f.OpenRoom("usr_seller");
  Subscriber live(*stub, stream, 0);
  REQUIRE(live.WaitForCount(1));

  opb::SaleRecorded named = MakeSale(stream, "usr_seller", "usr_01HBUYERAA", 2, 1250);
  named.set_buyer_display_name("Jan");
  named.set_stream_units_sold(2);
  named.set_stream_total_units_sold(2);
  opb::SaleRecorded masked = MakeSale(stream, "usr_seller", "usr_01HBUYERBZ", 1, 900, "USD");
  masked.set_stream_units_sold(1);
  masked.set_stream_total_units_sold(3);
  const cpb::Event first = OrderEvent("sale_recorded", named.order_id(), named);
  const cpb::Event second = OrderEvent("sale_recorded", masked.order_id(), masked);
  // The relay resends a batch whose acknowledgement it lost, and a batch may repeat an event.
  CHECK(DeliverAll(*sink, {first, second, first}).size() == 3);
  CHECK(DeliverAll(*sink, {first, second}).size() == 2);

  REQUIRE(live.WaitForSequence(2));
  const auto tickers = EventsOfKind(live, pb::RoomEvent::kSaleTicker);
  REQUIRE(tickers.size() == 2);
  CHECK(tickers[0].event_id() == first.id());
  CHECK(tickers[0].sale_ticker().buyer_display_name() == "Jan");
  CHECK(tickers[0].sale_ticker().quantity() == 2);
  CHECK(tickers[0].sale_ticker().unit_price().amount_minor() == 1250);
  CHECK(tickers[0].sale_ticker().product_id() == named.product_id());
  CHECK(tickers[0].sale_ticker().title() == "Red scarf");
  CHECK(tickers[1].sale_ticker().buyer_display_name() == "0***z");
  CHECK(tickers[1].sale_ticker().product_units_sold() == 1);
  CHECK(tickers[1].sale_ticker().stream_units_sold() == 3);
  CHECK(Head(replica, stream) == 2);

  // A late viewer (and a resynced one: the same snapshot) sees the latest sales.
  Subscriber late(*stub, stream, 0);
  REQUIRE(late.WaitForCount(1));
  const pb::SubscribeResponse started = late.Received()[0];
  REQUIRE(started.has_started());
  const pb::RoomSnapshot& snap = started.started().snapshot();
  REQUIRE(snap.recent_sales_size() == 2);
  CHECK(snap.recent_sales(0).buyer_display_name() == "Jan");
  CHECK(snap.recent_sales(1).buyer_display_name() == "0***z");

  const pb::RoomStats stats = HostStats(f, replica, stream, "usr_seller");
  CHECK(stats.units_sold() == 3);
  CHECK(stats.sales_count() == 2);
  REQUIRE(stats.revenue_size() == 2);
  CHECK(Revenue(stats, "EUR") == 2500);
  CHECK(Revenue(stats, "USD") == 900);
  // Viewers see no sales figures.
  pb::RoomStats public_view;
  REQUIRE(Stats(*stub, stream, f.TokenFor("usr_viewer"), &public_view).ok());
  CHECK_FALSE(public_view.host_view());
  CHECK(public_view.units_sold() == 0);
  CHECK(public_view.revenue_size() == 0);
}

TEST_CASE("orders: a cancelled sale leaves the stats and the room hears it once") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto sink = replica.SinkStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string stream = f.OpenRoom("usr_seller");
  Subscriber live(*stub, stream, 0);
  REQUIRE(live.WaitForCount(1));

  const opb::SaleRecorded kept = MakeSale(stream, "usr_seller", "usr_buyer_a", 1, 1000);
  const opb::SaleRecorded gone = MakeSale(stream, "usr_seller", "usr_buyer_b", 3, 500);
  DeliverAll(*sink, {OrderEvent("sale_recorded", kept.order_id(), kept),
                     OrderEvent("sale_recorded", gone.order_id(), gone)});
  pb::RoomStats before = HostStats(f, replica, stream, "usr_seller");
  CHECK(before.units_sold() == 4);
  CHECK(Revenue(before, "EUR") == 2500);

  opb::SaleCancelled cancelled;
  cancelled.set_order_id(gone.order_id());
  cancelled.set_stream_id(stream);
  cancelled.set_product_id(gone.product_id());
  cancelled.set_quantity(3);
  const cpb::Event cancel_event = OrderEvent("sale_cancelled", gone.order_id(), cancelled);
  // The status change that comes with it cancels nothing more; redeliveries change nothing.
  const cpb::Event status_event =
      OrderEvent("order_status_changed", gone.order_id(),
                 MakeChange(gone.order_id(), "usr_buyer_b", opb::ORDER_STATUS_CONFIRMED,
                            opb::ORDER_STATUS_CANCELLED));
  DeliverAll(*sink, {cancel_event, status_event});
  DeliverAll(*sink, {cancel_event, status_event});

  REQUIRE(live.WaitForSequence(3));
  const auto cancels = EventsOfKind(live, pb::RoomEvent::kSaleCancelled);
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0].sale_cancelled().product_id() == gone.product_id());
  CHECK(cancels[0].sale_cancelled().quantity() == 3);
  CHECK(cancels[0].sale_cancelled().cancelled_at().seconds() > 0);
  CHECK(Head(replica, stream) == 3);

  pb::RoomStats after = HostStats(f, replica, stream, "usr_seller");
  CHECK(after.units_sold() == 1);
  CHECK(after.sales_count() == 1);
  CHECK(Revenue(after, "EUR") == 1000);

  // A refund alone (no sale_cancelled) takes the other sale out too.
  DeliverAll(*sink,
             {OrderEvent("order_status_changed", kept.order_id(),
                         MakeChange(kept.order_id(), "usr_buyer_a", opb::ORDER_STATUS_SHIPPED,
                                    opb::ORDER_STATUS_REFUNDED))});
  REQUIRE(live.WaitForSequence(4));
  pb::RoomStats refunded = HostStats(f, replica, stream, "usr_seller");
  CHECK(refunded.units_sold() == 0);
  CHECK(refunded.revenue_size() == 0);
}

TEST_CASE("orders: a sale after the room closed still counts, without a ticker") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto sink = replica.SinkStub(f.Peer());
  const std::string stream = f.OpenRoom("usr_seller");
  const opb::SaleRecorded during = MakeSale(stream, "usr_seller", "usr_buyer_a", 1, 700);
  DeliverAll(*sink, {OrderEvent("sale_recorded", during.order_id(), during)});
  REQUIRE(Head(replica, stream) == 1);
  absl::Status closed = shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
    shopcast::realtime_push::rooms::tx::CloseRoom(tx, stream, absl::Now());
    return absl::OkStatus();
  });
  REQUIRE(closed.ok());

  // A hold checked out just after the stream ended: a sale of the stream all the same.
  const opb::SaleRecorded after = MakeSale(stream, "usr_seller", "usr_buyer_b", 2, 700);
  const cpb::Event after_event = OrderEvent("sale_recorded", after.order_id(), after);
  CHECK(DeliverAll(*sink, {after_event}) == std::vector<std::string>{after_event.id()});
  CHECK(Head(replica, stream) == 1);
  pb::RoomStats stats = HostStats(f, replica, stream, "usr_seller");
  CHECK_FALSE(stats.open());
  CHECK(stats.units_sold() == 3);
  CHECK(Revenue(stats, "EUR") == 2100);

  // Its cancellation counts too, and is not published either.
  opb::SaleCancelled cancelled;
  cancelled.set_order_id(after.order_id());
  cancelled.set_stream_id(stream);
  DeliverAll(*sink, {OrderEvent("sale_cancelled", after.order_id(), cancelled)});
  CHECK(Head(replica, stream) == 1);
  CHECK(HostStats(f, replica, stream, "usr_seller").units_sold() == 1);
}

TEST_CASE("orders: a catalog sale and a sale in an unknown room touch no room") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto sink = replica.SinkStub(f.Peer());
  const std::string seller = shopcast::ids::NewId("usr");
  const opb::SaleRecorded catalog = MakeSale("", seller, "usr_buyer", 1, 700);
  const std::string unknown_stream = shopcast::ids::NewId("str");
  const opb::SaleRecorded unknown = MakeSale(unknown_stream, seller, "usr_buyer", 1, 700);
  CHECK(DeliverAll(*sink, {OrderEvent("sale_recorded", catalog.order_id(), catalog),
                           OrderEvent("sale_recorded", unknown.order_id(), unknown)})
            .size() == 2);
  CHECK(Count(f.pool(), "SELECT count(*) FROM room_sales WHERE stream_id = ''") == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM room_events") == 0);
  CHECK_FALSE(replica.log().GetRoom(unknown_stream).ok());
  // The seller hears of both (notifications only).
  CHECK(Count(f.pool(), absl::StrCat("SELECT count(*) FROM notification_personal WHERE "
                                     "user_id = '",
                                     seller, "' AND kind = 7")) == 2);
}

TEST_CASE("orders: malformed and unknown order events are accepted and change nothing") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto sink = replica.SinkStub(f.Peer());
  const std::string stream = f.OpenRoom("usr_seller");
  opb::SaleRecorded no_quantity = MakeSale(stream, "usr_seller", "usr_buyer", 1, 700);
  no_quantity.set_quantity(0);
  opb::SaleRecorded no_currency = MakeSale(stream, "usr_seller", "usr_buyer", 1, 700);
  no_currency.mutable_amount()->set_currency("");
  opb::SaleCancelled other;  // a payload of the wrong type
  other.set_order_id("ord_x");
  opb::AccessPassGranted pass;
  pass.set_order_id("ord_y");
  pass.set_stream_id(stream);
  const std::vector<cpb::Event> events = {
      OrderEvent("sale_recorded", "ord_1", no_quantity),
      OrderEvent("sale_recorded", "ord_2", no_currency),
      OrderEvent("sale_recorded", "ord_x", other),
      OrderEvent("order_status_changed", "ord_x", other),
      OrderEvent("order_status_changed", "ord_z", opb::OrderStatusChanged()),
      OrderEvent("access_pass_granted", "ord_y", pass),
      OrderEvent("something_new", "ord_y", pass),
  };
  CHECK(DeliverAll(*sink, events).size() == events.size());
  CHECK(Head(replica, stream) == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM room_sales") == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_personal") == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM processed_events") ==
        static_cast<int64_t>(events.size()));
}
