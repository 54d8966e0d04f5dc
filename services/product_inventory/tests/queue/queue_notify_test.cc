// An offer's notification reaches its holder's inbox in a real realtime-push (its binary, as a
// child process on its own database): the outbox row the offer wrote is relayed through
// realtime-push's internal Notify, the holder lists it with their own token, and a redelivery
// of the same outbox event (the relay's at-least-once) creates no second entry.

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "queue/queue_client.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "support/process_fixture.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace rp = ::shopcast::realtime_push;

TEST_CASE("queue notify: the offer's holder finds it in their realtime-push inbox, once") {
  AppFixture f;
  // realtime-push with a certificate of this test's CA and this test's token key, so it takes
  // the inventory's calls and the buyer's token.
  rp::testing::Deployment push_deployment(f.pki_dir());
  rp::testing::Process push(
      push_deployment, "realtime-push",
      {"SHOPCAST_REALTIME_PUSH_VERIFY_KEY_FILES=" + f.BaseConfig().verify_key_files.at(0)});
  Replica& inventory = f.AddReplica([&](Config& c) {
    c.event_sinks["realtime_push"] = push.internal_target();
    c.queue_advance_interval = absl::Milliseconds(20);
  });
  QueueWorld w(f, inventory);
  // In no stream: the notification needs no room.
  pb::Product p = w.Product(1, "p1");
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true).status.ok());
  const std::string buyer = ids::NewId("usr");
  const std::string token = f.TokenFor(buyer, "viewer");
  auto t = w.Enqueue(token, p.id());
  REQUIRE(t.status.ok());
  const std::string ticket = t.response.ticket().id();
  w.AwaitStatus(token, ticket, pb::QUEUE_TICKET_STATUS_OFFERED);

  auto push_stub = push.PublicStub();
  auto inbox = [&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Authorize(ctx, token);
    rp::v1::ListNotificationsRequest req;
    rp::v1::ListNotificationsResponse resp;
    grpc::Status s = push_stub->ListNotifications(&ctx, req, &resp);
    if (!s.ok()) throw std::runtime_error("ListNotifications: " + s.error_message());
    return resp;
  };
  REQUIRE(shopcast::testing::WaitUntil([&] { return inbox().notifications_size() > 0; },
                                       absl::Seconds(30)));
  rp::v1::ListNotificationsResponse first = inbox();
  REQUIRE(first.notifications_size() == 1);
  const rp::v1::Notification& n = first.notifications(0);
  CHECK(n.user_id() == buyer);
  CHECK(n.kind() == rp::v1::NOTIFICATION_KIND_QUEUE_ADMITTED);
  CHECK(n.product_id() == p.id());
  CHECK(n.link() == "/products/" + p.id() + "?queue_ticket=" + ticket);
  CHECK(n.body().find(ticket) != std::string::npos);
  CHECK(first.unread_count() == 1);

  // The relay delivers again (as after a crash before marking): realtime-push dedupes on the
  // outbox event id.
  const std::string undelivered =
      "SELECT count(*) FROM outbox WHERE type = 'product_inventory.queue_admitted' AND "
      "delivered_at IS NULL";
  REQUIRE(
      shopcast::testing::WaitUntil([&] { return f.Count(undelivered) == 0; }, absl::Seconds(30)));
  {
    pqxx::connection c(f.dsn());
    pqxx::work tx(c);
    tx.exec0(
        "UPDATE outbox SET delivered_at = NULL, next_attempt_at = now() WHERE type = "
        "'product_inventory.queue_admitted'");
    tx.exec0("NOTIFY shopcast_outbox");
    tx.commit();
  }
  REQUIRE(
      shopcast::testing::WaitUntil([&] { return f.Count(undelivered) == 0; }, absl::Seconds(30)));
  rp::v1::ListNotificationsResponse again = inbox();
  REQUIRE(again.notifications_size() == 1);
  CHECK(again.notifications(0).id() == n.id());
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
