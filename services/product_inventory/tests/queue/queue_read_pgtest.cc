// What a viewer sees of a queue outside the queue's own RPCs, through the whole App: the
// catalogue's reads (GetProduct, ListStreamProducts, ListMyProducts) carry Product.queue, the
// room's product card says queue_enabled (ConfigureQueue announces it in its transaction), and
// the holder of an offered ticket gets a QUEUE_ADMITTED notification written into the outbox
// in the offer's own transaction.

#include <pqxx/pqxx>

#include "catch2/catch.hpp"
#include "queue/queue_client.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

std::string TicketXmin(AppFixture& f, const std::string& ticket) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  return tx.exec_params1("SELECT xmin::text FROM queue_tickets WHERE id = $1", ticket)[0]
      .as<std::string>();
}

TEST_CASE("queue read: GetProduct, the lists and the room's card show the queue") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  Catalog& c = w.catalog();
  const std::string stream = f.AddStream("usr_host");
  auto in_stream = [&](pb::CreateProductRequest& req) {
    req.mutable_product()->set_stream_id(stream);
  };
  pb::Product plain = w.Product(3, "plain", in_stream);
  pb::Product queued = w.Product(3, "queued", in_stream);

  auto get = [&](const std::string& id) {
    pb::GetProductRequest req;
    req.set_product_id(id);
    auto r = c.Call(&Stub::GetProduct, std::string(), req);
    REQUIRE(r.status.ok());
    return r.response.product();
  };
  CHECK_FALSE(get(queued.id()).has_queue());

  REQUIRE(w.Configure(c.host(), queued.id(), true, 45, 50).status.ok());
  pb::Product read = get(queued.id());
  REQUIRE(read.has_queue());
  CHECK(read.queue().enabled());
  CHECK(read.queue().claim_window().seconds() == 45);
  CHECK(read.queue().max_length() == 50);
  CHECK(read.version() == queued.version());  // The queue is not the product's own field.
  CHECK_FALSE(get(plain.id()).has_queue());

  // Both lists, one page holding a queued and a plain product.
  pb::ListStreamProductsRequest by_stream;
  by_stream.set_stream_id(stream);
  auto listed = c.Call(&Stub::ListStreamProducts, c.viewer(), by_stream);
  REQUIRE(listed.status.ok());
  pb::ListMyProductsRequest mine;
  auto own = c.Call(&Stub::ListMyProducts, c.host(), mine);
  REQUIRE(own.status.ok());
  for (const auto* products : {&listed.response.products(), &own.response.products()}) {
    REQUIRE(products->size() == 2);
    for (const pb::Product& p : *products) {
      if (p.id() == queued.id()) {
        CHECK(p.queue().enabled());
        CHECK(p.queue().claim_window().seconds() == 45);
      } else {
        CHECK_FALSE(p.has_queue());
      }
    }
  }

  // The room's card: ConfigureQueue announced it, with the product's current version.
  auto cards = [&] {
    std::vector<rp::ProductCard> out;
    for (const auto& e : RoomEventsOf(f, stream, "product_updated")) {
      if (e.product_updated().product().product_id() == queued.id()) {
        out.push_back(e.product_updated().product());
      }
    }
    return out;
  };
  REQUIRE(cards().size() == 1);
  CHECK(cards()[0].queue_enabled());
  CHECK(cards()[0].version() == queued.version());
  CHECK(cards()[0].available() == 3);

  // An edit of the product keeps saying so (its answer and its card).
  pb::UpdateProductRequest update;
  update.mutable_update_mask()->add_paths("title");
  *update.mutable_product() = read;
  update.mutable_product()->set_title("Queued tee");
  auto updated = c.Call(&Stub::UpdateProduct, c.host(), update);
  REQUIRE(updated.status.ok());
  CHECK(updated.response.product().queue().enabled());
  REQUIRE(cards().size() == 2);
  CHECK(cards()[1].queue_enabled());
  CHECK(cards()[1].title() == "Queued tee");

  // Off: the settings stay readable, disabled; the room's card says so.
  REQUIRE(w.Configure(c.host(), queued.id(), false, 45, 50).status.ok());
  read = get(queued.id());
  REQUIRE(read.has_queue());
  CHECK_FALSE(read.queue().enabled());
  CHECK(read.queue().claim_window().seconds() == 45);
  REQUIRE(cards().size() == 3);
  CHECK_FALSE(cards()[2].queue_enabled());

  // A refused ConfigureQueue announces nothing.
  CHECK(ReasonOf(w.Configure(c.other_host(), queued.id(), true).status) == "NOT_PRODUCT_OWNER");
  CHECK(cards().size() == 3);
}

TEST_CASE("queue read: a product in no stream shows its queue and announces no card") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  pb::Product p = w.Product(1, "p1");
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
  pb::GetProductRequest req;
  req.set_product_id(p.id());
  auto r = w.catalog().Call(&Stub::GetProduct, std::string(), req);
  REQUIRE(r.status.ok());
  CHECK(r.response.product().queue().enabled());
  CHECK(r.response.product().queue().claim_window().seconds() == 60);
  CHECK(r.response.product().queue().max_length() == 10000);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'product_inventory.product_updated'") ==
        0);
}

TEST_CASE("queue notify: an offer's holder gets one notification, in the offer's transaction") {
  AppFixture f;
  auto offset = std::make_shared<std::atomic<int64_t>>(0);
  Replica& replica = QueueReplica(f, MovableClock(offset));
  QueueWorld w(f, replica);
  const std::string stream = f.AddStream("usr_host");
  pb::Product p = w.Product(1, "p1", [&](pb::CreateProductRequest& req) {
    req.mutable_product()->set_stream_id(stream);
  });
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true, 30).status.ok());
  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");
  auto ta = w.Enqueue(a, p.id());
  REQUIRE(ta.status.ok());
  auto tb = w.Enqueue(b, p.id());
  REQUIRE(tb.status.ok());
  const std::string ticket_a = ta.response.ticket().id();
  pb::QueueTicket offered = w.AwaitStatus(a, ticket_a, pb::QUEUE_TICKET_STATUS_OFFERED);

  // Exactly one, for a alone, committed by the transaction that marked the ticket offered.
  std::vector<AppFixture::OutboxNotification> to_a = f.NotificationsOf("usr_a", "queue_admitted");
  REQUIRE(to_a.size() == 1);
  CHECK(to_a[0].xmin == TicketXmin(f, ticket_a));
  CHECK(to_a[0].destination == "realtime_push");
  const rp::NotifyRequest& request = to_a[0].request;
  REQUIRE(request.user_ids_size() == 1);
  CHECK(request.user_ids(0) == "usr_a");
  // Left to the sink: the outbox event id.
  CHECK(request.dedupe_key().empty());
  const rp::Notification& n = request.notification();
  CHECK(n.kind() == rp::NOTIFICATION_KIND_QUEUE_ADMITTED);
  CHECK(n.product_id() == p.id());
  CHECK(n.stream_id() == stream);
  CHECK(n.link() == "/live/" + stream + "?queue_ticket=" + ticket_a);
  CHECK(n.title() == "Your turn: " + p.title());
  const std::string deadline = absl::FormatTime(
      "%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(offered.offer_expires_at().seconds()),
      absl::UTCTimeZone());
  CHECK(n.body().find(deadline) != std::string::npos);
  CHECK(n.body().find(ticket_a) != std::string::npos);
  CHECK(f.NotificationsOf("usr_b", "queue_admitted").empty());

  // The offer lapses unclaimed and goes to b: b is told once, a not again.
  offset->store(31);
  w.AwaitStatus(b, tb.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  CHECK(f.NotificationsOf("usr_a", "queue_admitted").size() == 1);
  std::vector<AppFixture::OutboxNotification> to_b = f.NotificationsOf("usr_b", "queue_admitted");
  REQUIRE(to_b.size() == 1);
  CHECK(to_b[0].request.notification().link() ==
        "/live/" + stream + "?queue_ticket=" + tb.response.ticket().id());
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'product_inventory.queue_admitted'") ==
        2);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
