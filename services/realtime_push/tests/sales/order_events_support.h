#pragma once

// Helpers for the order-events pg tests: the order service's events as its outbox relay
// delivers them and the host's stats (the contact source fake is notify_pg_support.h's).

#include <map>
#include <string>
#include <vector>

#include "notify/notify_pg_support.h"
#include "shopcast/order/v1/order.pb.h"

namespace shopcast::realtime_push::testing {

namespace opb = ::shopcast::order::v1;

// An order.<type> event with a fresh evt_ id, aggregate the order.
common::v1::Event OrderEvent(const std::string& type, const std::string& order_id,
                             const google::protobuf::Message& payload);

// Delivers `events` in one DeliverEvents call; the accepted ids (fails the test on an error).
std::vector<std::string> DeliverAll(common::v1::EventSink::Stub& sink,
                                    const std::vector<common::v1::Event>& events);

// A sale of `quantity` x prd_… at `unit_minor` in `currency` in `stream_id` ("" = catalog).
opb::SaleRecorded MakeSale(const std::string& stream_id, const std::string& seller_id,
                           const std::string& buyer_id, int quantity, int64_t unit_minor,
                           const std::string& currency = "EUR");

// Order `order_id` of `buyer_id` moved from `from` to `to`.
opb::OrderStatusChanged MakeChange(const std::string& order_id, const std::string& buyer_id,
                                   opb::OrderStatus from, opb::OrderStatus to);

// The host's view of the room's stats (fails the test on an error).
pb::RoomStats HostStats(RoomsFixture& f, Replica& replica, const std::string& stream_id,
                        const std::string& host_id);

// The SaleTicker / SaleCancelled events a subscriber received, in order.
std::vector<pb::RoomEvent> EventsOfKind(const Subscriber& sub, pb::RoomEvent::PayloadCase kind);

}  // namespace shopcast::realtime_push::testing
