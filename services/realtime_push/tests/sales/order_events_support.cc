#include "sales/order_events_support.h"

#include <catch2/catch.hpp>

#include "absl/time/clock.h"
#include "engagement/engagement_client.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::testing {

common::v1::Event OrderEvent(const std::string& type, const std::string& order_id,
                             const google::protobuf::Message& payload) {
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_type("order." + type);
  e.set_source("order");
  e.set_aggregate_id(order_id);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_payload()->PackFrom(payload);
  return e;
}

std::vector<std::string> DeliverAll(common::v1::EventSink::Stub& sink,
                                    const std::vector<common::v1::Event>& events) {
  common::v1::DeliverEventsRequest req;
  for (const auto& e : events) *req.add_events() = e;
  common::v1::DeliverEventsResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = sink.DeliverEvents(&ctx, req, &res);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return {res.accepted_ids().begin(), res.accepted_ids().end()};
}

opb::SaleRecorded MakeSale(const std::string& stream_id, const std::string& seller_id,
                           const std::string& buyer_id, int quantity, int64_t unit_minor,
                           const std::string& currency) {
  opb::SaleRecorded s;
  s.set_order_id(ids::NewId("ord"));
  s.set_stream_id(stream_id);
  s.set_seller_id(seller_id);
  s.set_buyer_id(buyer_id);
  s.set_product_id(ids::NewId("prd"));
  s.set_product_title("Red scarf");
  s.set_quantity(quantity);
  s.mutable_unit_price()->set_amount_minor(unit_minor);
  s.mutable_unit_price()->set_currency(currency);
  s.mutable_amount()->set_amount_minor(unit_minor * quantity);
  s.mutable_amount()->set_currency(currency);
  s.set_stream_units_sold(quantity);
  s.set_stream_total_units_sold(quantity);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  s.mutable_moment_at()->set_seconds(now - 5);
  s.mutable_sold_at()->set_seconds(now);
  return s;
}

opb::OrderStatusChanged MakeChange(const std::string& order_id, const std::string& buyer_id,
                                   opb::OrderStatus from, opb::OrderStatus to) {
  opb::OrderStatusChanged c;
  c.set_previous_status(from);
  opb::Order* o = c.mutable_order();
  o->set_id(order_id);
  o->set_buyer_id(buyer_id);
  o->set_seller_id("usr_seller");
  o->set_status(to);
  o->mutable_total()->set_amount_minor(2990);
  o->mutable_total()->set_currency("EUR");
  opb::OrderLine* line = o->add_lines();
  line->set_product_id("prd_scarf");
  line->set_title("Red scarf");
  line->set_quantity(1);
  return c;
}

pb::RoomStats HostStats(RoomsFixture& f, Replica& replica, const std::string& stream_id,
                        const std::string& host_id) {
  auto stub = replica.PublicStub();
  pb::RoomStats stats;
  Outcome o = Stats(*stub, stream_id, f.TokenFor(host_id, "host"), &stats);
  INFO(o.reason);
  REQUIRE(o.ok());
  REQUIRE(stats.host_view());
  return stats;
}

std::vector<pb::RoomEvent> EventsOfKind(const Subscriber& sub, pb::RoomEvent::PayloadCase kind) {
  std::vector<pb::RoomEvent> out;
  for (const auto& m : sub.Received()) {
    if (m.has_event() && m.event().payload_case() == kind) out.push_back(m.event());
  }
  return out;
}

}  // namespace shopcast::realtime_push::testing
