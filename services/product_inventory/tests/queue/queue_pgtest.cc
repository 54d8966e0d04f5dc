// The queue through the whole App: offers first in, first out as holds with a claim window,
// claims becoming ordinary holds, lapses moving to the next in line, leaving, cancellation,
// limits, Reserve refused on a queue-mode product, and the room events in the outbox.

#include <atomic>
#include <memory>

#include "catch2/catch.hpp"
#include "queue/queue_client.h"

namespace shopcast::product_inventory::testing {
namespace {

TEST_CASE("queue: tickets are offered in order, an offer is a hold, a claim an ordinary hold") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  auto order = InternalStub(f, replica);
  pb::Product p = w.Product(2, "p1");
  auto configured = w.Configure(w.catalog().host(), p.id(), true, 60);
  REQUIRE(configured.status.ok());
  CHECK(configured.response.settings().enabled());
  CHECK(configured.response.settings().claim_window().seconds() == 60);
  CHECK(configured.response.settings().max_length() == 10000);

  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");
  const std::string c = f.TokenFor("usr_c", "viewer");
  auto ta = w.Enqueue(a, p.id(), 1);
  REQUIRE(ta.status.ok());
  auto tb = w.Enqueue(b, p.id(), 1);
  REQUIRE(tb.status.ok());
  auto tc = w.Enqueue(c, p.id(), 1);
  REQUIRE(tc.status.ok());
  CHECK(ta.response.ticket().sequence() < tb.response.ticket().sequence());
  CHECK(tb.response.ticket().sequence() < tc.response.ticket().sequence());
  CHECK(ta.response.ticket().user_id() == "usr_a");

  // Two units: the first two in line are offered; the third waits, first in line now.
  pb::QueueTicket offered_a =
      w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  w.AwaitStatus(b, tb.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  auto pc = w.Position(c, tc.response.ticket().id());
  REQUIRE(pc.status.ok());
  CHECK(pc.response.ticket().status() == pb::QUEUE_TICKET_STATUS_WAITING);
  CHECK(pc.response.ticket().position() == 1);
  CHECK(pc.response.ticket().queue_length() == 1);
  CHECK(pc.response.ticket().has_estimated_wait());
  CHECK(offered_a.offered_quantity() == 1);
  CHECK(offered_a.offer_expires_at().seconds() - offered_a.offered_at().seconds() == 60);
  CHECK(w.StockOf(p.id()).held() == 2);
  CHECK(w.StockOf(p.id()).available() == 0);

  // The offer's hold is the buyer's, from the queue, naming the ticket.
  pb::GetReservationRequest get;
  get.set_reservation_id(offered_a.reservation_id());
  auto hold = CallOn(w.stub(), &Stub::GetReservation, a, get);
  REQUIRE(hold.status.ok());
  CHECK(hold.response.reservation().buyer_id() == "usr_a");
  CHECK(hold.response.reservation().status() == pb::RESERVATION_STATUS_HELD);

  // Nobody reserves around the queue.
  auto direct = w.Reserve(f.TokenFor("usr_d", "viewer"), p.id(), 1, "k");
  CHECK(direct.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(direct.status) == "QUEUE_REQUIRED");

  // Claimed: the product's hold duration (5 min) from now; twice answers the same.
  auto claimed = w.Claim(a, ta.response.ticket().id());
  REQUIRE(claimed.status.ok());
  CHECK(claimed.response.ticket().status() == pb::QUEUE_TICKET_STATUS_CLAIMED);
  const pb::Reservation& r = claimed.response.reservation();
  CHECK(r.id() == offered_a.reservation_id());
  CHECK(r.status() == pb::RESERVATION_STATUS_HELD);
  CHECK(r.source() == pb::RESERVATION_SOURCE_QUEUE);
  CHECK(r.queue_ticket_id() == ta.response.ticket().id());
  CHECK(r.unit_price().amount_minor() == 4500);
  CHECK(r.expires_at().seconds() - absl::ToUnixSeconds(absl::Now()) >= 290);
  auto again = w.Claim(a, ta.response.ticket().id());
  REQUIRE(again.status.ok());
  CHECK(again.response.reservation().id() == r.id());

  // Then checked out like any hold.
  pb::CommitReservationRequest commit;
  commit.set_reservation_id(r.id());
  commit.set_order_id("ord_1");
  auto committed = CallOn(*order, &Internal::CommitReservation, std::string(), commit);
  REQUIRE(committed.status.ok());
  CHECK(committed.response.reservation().status() == pb::RESERVATION_STATUS_COMMITTED);
  CHECK(w.StockOf(p.id()).sold() == 1);
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("queue: an unclaimed offer lapses after the claim window and moves to the next") {
  AppFixture f;
  auto offset = std::make_shared<std::atomic<int64_t>>(0);
  Replica& replica = QueueReplica(f, MovableClock(offset));
  QueueWorld w(f, replica);
  pb::Product p = w.Product(1, "p1");
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true, 30).status.ok());
  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");
  auto ta = w.Enqueue(a, p.id());
  REQUIRE(ta.status.ok());
  auto tb = w.Enqueue(b, p.id());
  REQUIRE(tb.status.ok());
  pb::QueueTicket offered =
      w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  CHECK(w.StatusOf(tb.response.ticket().id()) == "waiting");

  // The window passes unclaimed: the unit goes to b without anyone calling.
  offset->store(31);
  w.AwaitStatus(b, tb.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  auto pa = w.Position(a, ta.response.ticket().id());
  REQUIRE(pa.status.ok());
  CHECK(pa.response.ticket().status() == pb::QUEUE_TICKET_STATUS_LAPSED);
  auto late = w.Claim(a, ta.response.ticket().id());
  CHECK(late.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(late.status) == "QUEUE_OFFER_LAPSED");
  pb::GetReservationRequest get;
  get.set_reservation_id(offered.reservation_id());
  auto hold = CallOn(w.stub(), &Stub::GetReservation, a, get);
  REQUIRE(hold.status.ok());
  CHECK(hold.response.reservation().status() == pb::RESERVATION_STATUS_EXPIRED);
  CHECK(w.StockOf(p.id()).held() == 1);
  CHECK(w.InvariantHolds(p.id()));

  // Enqueuing again after a lapse is a new ticket at the back.
  auto again = w.Enqueue(a, p.id());
  REQUIRE(again.status.ok());
  CHECK(again.response.ticket().id() != ta.response.ticket().id());
  CHECK(again.response.ticket().sequence() > tb.response.ticket().sequence());
}

TEST_CASE("queue: an offer lapsing while no replica runs goes to the next after a restart") {
  AppFixture f;
  auto offset = std::make_shared<std::atomic<int64_t>>(0);
  Config config = f.BaseConfig();
  config.queue_advance_interval = absl::Milliseconds(20);
  auto first = std::make_unique<Replica>(config, MovableClock(offset));
  QueueWorld w(f, *first);
  pb::Product p = w.Product(1, "p1");
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true, 30).status.ok());
  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");
  const std::string ta = w.Enqueue(a, p.id()).response.ticket().id();
  const std::string tb = w.Enqueue(b, p.id()).response.ticket().id();
  REQUIRE(!ta.empty());
  REQUIRE(!tb.empty());
  w.AwaitStatus(a, ta, pb::QUEUE_TICKET_STATUS_OFFERED);

  // No replica runs while the claim window passes.
  first.reset();
  offset->store(31);
  CHECK(w.StatusOf(ta) == "offered");
  CHECK(w.StatusOf(tb) == "waiting");

  // A new replica finds the lapse from the tables alone and offers the unit to b.
  Replica restarted(config, MovableClock(offset));
  auto stub = restarted.Stub();
  w.AwaitStatus(b, tb, pb::QUEUE_TICKET_STATUS_OFFERED, stub.get());
  CHECK(w.StatusOf(ta) == "lapsed");
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("queue: leaving moves everyone up, and an offer left goes to the next") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  pb::Product p = w.Product(1, "p1");
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");
  const std::string c = f.TokenFor("usr_c", "viewer");
  auto ta = w.Enqueue(a, p.id());
  REQUIRE(ta.status.ok());
  w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  auto tb = w.Enqueue(b, p.id());
  auto tc = w.Enqueue(c, p.id());
  REQUIRE(tb.status.ok());
  REQUIRE(tc.status.ok());
  CHECK(w.Position(c, tc.response.ticket().id()).response.ticket().position() == 2);

  // b leaves (twice: the same answer); c moves up.
  for (int i = 0; i < 2; ++i) {
    auto left = w.Leave(b, tb.response.ticket().id());
    REQUIRE(left.status.ok());
    CHECK(left.response.ticket().status() == pb::QUEUE_TICKET_STATUS_LEFT);
  }
  CHECK(w.Position(c, tc.response.ticket().id()).response.ticket().position() == 1);

  // a leaves with the offer: its hold is released and c is offered the unit.
  auto left = w.Leave(a, ta.response.ticket().id());
  REQUIRE(left.status.ok());
  CHECK(left.response.ticket().status() == pb::QUEUE_TICKET_STATUS_LEFT);
  w.AwaitStatus(c, tc.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  CHECK(w.StockOf(p.id()).held() == 1);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE state = 'released'") == 1);
  // A claimed ticket is not left (its reservation is released instead).
  REQUIRE(w.Claim(c, tc.response.ticket().id()).status.ok());
  CHECK(ReasonOf(w.Leave(c, tc.response.ticket().id()).status) == "QUEUE_TICKET_CLAIMED");
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("queue: turning it off, selling out and archiving cancel the waiting tickets") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  auto order = InternalStub(f, replica);
  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");

  SECTION("off") {
    pb::Product p = w.Product(1, "p1");
    REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
    auto ta = w.Enqueue(a, p.id());
    w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
    auto tb = w.Enqueue(b, p.id());
    REQUIRE(tb.status.ok());
    auto off = w.Configure(w.catalog().admin(), p.id(), false);
    REQUIRE(off.status.ok());
    CHECK(off.response.cancelled_tickets() == 1);
    CHECK(off.response.queue_length() == 0);
    auto pb_ = w.Position(b, tb.response.ticket().id());
    CHECK(pb_.response.ticket().status() == pb::QUEUE_TICKET_STATUS_CANCELLED);
    CHECK(pb_.response.ticket().cancel_reason() == "QUEUE_DISABLED");
    // The offer made keeps its hold until claimed or lapsed; Reserve is open again.
    CHECK(w.Claim(a, ta.response.ticket().id()).status.ok());
    CHECK(ReasonOf(w.Enqueue(b, p.id()).status) == "QUEUE_NOT_ACTIVE");
    REQUIRE(w.Reserve(b, p.id(), 1, "k").status.error_code() ==
            grpc::StatusCode::RESOURCE_EXHAUSTED);  // Sold out to a; not QUEUE_REQUIRED.
  }
  SECTION("sold out") {
    pb::Product p = w.Product(1, "p1");
    REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
    auto ta = w.Enqueue(a, p.id());
    w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
    auto tb = w.Enqueue(b, p.id());
    REQUIRE(tb.status.ok());
    auto claimed = w.Claim(a, ta.response.ticket().id());
    REQUIRE(claimed.status.ok());
    pb::CommitReservationRequest commit;
    commit.set_reservation_id(claimed.response.reservation().id());
    commit.set_order_id("ord_1");
    REQUIRE(CallOn(*order, &Internal::CommitReservation, std::string(), commit).status.ok());
    pb::QueueTicket t =
        w.AwaitStatus(b, tb.response.ticket().id(), pb::QUEUE_TICKET_STATUS_CANCELLED);
    CHECK(t.cancel_reason() == "SOLD_OUT");
    CHECK(ReasonOf(w.Enqueue(b, p.id()).status) == "SOLD_OUT");
  }
  SECTION("archived") {
    pb::Product p = w.Product(1, "p1");
    REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
    auto ta = w.Enqueue(a, p.id());
    w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
    auto tb = w.Enqueue(b, p.id());
    REQUIRE(tb.status.ok());
    pb::ArchiveProductRequest archive;
    archive.set_product_id(p.id());
    REQUIRE(CallOn(w.stub(), &Stub::ArchiveProduct, w.catalog().host(), archive).status.ok());
    pb::QueueTicket t =
        w.AwaitStatus(b, tb.response.ticket().id(), pb::QUEUE_TICKET_STATUS_CANCELLED);
    CHECK(t.cancel_reason() == "PRODUCT_NOT_ON_SALE");
  }
  SECTION("stream ended") {
    const std::string stream = f.AddStream("usr_host");
    pb::Product p = w.Product(1, "p1", [&](pb::CreateProductRequest& req) {
      req.mutable_product()->set_stream_id(stream);
    });
    REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
    auto ta = w.Enqueue(a, p.id());
    w.AwaitStatus(a, ta.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
    auto tb = w.Enqueue(b, p.id());
    REQUIRE(tb.status.ok());
    // As video-ingest's stream_ended records it in the stream directory.
    {
      pqxx::connection c(f.dsn());
      pqxx::work tx(c);
      tx.exec_params0("UPDATE streams SET status = 4, ended_at = now() WHERE id = $1", stream);
      tx.commit();
    }
    pb::QueueTicket t =
        w.AwaitStatus(b, tb.response.ticket().id(), pb::QUEUE_TICKET_STATUS_CANCELLED);
    CHECK(t.cancel_reason() == "STREAM_ENDED");
    auto events = RoomEventsOf(f, stream, "queue_updated");
    REQUIRE(!events.empty());
    CHECK(events.back().queue_updated().queue_length() == 0);
  }
}

TEST_CASE("queue: one live ticket per buyer and the purchase limit") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  pb::Product p = w.Product(10, "p1", [](pb::CreateProductRequest& req) {
    req.mutable_product()->mutable_purchase_limit()->set_max_quantity_per_user(2);
  });
  const std::string a = f.TokenFor("usr_a", "viewer");
  REQUIRE(w.Reserve(f.TokenFor("usr_big", "viewer"), p.id(), 2, "k").status.ok());
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());

  auto over = w.Enqueue(a, p.id(), 3);
  CHECK(over.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(over.status) == "PURCHASE_LIMIT_REACHED");
  CHECK(MetadataOf(over.status, "limit-remaining") == "2");

  auto first = w.Enqueue(a, p.id(), 2);
  REQUIRE(first.status.ok());
  // A second Enqueue (any quantity) answers the live ticket; only one exists.
  auto second = w.Enqueue(a, p.id(), 1);
  REQUIRE(second.status.ok());
  CHECK(second.response.ticket().id() == first.response.ticket().id());
  CHECK(f.Count("SELECT count(*) FROM queue_tickets WHERE user_id = 'usr_a'") == 1);
  pb::QueueTicket t =
      w.AwaitStatus(a, first.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  CHECK(t.offered_quantity() == 2);
  // Still one live ticket while offered.
  CHECK(w.Enqueue(a, p.id(), 1).response.ticket().id() == first.response.ticket().id());
  REQUIRE(w.Claim(a, first.response.ticket().id()).status.ok());
  // At the limit: a new ticket is refused.
  CHECK(ReasonOf(w.Enqueue(a, p.id(), 1).status) == "PURCHASE_LIMIT_REACHED");

  // A full queue refuses more.
  pb::Product small = w.Product(1, "p2");
  REQUIRE(w.Reserve(f.TokenFor("usr_big", "viewer"), small.id(), 1, "k2").status.ok());
  REQUIRE(w.Configure(w.catalog().host(), small.id(), true, 0, 1).status.ok());
  REQUIRE(w.Enqueue(f.TokenFor("usr_x", "viewer"), small.id()).status.ok());
  auto full = w.Enqueue(f.TokenFor("usr_y", "viewer"), small.id());
  CHECK(full.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(full.status) == "QUEUE_FULL");
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("queue: the room hears of offers by ticket id and of lengths coalesced") {
  AppFixture f;
  // Lengths at most once a second: 30 tickets make a handful of events however slow the machine.
  Replica& replica = QueueReplica(f, {}, absl::Seconds(1));
  QueueWorld w(f, replica);
  const std::string stream = f.AddStream("usr_host");
  pb::Product p = w.Product(1, "p1", [&](pb::CreateProductRequest& req) {
    req.mutable_product()->set_stream_id(stream);
  });
  REQUIRE(w.Reserve(f.TokenFor("usr_first", "viewer"), p.id(), 1, "k").status.ok());
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
  auto on = RoomEventsOf(f, stream, "queue_updated");
  REQUIRE(on.size() == 1);
  CHECK(on[0].queue_updated().enabled());
  CHECK(on[0].queue_updated().product_id() == p.id());

  constexpr int kBuyers = 30;
  std::vector<std::string> tickets;
  for (int i = 0; i < kBuyers; ++i) {
    auto t = w.Enqueue(f.TokenFor("usr_b" + std::to_string(i), "viewer"), p.id());
    REQUIRE(t.status.ok());
    tickets.push_back(t.response.ticket().id());
  }
  // The length reaches the room, coalesced: fewer events than tickets, the last says 30.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        auto events = RoomEventsOf(f, stream, "queue_updated");
        return !events.empty() && events.back().queue_updated().queue_length() == kBuyers;
      },
      absl::Seconds(30)));
  CHECK(RoomEventsOf(f, stream, "queue_updated").size() < kBuyers / 2);

  // The held unit comes back: the first ticket is offered, the room told its id, not a user.
  pb::ListMyReservationsRequest mine;
  auto cart = CallOn(w.stub(), &Stub::ListMyReservations, f.TokenFor("usr_first", "viewer"), mine);
  REQUIRE(cart.response.reservations_size() == 1);
  pb::ReleaseReservationRequest release;
  release.set_reservation_id(cart.response.reservations(0).id());
  REQUIRE(CallOn(w.stub(), &Stub::ReleaseReservation, f.TokenFor("usr_first", "viewer"), release)
              .status.ok());
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return !RoomEventsOf(f, stream, "queue_offer_made").empty(); }, absl::Seconds(30)));
  auto offers = RoomEventsOf(f, stream, "queue_offer_made");
  REQUIRE(offers.size() == 1);
  const auto& made = offers[0].queue_updated();
  REQUIRE(made.offered_ticket_ids_size() == 1);
  CHECK(made.offered_ticket_ids(0) == tickets[0]);
  CHECK(made.queue_length() == kBuyers - 1);
  CHECK(offers[0].DebugString().find("usr_b0") == std::string::npos);
  CHECK(w.StatusOf(tickets[0]) == "offered");
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
