// SALE_MADE for the seller and ORDER_UPDATE for the buyer, from the order service's events
// through the whole App: the inbox (live and listed) and e-mail over a real SMTP server, each
// once however often the event is delivered; the order_updates preference honoured; no e-mail
// without a contact source; a user service that is down only delays them.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "sales/order_events_support.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "support/smtp_server.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
using shopcast::realtime_push::AppOverrides;
using shopcast::realtime_push::Config;
using shopcast::realtime_push::UserContact;
namespace pb = shopcast::realtime_push::v1;
namespace opb = shopcast::order::v1;
namespace cpb = shopcast::common::v1;

namespace {

void SmtpConfig(Config& c, const std::string& url) {
  c.smtp_url = url;
  c.smtp_from = "noreply@shopcast.test";
}

int64_t Entries(RoomsFixture& f, const std::string& user_id, int kind) {
  return Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '",
                                      user_id, "' AND kind = ", kind));
}

bool AllDone(RoomsFixture& f) {
  return Count(f.pool(), "SELECT count(*) FROM notification_personal WHERE done_at IS NULL") == 0;
}

std::vector<pb::Notification> List(Replica& r, RoomsFixture& f, const std::string& user_id) {
  auto stub = r.PublicStub();
  grpc::ClientContext ctx;
  Authorize(ctx, f.TokenFor(user_id));
  pb::ListNotificationsResponse res;
  REQUIRE(stub->ListNotifications(&ctx, pb::ListNotificationsRequest(), &res).ok());
  return {res.notifications().begin(), res.notifications().end()};
}

}  // namespace

TEST_CASE(
    "orders: the seller's SALE_MADE and the buyer's ORDER_UPDATEs arrive in the inbox and by "
    "e-mail, once") {
  SmtpTestServer smtp;
  RoomsFixture f;
  const std::string seller = shopcast::ids::NewId("usr");
  const std::string buyer = shopcast::ids::NewId("usr");
  FixedContacts contacts({UserContact{seller, "Sam", "sam@example.test"},
                          UserContact{buyer, "Bea", "bea@example.test"}});
  // Two replicas: both run the workers, each job is done by one.
  auto& replica = f.AddReplica([&](Config& c) { SmtpConfig(c, smtp.url()); },
                               AppOverrides{.contacts = &contacts});
  auto& other = f.AddReplica([&](Config& c) { SmtpConfig(c, smtp.url()); },
                             AppOverrides{.contacts = &contacts});
  auto sink = replica.SinkStub(f.Peer());
  auto other_sink = other.SinkStub(f.Peer());
  auto stub = replica.PublicStub();
  InboxSubscriber buyer_inbox(*stub, f.TokenFor(buyer));
  InboxSubscriber seller_inbox(*stub, f.TokenFor(seller));
  const std::string stream = f.OpenRoom(seller);

  opb::SaleRecorded sale = MakeSale(stream, seller, buyer, 2, 1250);
  sale.set_buyer_display_name("Bea");
  const std::string order = sale.order_id();
  const cpb::Event pending = OrderEvent(
      "order_status_changed", order,
      MakeChange(order, buyer, opb::ORDER_STATUS_UNSPECIFIED, opb::ORDER_STATUS_PENDING_PAYMENT));
  const cpb::Event confirmed = OrderEvent(
      "order_status_changed", order,
      MakeChange(order, buyer, opb::ORDER_STATUS_PENDING_PAYMENT, opb::ORDER_STATUS_CONFIRMED));
  const cpb::Event sold = OrderEvent("sale_recorded", order, sale);
  opb::OrderStatusChanged ship =
      MakeChange(order, buyer, opb::ORDER_STATUS_CONFIRMED, opb::ORDER_STATUS_SHIPPED);
  ship.mutable_order()->set_carrier("DHL");
  ship.mutable_order()->set_tracking_number("JD0123");
  const cpb::Event shipped = OrderEvent("order_status_changed", order, ship);
  DeliverAll(*sink, {pending, confirmed, sold, shipped});
  DeliverAll(*other_sink, {confirmed, sold, shipped});  // redelivered, to another replica

  REQUIRE(buyer_inbox.WaitForNotifications(2));
  REQUIRE(seller_inbox.WaitForNotifications(1));
  REQUIRE(smtp.WaitForMessages(3, absl::Seconds(30)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return AllDone(f); }, absl::Seconds(30)));

  // The buyer: confirmation then shipping, nothing for PENDING_PAYMENT.
  const auto listed = List(replica, f, buyer);
  REQUIRE(listed.size() == 2);
  const pb::Notification& ship_note = listed[0];  // newest first
  const pb::Notification& confirm_note = listed[1];
  CHECK(confirm_note.kind() == pb::NOTIFICATION_KIND_ORDER_UPDATE);
  CHECK(confirm_note.title() == "Order confirmed: Red scarf");
  CHECK(confirm_note.body().find("29.90 EUR") != std::string::npos);
  CHECK(confirm_note.link() == "/orders/" + order);
  CHECK(confirm_note.order_id() == order);
  CHECK(confirm_note.product_id() == "prd_scarf");
  CHECK(ship_note.title() == "Shipped: Red scarf");
  CHECK(ship_note.body().find("JD0123") != std::string::npos);
  CHECK(buyer_inbox.Notifications().size() == 2);

  // The seller: one SALE_MADE.
  const auto seller_listed = List(replica, f, seller);
  REQUIRE(seller_listed.size() == 1);
  const pb::Notification& sale_note = seller_listed[0];
  CHECK(sale_note.kind() == pb::NOTIFICATION_KIND_SALE_MADE);
  CHECK(sale_note.title() == "You sold 2 x Red scarf");
  CHECK(sale_note.body().find("Bea bought 2 x Red scarf for 25.00 EUR") != std::string::npos);
  CHECK(sale_note.order_id() == order);
  CHECK(sale_note.stream_id() == stream);
  CHECK(sale_note.product_id() == sale.product_id());
  CHECK(sale_note.link() == "/orders/" + order);

  // E-mails: one per entry, to the right people.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return Count(f.pool(), "SELECT count(*) FROM notification_emails WHERE state = 'sent'") ==
               3;
      },
      absl::Seconds(30)));
  const auto mails = smtp.Messages();
  REQUIRE(mails.size() == 3);
  int to_buyer = 0;
  int to_seller = 0;
  for (const auto& m : mails) {
    REQUIRE(m.rcpt_tos.size() == 1);
    CHECK(m.defects.empty());
    if (m.rcpt_tos[0] == "bea@example.test") {
      ++to_buyer;
      CHECK(m.body.find("Hi Bea,") != std::string::npos);
      CHECK(m.body.find("/orders/" + order) != std::string::npos);
    } else if (m.rcpt_tos[0] == "sam@example.test") {
      ++to_seller;
      CHECK(m.subject == "You sold 2 x Red scarf");
    }
  }
  CHECK(to_buyer == 2);
  CHECK(to_seller == 1);
}

TEST_CASE("orders: a user who turned order_updates off gets neither entry nor e-mail") {
  SmtpTestServer smtp;
  RoomsFixture f;
  const std::string seller = shopcast::ids::NewId("usr");
  const std::string buyer = shopcast::ids::NewId("usr");
  UserContact quiet_seller{seller, "Sam", "sam@example.test"};
  quiet_seller.order_updates = false;
  UserContact quiet_buyer{buyer, "Bea", "bea@example.test"};
  quiet_buyer.order_updates = false;
  FixedContacts contacts({quiet_seller, quiet_buyer});
  auto& replica = f.AddReplica([&](Config& c) { SmtpConfig(c, smtp.url()); },
                               AppOverrides{.contacts = &contacts});
  auto sink = replica.SinkStub(f.Peer());
  const opb::SaleRecorded sale = MakeSale("", seller, buyer, 1, 500);
  DeliverAll(*sink,
             {OrderEvent("sale_recorded", sale.order_id(), sale),
              OrderEvent("order_status_changed", sale.order_id(),
                         MakeChange(sale.order_id(), buyer, opb::ORDER_STATUS_PENDING_PAYMENT,
                                    opb::ORDER_STATUS_CONFIRMED))});
  REQUIRE(shopcast::testing::WaitUntil([&] { return AllDone(f); }, absl::Seconds(30)));
  CHECK(Count(f.pool(),
              "SELECT count(*) FROM notification_personal WHERE outcome = "
              "'declined'") == 2);
  CHECK(Entries(f, seller, pb::NOTIFICATION_KIND_SALE_MADE) == 0);
  CHECK(Entries(f, buyer, pb::NOTIFICATION_KIND_ORDER_UPDATE) == 0);
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_emails") == 0);
  CHECK(smtp.Messages().empty());
}

TEST_CASE("orders: a user service that is down delays the notifications, it does not lose them") {
  RoomsFixture f;
  const std::string seller = shopcast::ids::NewId("usr");
  FixedContacts contacts({UserContact{seller, "Sam", ""}});
  contacts.SetError(
      shopcast::Error(absl::StatusCode::kUnavailable, "PEER_UNAVAILABLE", "user is unavailable"));
  auto& replica = f.AddReplica(nullptr, AppOverrides{.contacts = &contacts});
  auto sink = replica.SinkStub(f.Peer());
  const std::string stream = f.OpenRoom(seller);
  const opb::SaleRecorded sale = MakeSale(stream, seller, "usr_buyer", 1, 500);
  DeliverAll(*sink, {OrderEvent("sale_recorded", sale.order_id(), sale)});
  // The room has its ticker at once; the notification waits for the user service.
  CHECK(replica.log().GetRoom(stream)->head_seq == 1);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return Count(f.pool(),
                     "SELECT count(*) FROM notification_personal WHERE failures >= 1 "
                     "AND last_error = 'PEER_UNAVAILABLE'") == 1;
      },
      absl::Seconds(30)));
  CHECK(Entries(f, seller, pb::NOTIFICATION_KIND_SALE_MADE) == 0);
  contacts.SetError(absl::OkStatus());
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return Entries(f, seller, pb::NOTIFICATION_KIND_SALE_MADE) == 1; }, absl::Seconds(30)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return AllDone(f); }, absl::Seconds(30)));
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_emails") == 0);  // no address
}

TEST_CASE("orders: without a contact source the entries go to the inbox only") {
  SmtpTestServer smtp;
  RoomsFixture f;
  auto& replica = f.AddReplica([&](Config& c) { SmtpConfig(c, smtp.url()); });
  auto sink = replica.SinkStub(f.Peer());
  const std::string buyer = shopcast::ids::NewId("usr");
  const std::string order = shopcast::ids::NewId("ord");
  DeliverAll(*sink, {OrderEvent("order_status_changed", order,
                                MakeChange(order, buyer, opb::ORDER_STATUS_PENDING_PAYMENT,
                                           opb::ORDER_STATUS_FAILED))});
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return Entries(f, buyer, pb::NOTIFICATION_KIND_ORDER_UPDATE) == 1; },
      absl::Seconds(30)));
  const auto listed = List(replica, f, buyer);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].title() == "Order not completed: Red scarf");
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_emails") == 0);
}

TEST_CASE("orders: a user service without GetUserContacts still gets the entries to the inbox") {
  SmtpTestServer smtp;
  RoomsFixture f;
  FixedContacts contacts({});
  contacts.SetError(absl::UnimplementedError("method not implemented"));
  auto& replica = f.AddReplica([&](Config& c) { SmtpConfig(c, smtp.url()); },
                               AppOverrides{.contacts = &contacts});
  auto sink = replica.SinkStub(f.Peer());
  const std::string buyer = shopcast::ids::NewId("usr");
  const std::string order = shopcast::ids::NewId("ord");
  DeliverAll(*sink, {OrderEvent("order_status_changed", order,
                                MakeChange(order, buyer, opb::ORDER_STATUS_CONFIRMED,
                                           opb::ORDER_STATUS_REFUNDED))});
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return Entries(f, buyer, pb::NOTIFICATION_KIND_ORDER_UPDATE) == 1; },
      absl::Seconds(30)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return AllDone(f); }, absl::Seconds(30)));
  CHECK(contacts.calls() >= 1);
  CHECK(List(replica, f, buyer)[0].title() == "Order refunded: Red scarf");
  CHECK(Count(f.pool(), "SELECT count(*) FROM notification_emails") == 0);
}
