// The order service's events as people see them: the masked buyer, money, the ticker, the
// seller's SALE_MADE and which order status changes tell the buyer what; and what a looked-up
// contact means for a personal notification.
#include "sales/sale_notices.h"

#include <catch2/catch.hpp>

#include "notify/personal.h"

namespace sales = shopcast::realtime_push::sales;
namespace notify = shopcast::realtime_push::notify;
namespace pb = shopcast::realtime_push::v1;
namespace opb = shopcast::order::v1;
namespace cpb = shopcast::common::v1;
using shopcast::realtime_push::UserContact;

namespace {

cpb::Money Eur(int64_t minor) {
  cpb::Money m;
  m.set_amount_minor(minor);
  m.set_currency("EUR");
  return m;
}

opb::SaleRecorded Sale() {
  opb::SaleRecorded s;
  s.set_order_id("ord_1");
  s.set_stream_id("str_1");
  s.set_seller_id("usr_seller");
  s.set_buyer_id("usr_01HBUYERXK");
  s.set_product_id("prd_1");
  s.set_product_title("Red scarf");
  s.set_quantity(2);
  *s.mutable_unit_price() = Eur(1250);
  *s.mutable_amount() = Eur(2500);
  s.set_stream_units_sold(5);
  s.set_stream_total_units_sold(9);
  s.mutable_moment_at()->set_seconds(1700000000);
  return s;
}

opb::OrderStatusChanged Change(opb::OrderStatus from, opb::OrderStatus to) {
  opb::OrderStatusChanged c;
  c.set_previous_status(from);
  opb::Order* o = c.mutable_order();
  o->set_id("ord_1");
  o->set_buyer_id("usr_buyer");
  o->set_seller_id("usr_seller");
  o->set_stream_id("str_1");
  o->set_status(to);
  *o->mutable_total() = Eur(2990);
  opb::OrderLine* line = o->add_lines();
  line->set_product_id("prd_1");
  line->set_title("Red scarf");
  return c;
}

}  // namespace

TEST_CASE("sales: a buyer without a display name is masked, never shown by id") {
  CHECK(sales::MaskedBuyer("usr_01HBUYERXK") == "0***k");
  CHECK(sales::MaskedBuyer("") == "someone");
  CHECK(sales::MaskedBuyer("usr_") == "someone");
}

TEST_CASE("sales: the amount falls back to unit price x quantity") {
  opb::SaleRecorded s = Sale();
  s.clear_amount();
  CHECK(sales::SaleAmount(s).amount_minor() == 2500);
  CHECK(sales::SaleAmount(s).currency() == "EUR");
}

TEST_CASE("sales: the ticker carries the display name or the masked buyer and the counts") {
  opb::SaleRecorded s = Sale();
  pb::SaleTicker t = sales::TickerOf(s);
  CHECK(t.buyer_display_name() == "0***k");
  CHECK(t.product_units_sold() == 5);
  CHECK(t.stream_units_sold() == 9);
  CHECK(t.quantity() == 2);
  CHECK(t.title() == "Red scarf");
  CHECK(t.unit_price().amount_minor() == 1250);
  s.set_buyer_display_name("Jan");
  CHECK(sales::TickerOf(s).buyer_display_name() == "Jan");
}

TEST_CASE("sales: SALE_MADE tells the seller what sold, to whom, for how much") {
  notify::PersonalNotice n = sales::SaleMadeNotice(Sale(), "evt_9");
  CHECK(n.user_id == "usr_seller");
  CHECK(n.dedupe_key == "sale:evt_9");
  CHECK(n.preference == "order_updates");
  CHECK(n.content.kind == pb::NOTIFICATION_KIND_SALE_MADE);
  CHECK(n.content.title == "You sold 2 x Red scarf");
  CHECK(n.content.body.find("0***k bought 2 x Red scarf for 25.00 EUR") != std::string::npos);
  CHECK(n.content.link == "/orders/ord_1");
  CHECK(n.content.order_id == "ord_1");
  CHECK(n.content.stream_id == "str_1");
  CHECK(n.content.product_id == "prd_1");
}

TEST_CASE("sales: ORDER_UPDATE for confirmed, shipped, cancelled, refunded and failed only") {
  using S = opb::OrderStatus;
  CHECK_FALSE(sales::OrderUpdateNotice(
      Change(opb::ORDER_STATUS_UNSPECIFIED, opb::ORDER_STATUS_PENDING_PAYMENT), "e"));
  CHECK_FALSE(sales::OrderUpdateNotice(
      Change(opb::ORDER_STATUS_CONFIRMED, opb::ORDER_STATUS_CONFIRMED), "e"));
  struct Row {
    S from;
    S to;
    const char* title;
    const char* body_part;
  };
  const Row rows[] = {
      {opb::ORDER_STATUS_PENDING_PAYMENT, opb::ORDER_STATUS_CONFIRMED, "Order confirmed: Red scarf",
       "You paid 29.90 EUR"},
      {opb::ORDER_STATUS_CONFIRMED, opb::ORDER_STATUS_SHIPPED, "Shipped: Red scarf",
       "Tracking number: TN123"},
      {opb::ORDER_STATUS_CONFIRMED, opb::ORDER_STATUS_CANCELLED, "Order cancelled: Red scarf",
       "29.90 EUR is being refunded"},
      {opb::ORDER_STATUS_PENDING_PAYMENT, opb::ORDER_STATUS_CANCELLED, "Order cancelled: Red scarf",
       "Nothing was charged"},
      {opb::ORDER_STATUS_SHIPPED, opb::ORDER_STATUS_REFUNDED, "Order refunded: Red scarf",
       "29.90 EUR is being refunded"},
      {opb::ORDER_STATUS_PENDING_PAYMENT, opb::ORDER_STATUS_FAILED,
       "Order not completed: Red scarf", "Your payment was declined. Nothing was charged."},
  };
  for (const Row& r : rows) {
    opb::OrderStatusChanged c = Change(r.from, r.to);
    c.mutable_order()->set_carrier("DHL");
    c.mutable_order()->set_tracking_number("TN123");
    c.mutable_order()->set_failure_reason(opb::ORDER_FAILURE_REASON_PAYMENT_DECLINED);
    auto n = sales::OrderUpdateNotice(c, "evt_7");
    INFO(r.title);
    REQUIRE(n.has_value());
    CHECK(n->user_id == "usr_buyer");
    CHECK(n->dedupe_key == "order:evt_7");
    CHECK(n->content.kind == pb::NOTIFICATION_KIND_ORDER_UPDATE);
    CHECK(n->content.title == r.title);
    CHECK(n->content.body.find(r.body_part) != std::string::npos);
    CHECK(n->content.link == "/orders/ord_1");
    CHECK(n->content.order_id == "ord_1");
    CHECK(n->content.product_id == "prd_1");
  }
}

TEST_CASE("sales: a partial refund tells the buyer the amount, with the status unchanged") {
  opb::OrderStatusChanged c = Change(opb::ORDER_STATUS_SHIPPED, opb::ORDER_STATUS_SHIPPED);
  *c.mutable_partial_refund() = Eur(500);
  auto n = sales::OrderUpdateNotice(c, "evt_9");
  REQUIRE(n.has_value());
  CHECK(n->user_id == "usr_buyer");
  CHECK(n->dedupe_key == "order:evt_9");
  CHECK(n->content.kind == pb::NOTIFICATION_KIND_ORDER_UPDATE);
  CHECK(n->content.title == "Partial refund: Red scarf");
  CHECK(n->content.body == "5.00 EUR of 29.90 EUR is being refunded to you.");
  // A zero amount announces nothing.
  *c.mutable_partial_refund() = Eur(0);
  CHECK_FALSE(sales::OrderUpdateNotice(c, "evt_10"));
}

TEST_CASE("sales: a product title that is not clean text is not shown") {
  opb::OrderStatusChanged c =
      Change(opb::ORDER_STATUS_PENDING_PAYMENT, opb::ORDER_STATUS_CONFIRMED);
  c.mutable_order()->mutable_lines(0)->set_title("bad\x01title");
  CHECK(sales::OrderUpdateNotice(c, "e")->content.title == "Order confirmed: your item");
}

TEST_CASE("personal: the contact decides inbox, e-mail or nothing") {
  notify::PersonalNotice n = sales::SaleMadeNotice(Sale(), "evt_1");
  // No contact source: the inbox only.
  notify::PersonalOutcome none = notify::Resolve(n, std::nullopt);
  REQUIRE(none.entry.has_value());
  CHECK(none.entry->email_to.empty());
  CHECK(none.outcome == "delivered");
  // An unknown or deleted user: nothing.
  notify::PersonalOutcome gone = notify::Resolve(n, std::optional<UserContact>());
  CHECK_FALSE(gone.entry.has_value());
  CHECK(gone.outcome == "no_user");
  UserContact seller{"usr_seller", "Sam", "sam@example.test"};
  notify::PersonalOutcome mailed = notify::Resolve(n, std::optional<UserContact>(seller));
  REQUIRE(mailed.entry.has_value());
  CHECK(mailed.entry->email_to == "sam@example.test");
  CHECK(mailed.entry->display_name == "Sam");
  seller.order_updates = false;
  notify::PersonalOutcome declined = notify::Resolve(n, std::optional<UserContact>(seller));
  CHECK_FALSE(declined.entry.has_value());
  CHECK(declined.outcome == "declined");
}
