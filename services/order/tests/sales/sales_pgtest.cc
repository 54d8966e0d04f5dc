// GetStreamSales and GetSellerStats through the whole App (real PostgreSQL, real gRPC surface):
// figures after real checkouts, cancellations and refunds; minutes and currencies; access
// passes; who may read; bad input; pages. Orders in states checkout cannot reach yet
// (cancelled, refunded, passes, a given confirmation time) are written to the database as the
// order lifecycle leaves them.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "common/pg_time.h"
#include "sales/rules.h"
#include "sales/sales_support.h"
#include "shopcast/ids/ids.h"
#include "support/app_fixture.h"

namespace shopcast::order::testing {
namespace {

// 2026-01-01T10:00:00Z, a minute's start.
const absl::Time kT0 = absl::FromUnixSeconds(1767261600);

int64_t Amount(const google::protobuf::RepeatedPtrField<common::v1::Money>& list,
               const std::string& currency) {
  for (const auto& m : list) {
    if (m.currency() == currency) return m.amount_minor();
  }
  return -1;
}

std::string New(const char* prefix) { return ids::NewId(prefix); }

void Exec(const AppFixture& f, const std::string& sql) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  tx.exec0(sql);
  tx.commit();
}

pb::Order Checkout(AppFixture& f, pb::OrderService::Stub& stub, const std::string& buyer,
                   const std::string& seller, const std::string& stream, int quantity, int64_t unit,
                   const std::string& method = "pm_test_approve") {
  const std::string res = f.inventory.AddHold(buyer, seller, stream, quantity, unit);
  grpc::ClientContext ctx;
  Prepare(ctx, f.TokenFor(buyer));
  pb::PlaceOrderResponse response;
  grpc::Status s = stub.PlaceOrder(&ctx, OrderRequest(res, New("key"), method), &response);
  if (!s.ok()) throw std::runtime_error("PlaceOrder: " + s.error_message());
  return response.order();
}

TEST_CASE("a stream's figures follow its checkouts, cancellations and refunds", "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string stream = New("str"), host = New("usr"), b1 = New("usr"), b2 = New("usr");
  const std::string host_token = f.TokenFor(host, "host");

  // A stream without sales: zero totals, not an error.
  StreamSalesResult empty = StreamSales(*stub, host_token, stream);
  REQUIRE(empty.status.ok());
  CHECK(empty.response.summary().stream_id() == stream);
  CHECK(empty.response.summary().totals().order_count() == 0);
  CHECK(empty.response.summary().totals().gross_revenue_size() == 0);
  CHECK(empty.response.sales_size() == 0);
  CHECK_FALSE(empty.response.summary().has_first_sale_at());

  const pb::Order o1 = Checkout(f, *stub, b1, host, stream, 2, 1250);  // 2500 + 600 shipping
  const pb::Order o2 = Checkout(f, *stub, b2, host, stream, 1, 900);   // 900 + 500
  const pb::Order o3 = Checkout(f, *stub, b1, host, stream, 3, 400);   // 1200 + 700
  const pb::Order declined = Checkout(f, *stub, b2, host, stream, 1, 5000, "pm_test_decline");
  REQUIRE(o1.status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(o3.status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(declined.status() == pb::ORDER_STATUS_FAILED);
  // Another stream of the same host does not mix in.
  Checkout(f, *stub, b2, host, New("str"), 1, 777);

  // o2 cancelled (refunded in full), o3 partly refunded: what the order lifecycle records.
  Exec(f,
       "UPDATE orders SET status = 4, refunded_minor = total_minor, cancelled_at = now() "
       "WHERE id = '" +
           o2.id() + "'");
  Exec(f,
       "UPDATE orders SET refunded_minor = 500, refunded_at = now() WHERE id = '" + o3.id() + "'");

  StreamSalesResult r = StreamSales(*stub, host_token, stream);
  REQUIRE(r.status.ok());
  const pb::SalesTotals& t = r.response.summary().totals();
  CHECK(t.order_count() == 2);  // o1, o3
  CHECK(t.units_sold() == 5);
  CHECK(Amount(t.gross_revenue(), "USD") == 3700);
  CHECK(Amount(t.shipping_revenue(), "USD") == 1300);
  CHECK(t.cancelled_count() == 1);
  CHECK(t.refunded_count() == 0);
  CHECK(Amount(t.refunded(), "USD") == 1400 + 500);
  CHECK(Amount(t.net_revenue(), "USD") == 3100 + (1900 - 500));
  CHECK(Amount(t.average_order_value(), "USD") == 1850);
  CHECK(t.unique_buyers() == 1);
  CHECK(t.gross_revenue_size() == 1);

  // The same figures as the orders table says, summed independently.
  const std::string in_stream = "stream_id = '" + stream + "'";
  CHECK(Amount(t.gross_revenue(), "USD") ==
        f.Count("SELECT sum(subtotal_minor) FROM orders WHERE status IN (2, 3) AND " + in_stream));
  CHECK(Amount(t.net_revenue(), "USD") ==
        f.Count("SELECT sum(total_minor - refunded_minor) FROM orders WHERE status IN (2, 3) "
                "AND " +
                in_stream));

  // Products: the best seller first; the cancelled one's product is gone; revenue net of the
  // refund, which falls on the goods.
  const auto& products = r.response.summary().products();
  REQUIRE(products.size() == 2);
  CHECK(products[0].product_id() == o3.lines(0).product_id());
  CHECK(products[0].units_sold() == 3);
  CHECK(products[0].revenue().amount_minor() == 700);
  CHECK(products[0].order_count() == 1);
  CHECK(products[0].title() == "Enamel mug");
  CHECK_FALSE(products[0].access_pass());
  CHECK(products[1].product_id() == o1.lines(0).product_id());
  CHECK(products[1].revenue().amount_minor() == 2500);

  // Minutes: every paid sale in the minute it was confirmed in.
  std::map<int64_t, int64_t> expected_units;
  for (const pb::Order* o : {&o1, &o3}) {
    expected_units[sales::MinuteOf(FromProto(o->confirmed_at()))] += o->lines(0).quantity();
  }
  int64_t minute_units = 0, minute_orders = 0, minute_revenue = 0;
  for (const pb::MinuteSales& m : r.response.summary().per_minute()) {
    CHECK(m.minute_start().seconds() % 60 == 0);
    CHECK(expected_units[m.minute_start().seconds() / 60] == m.units_sold());
    minute_units += m.units_sold();
    minute_orders += m.order_count();
    minute_revenue += Amount(m.revenue(), "USD");
  }
  CHECK(minute_units == 5);
  CHECK(minute_orders == 2);
  CHECK(minute_revenue == 2500 + 700);

  // The sales: the three that were confirmed, newest first, the cancelled one marked.
  const auto& sales = r.response.sales();
  REQUIRE(sales.size() == 3);
  CHECK(sales[0].order_id() == o3.id());
  CHECK(sales[0].status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(sales[0].refunded().amount_minor() == 500);
  CHECK(sales[0].amount().amount_minor() == 1200);
  CHECK(sales[0].buyer_id() == b1);
  CHECK(sales[0].sold_at().seconds() == o3.confirmed_at().seconds());
  CHECK(sales[1].order_id() == o2.id());
  CHECK(sales[1].status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(sales[2].order_id() == o1.id());
  CHECK(sales[2].quantity() == 2);
  CHECK(sales[2].refunded().amount_minor() == 0);
  CHECK(r.response.summary().first_sale_at().seconds() == o1.confirmed_at().seconds());
  CHECK(r.response.summary().last_sale_at().seconds() == o3.confirmed_at().seconds());
  CHECK(r.response.page().next_page_token().empty());

  // A full refund: counted as refunded, out of the paid figures.
  Exec(f,
       "UPDATE orders SET status = 6, refunded_minor = total_minor WHERE id = '" + o3.id() + "'");
  StreamSalesResult after = StreamSales(*stub, host_token, stream);
  REQUIRE(after.status.ok());
  CHECK(after.response.summary().totals().order_count() == 1);
  CHECK(after.response.summary().totals().refunded_count() == 1);
  CHECK(Amount(after.response.summary().totals().net_revenue(), "USD") == 3100);
  CHECK(Amount(after.response.summary().totals().refunded(), "USD") == 1400 + 1900);
  CHECK(after.response.summary().products_size() == 1);
  CHECK(after.response.sales(0).status() == pb::ORDER_STATUS_REFUNDED);

  // The seller's stats: the same stream's figures, and the other stream beside it.
  pb::GetSellerStatsRequest stats_req;
  SellerStatsResult stats = SellerStats(*stub, host_token, stats_req);
  REQUIRE(stats.status.ok());
  CHECK(stats.response.totals().order_count() == 2);
  CHECK(Amount(stats.response.totals().gross_revenue(), "USD") == 2500 + 777);
  REQUIRE(stats.response.streams_size() == 2);
  const pb::StreamSalesSummary& ours = stats.response.streams(1).stream_id() == stream
                                           ? stats.response.streams(1)
                                           : stats.response.streams(0);
  CHECK(ours.stream_id() == stream);
  CHECK(ours.totals().SerializeAsString() == after.response.summary().totals().SerializeAsString());
}

TEST_CASE("minutes and currencies: each sale in its UTC minute, currencies never mixed",
          "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string stream = New("str"), host = New("usr"), buyer = New("usr");
  auto sale = [&](absl::Duration at, const std::string& currency, int quantity, int64_t unit,
                  pb::OrderStatus status = pb::ORDER_STATUS_CONFIRMED) {
    SeedOrder o;
    o.buyer_id = buyer;
    o.seller_id = host;
    o.stream_id = stream;
    o.currency = currency;
    o.status = status;
    o.lines = {SeedLine{New("prd"), "Mug", quantity, unit}};
    o.shipping_minor = 100;
    o.reserved_at = kT0 + at - absl::Seconds(5);
    o.confirmed_at = kT0 + at;
    return Seed(f.dsn(), o);
  };
  sale(absl::Seconds(10), "USD", 1, 1000);
  sale(absl::Seconds(59) + absl::Microseconds(999999), "USD", 2, 250, pb::ORDER_STATUS_SHIPPED);
  sale(absl::Seconds(60), "USD", 1, 300);
  sale(absl::Seconds(61), "EUR", 4, 50);
  sale(absl::Minutes(7), "EUR", 1, 990);
  // Never sales: a pending and a failed order in the same stream.
  SeedOrder pending;
  pending.buyer_id = buyer;
  pending.seller_id = host;
  pending.stream_id = stream;
  pending.status = pb::ORDER_STATUS_PENDING_PAYMENT;
  pending.reserved_at = kT0;
  Seed(f.dsn(), pending);
  pending.status = pb::ORDER_STATUS_FAILED;
  Seed(f.dsn(), pending);

  StreamSalesResult r = StreamSales(*stub, f.TokenFor(host, "host"), stream);
  REQUIRE(r.status.ok());
  const auto& minutes = r.response.summary().per_minute();
  REQUIRE(minutes.size() == 3);
  CHECK(minutes[0].minute_start().seconds() == absl::ToUnixSeconds(kT0));
  CHECK(minutes[0].order_count() == 2);
  CHECK(minutes[0].units_sold() == 3);
  REQUIRE(minutes[0].revenue_size() == 1);
  CHECK(Amount(minutes[0].revenue(), "USD") == 1500);
  CHECK(minutes[1].minute_start().seconds() == absl::ToUnixSeconds(kT0) + 60);
  CHECK(minutes[1].order_count() == 2);
  CHECK(minutes[1].units_sold() == 5);
  REQUIRE(minutes[1].revenue_size() == 2);
  CHECK(minutes[1].revenue(0).currency() == "EUR");
  CHECK(minutes[1].revenue(0).amount_minor() == 200);
  CHECK(minutes[1].revenue(1).currency() == "USD");
  CHECK(minutes[1].revenue(1).amount_minor() == 300);
  CHECK(minutes[2].minute_start().seconds() == absl::ToUnixSeconds(kT0) + 7 * 60);
  CHECK_FALSE(r.response.summary().per_minute_truncated());

  const pb::SalesTotals& t = r.response.summary().totals();
  CHECK(t.order_count() == 5);
  CHECK(t.units_sold() == 9);
  REQUIRE(t.gross_revenue_size() == 2);
  CHECK(t.gross_revenue(0).currency() == "EUR");
  CHECK(t.gross_revenue(0).amount_minor() == 200 + 990);
  CHECK(t.gross_revenue(1).currency() == "USD");
  CHECK(t.gross_revenue(1).amount_minor() == 1000 + 500 + 300);
  CHECK(Amount(t.shipping_revenue(), "EUR") == 200);
  CHECK(Amount(t.average_order_value(), "USD") == 600);
  CHECK(Amount(t.average_order_value(), "EUR") == 595);
  CHECK(r.response.sales_size() == 5);  // pending and failed are no sales
  CHECK(r.response.summary().first_sale_at().seconds() == absl::ToUnixSeconds(kT0) + 10);
  CHECK(r.response.summary().last_sale_at().seconds() == absl::ToUnixSeconds(kT0) + 7 * 60);
}

TEST_CASE("access passes are the gated stream's revenue, in one product-less entry", "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string stream = New("str"), host = New("usr");
  for (int i = 0; i < 3; ++i) {
    SeedOrder pass;
    pass.buyer_id = New("usr");
    pass.seller_id = host;
    // However checkout files the order's own stream, the pass line names the gated stream.
    pass.stream_id = i == 0 ? stream : "";
    pass.access_stream_id = stream;
    pass.currency = "EUR";
    pass.lines = {SeedLine{"", "Access: Friday show", 1, 499}};
    pass.reserved_at = kT0 + absl::Seconds(i);
    pass.confirmed_at = kT0 + absl::Seconds(i + 1);
    if (i == 2) pass.status = pb::ORDER_STATUS_REFUNDED, pass.refunded_minor = 499;
    Seed(f.dsn(), pass);
  }
  SeedOrder product;
  product.buyer_id = New("usr");
  product.seller_id = host;
  product.stream_id = stream;
  product.currency = "EUR";
  product.lines = {SeedLine{New("prd"), "Scarf", 1, 2000}};
  product.reserved_at = kT0;
  product.confirmed_at = kT0 + absl::Seconds(30);
  Seed(f.dsn(), product);

  StreamSalesResult r = StreamSales(*stub, f.TokenFor(host, "host"), stream);
  REQUIRE(r.status.ok());
  const auto& products = r.response.summary().products();
  REQUIRE(products.size() == 2);
  const pb::ProductSales& pass = products[0];  // 2 units beat 1
  CHECK(pass.access_pass());
  CHECK(pass.product_id().empty());
  CHECK(pass.title() == "Access: Friday show");
  CHECK(pass.units_sold() == 2);
  CHECK(pass.order_count() == 2);
  CHECK(pass.revenue().amount_minor() == 998);
  CHECK(pass.revenue().currency() == "EUR");
  CHECK(products[1].product_id() == product.lines[0].product_id);
  const pb::SalesTotals& t = r.response.summary().totals();
  CHECK(t.order_count() == 3);
  CHECK(Amount(t.gross_revenue(), "EUR") == 2998);
  CHECK(t.refunded_count() == 1);
  int passes = 0;
  for (const pb::Sale& s : r.response.sales()) {
    if (s.access_pass()) {
      ++passes;
      CHECK(s.product_id().empty());
    }
  }
  CHECK(passes == 3);
  // In the seller's stats the passes are that stream's too.
  SellerStatsResult stats = SellerStats(*stub, f.TokenFor(host, "host"), {});
  REQUIRE(stats.status.ok());
  REQUIRE(stats.response.streams_size() == 1);
  CHECK(stats.response.streams(0).stream_id() == stream);
  CHECK(Amount(stats.response.streams(0).totals().gross_revenue(), "EUR") == 2998);
}

TEST_CASE("a refund reduces the goods first, line by line, also across pages", "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string stream = New("str"), host = New("usr");
  SeedOrder o;
  o.buyer_id = New("usr");
  o.seller_id = host;
  o.stream_id = stream;
  const std::string p1 = New("prd"), p2 = New("prd");
  o.lines = {SeedLine{p1, "Lamp", 1, 700}, SeedLine{p2, "Bulb", 3, 100}};
  o.shipping_minor = 500;
  o.refunded_minor = 900;
  o.reserved_at = kT0;
  o.confirmed_at = kT0 + absl::Seconds(3);
  Seed(f.dsn(), o);

  const std::string token = f.TokenFor(host, "host");
  StreamSalesResult r = StreamSales(*stub, token, stream);
  REQUIRE(r.status.ok());
  std::map<std::string, int64_t> revenue;
  for (const auto& p : r.response.summary().products())
    revenue[p.product_id()] = p.revenue().amount_minor();
  CHECK(revenue[p1] == 0);    // 700 refunded
  CHECK(revenue[p2] == 100);  // 200 of 300 refunded
  CHECK(Amount(r.response.summary().totals().net_revenue(), "USD") == 1500 - 900);
  CHECK(Amount(r.response.summary().per_minute(0).revenue(), "USD") == 100);

  std::vector<pb::Sale> sales = AllSales(*stub, token, stream, 1);  // one line per page
  REQUIRE(sales.size() == 2);
  std::map<std::string, int64_t> refunded;
  for (const pb::Sale& s : sales) refunded[s.product_id()] = s.refunded().amount_minor();
  CHECK(refunded[p1] == 700);
  CHECK(refunded[p2] == 200);
}

TEST_CASE("who may read a stream's sales and a seller's stats", "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string stream = New("str"), host = New("usr"), guest = New("usr"), other = New("usr");
  for (const std::string& seller : {host, host, guest}) {
    SeedOrder o;
    o.buyer_id = New("usr");
    o.seller_id = seller;
    o.stream_id = stream;
    o.reserved_at = kT0;
    o.confirmed_at = kT0 + absl::Seconds(1);
    Seed(f.dsn(), o);
  }

  StreamSalesResult none = StreamSales(*stub, "", stream);
  CHECK(none.status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  StreamSalesResult bad_token = StreamSales(*stub, "not-a-token", stream);
  CHECK(bad_token.status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  StreamSalesResult viewer = StreamSales(*stub, f.TokenFor(New("usr"), "viewer"), stream);
  CHECK(viewer.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(viewer.status) == "ROLE_REQUIRED");
  // A host who sold nothing in a stream where others sold.
  StreamSalesResult stranger = StreamSales(*stub, f.TokenFor(other, "host"), stream);
  CHECK(stranger.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(stranger.status) == "NOT_STREAM_SELLER");
  CHECK(stranger.response.summary().totals().order_count() == 0);
  // ... but a stream nobody sold in is nobody's secret.
  StreamSalesResult unsold = StreamSales(*stub, f.TokenFor(other, "host"), New("str"));
  REQUIRE(unsold.status.ok());
  CHECK(unsold.response.summary().totals().order_count() == 0);

  StreamSalesResult own = StreamSales(*stub, f.TokenFor(host, "host"), stream);
  REQUIRE(own.status.ok());
  CHECK(own.response.summary().totals().order_count() == 2);
  CHECK(own.response.sales_size() == 2);
  StreamSalesResult guests = StreamSales(*stub, f.TokenFor(guest, "host"), stream);
  REQUIRE(guests.status.ok());
  CHECK(guests.response.summary().totals().order_count() == 1);
  StreamSalesResult admin = StreamSales(*stub, f.TokenFor(New("usr"), "admin"), stream);
  REQUIRE(admin.status.ok());
  CHECK(admin.response.summary().totals().order_count() == 3);
  CHECK(admin.response.sales_size() == 3);

  pb::GetSellerStatsRequest req;
  CHECK(SellerStats(*stub, "", req).status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  SellerStatsResult as_viewer = SellerStats(*stub, f.TokenFor(host, "viewer"), req);
  CHECK(as_viewer.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(as_viewer.status) == "ROLE_REQUIRED");
  req.set_seller_id(guest);
  SellerStatsResult others = SellerStats(*stub, f.TokenFor(host, "host"), req);
  CHECK(others.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(others.status) == "ADMIN_ONLY");
  SellerStatsResult by_admin = SellerStats(*stub, f.TokenFor(New("usr"), "admin"), req);
  REQUIRE(by_admin.status.ok());
  CHECK(by_admin.response.totals().order_count() == 1);
  req.clear_seller_id();
  SellerStatsResult mine = SellerStats(*stub, f.TokenFor(host, "host"), req);
  REQUIRE(mine.status.ok());
  CHECK(mine.response.totals().order_count() == 2);
  // An admin without seller_id reads their own (empty) stats.
  SellerStatsResult admin_own = SellerStats(*stub, f.TokenFor(New("usr"), "admin"), req);
  REQUIRE(admin_own.status.ok());
  CHECK(admin_own.response.totals().order_count() == 0);
  CHECK(admin_own.response.streams_size() == 0);
}

TEST_CASE("bad input is refused with the field and reason, before anything is read", "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string host = New("usr"), stream = New("str");
  const std::string token = f.TokenFor(host, "host");
  for (int i = 0; i < 3; ++i) {
    SeedOrder o;
    o.buyer_id = New("usr");
    o.seller_id = host;
    o.stream_id = stream;
    o.reserved_at = kT0 + absl::Seconds(i);
    o.confirmed_at = kT0 + absl::Seconds(i + 1);
    Seed(f.dsn(), o);
  }

  struct StreamCase {
    std::string stream_id;
    int page_size;
    std::string page_token;
    std::string reason;
    std::string field;
  };
  StreamSalesResult first = StreamSales(*stub, token, stream, 1);
  REQUIRE(first.status.ok());
  const std::string good_token = first.response.page().next_page_token();
  REQUIRE_FALSE(good_token.empty());
  std::string tampered = good_token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  const std::vector<StreamCase> stream_cases = {
      {"", 0, "", "ID_REQUIRED", "stream_id"},
      {"str_1", 0, "", "STREAM_ID_INVALID", "stream_id"},
      {"ord_01ARZ3NDEKTSV4RRFFQ69G5FAV", 0, "", "STREAM_ID_INVALID", "stream_id"},
      {stream + "'; DROP TABLE orders; --", 0, "", "STREAM_ID_INVALID", "stream_id"},
      {stream, -1, "", "PAGE_SIZE_INVALID", "page.page_size"},
      {stream, sales::kMaxSalesPageSize + 1, "", "PAGE_SIZE_INVALID", "page.page_size"},
      {stream, 1, "garbage", "PAGE_TOKEN_INVALID", "page.page_token"},
      {stream, 1, tampered, "PAGE_TOKEN_INVALID", "page.page_token"},
      // A token of this stream is no token of another.
      {New("str"), 1, good_token, "PAGE_TOKEN_INVALID", "page.page_token"},
  };
  for (const StreamCase& c : stream_cases) {
    INFO(c.stream_id << " " << c.page_size << " " << c.reason);
    StreamSalesResult r = StreamSales(*stub, token, c.stream_id, c.page_size, c.page_token);
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ReasonOf(r.status) == c.reason);
    CHECK(FieldOf(r.status) == c.field);
  }
  // Another caller's token (an admin pages every seller's sales, a host their own).
  StreamSalesResult admin =
      StreamSales(*stub, f.TokenFor(New("usr"), "admin"), stream, 1, good_token);
  CHECK(ReasonOf(admin.status) == "PAGE_TOKEN_INVALID");
  // The same token still works for its list.
  CHECK(StreamSales(*stub, token, stream, 1, good_token).status.ok());

  auto ts = [](absl::Time t) {
    google::protobuf::Timestamp out;
    ToProto(t, &out);
    return out;
  };
  struct StatsCase {
    pb::GetSellerStatsRequest request;
    std::string reason;
    std::string field;
  };
  std::vector<StatsCase> stats_cases;
  auto add = [&](auto edit, const std::string& reason, const std::string& field) {
    pb::GetSellerStatsRequest r;
    edit(r);
    stats_cases.push_back({r, reason, field});
  };
  add([](auto& r) { r.set_seller_id("usr_1"); }, "SELLER_ID_INVALID", "seller_id");
  add(
      [&](auto& r) {
        *r.mutable_from() = ts(kT0);
        *r.mutable_to() = ts(kT0);
      },
      "RANGE_INVALID", "to");
  add(
      [&](auto& r) {
        *r.mutable_from() = ts(kT0);
        *r.mutable_to() = ts(kT0 + absl::Hours(24 * 367));
      },
      "RANGE_TOO_LONG", "to");
  add([&](auto& r) { r.mutable_from()->set_nanos(-5); }, "TIMESTAMP_INVALID", "from");
  add([&](auto& r) { r.mutable_to()->set_seconds(-62135596801); }, "TIMESTAMP_INVALID", "to");
  add([](auto& r) { r.mutable_page()->set_page_size(sales::kMaxStreamsPageSize + 1); },
      "PAGE_SIZE_INVALID", "page.page_size");
  add([](auto& r) { r.mutable_page()->set_page_token("garbage"); }, "PAGE_TOKEN_INVALID",
      "page.page_token");
  for (const StatsCase& c : stats_cases) {
    INFO(c.request.ShortDebugString());
    SellerStatsResult r = SellerStats(*stub, token, c.request);
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ReasonOf(r.status) == c.reason);
    CHECK(FieldOf(r.status) == c.field);
  }
  // Every violation named at once.
  pb::GetSellerStatsRequest both;
  both.set_seller_id("x");
  both.mutable_page()->set_page_size(-1);
  SellerStatsResult r = SellerStats(*stub, token, both);
  CHECK(ReasonOf(r.status) == "SELLER_ID_INVALID");
  CHECK(r.status.error_message().find("page.page_size") != std::string::npos);
  // A token made for one window is refused for another.
  const std::string stream2 = New("str");
  SeedOrder o;
  o.buyer_id = New("usr");
  o.seller_id = host;
  o.stream_id = stream2;
  o.reserved_at = kT0;
  o.confirmed_at = kT0 + absl::Seconds(9);
  Seed(f.dsn(), o);
  pb::GetSellerStatsRequest paged;
  paged.mutable_page()->set_page_size(1);
  SellerStatsResult p1 = SellerStats(*stub, token, paged);
  REQUIRE(p1.status.ok());
  REQUIRE_FALSE(p1.response.page().next_page_token().empty());
  paged.mutable_page()->set_page_token(p1.response.page().next_page_token());
  *paged.mutable_from() = ts(kT0);
  CHECK(ReasonOf(SellerStats(*stub, token, paged).status) == "PAGE_TOKEN_INVALID");
  paged.clear_from();
  CHECK(SellerStats(*stub, token, paged).status.ok());
}

TEST_CASE("pages: every sale once, newest first, and streams by latest sale in the window",
          "[sales]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string host = New("usr"), stream = New("str");
  const std::string token = f.TokenFor(host, "host");
  std::vector<std::pair<int64_t, std::string>> expected;  // (moment µs, order id)
  for (int i = 0; i < 45; ++i) {
    SeedOrder o;
    o.buyer_id = New("usr");
    o.seller_id = host;
    o.stream_id = stream;
    // Claims share moments in threes: the order id breaks the tie.
    o.reserved_at = kT0 + absl::Seconds(i / 3);
    o.confirmed_at = kT0 + absl::Seconds(100 + i);
    expected.emplace_back(absl::ToUnixMicros(o.reserved_at), Seed(f.dsn(), o));
  }
  std::sort(expected.rbegin(), expected.rend());

  std::vector<std::string> got;
  std::string next;
  int pages = 0;
  std::string summary;
  do {
    StreamSalesResult r = StreamSales(*stub, token, stream, 20, next);
    REQUIRE(r.status.ok());
    ++pages;
    if (summary.empty()) summary = r.response.summary().SerializeAsString();
    CHECK(r.response.summary().SerializeAsString() == summary);  // the same on every page
    for (const pb::Sale& s : r.response.sales()) got.push_back(s.order_id());
    next = r.response.page().next_page_token();
  } while (!next.empty());
  CHECK(pages == 3);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == expected[i].second);

  // Seller stats: 25 streams, one sale each (two share a time), and sales outside the window.
  const std::string seller = New("usr");
  const std::string seller_token = f.TokenFor(seller, "host");
  std::vector<std::pair<int64_t, std::string>> streams;  // (last sale µs, stream)
  for (int i = 0; i < 25; ++i) {
    SeedOrder o;
    o.buyer_id = New("usr");
    o.seller_id = seller;
    o.stream_id = i == 24 ? "" : New("str");  // one catalog sale
    o.lines = {SeedLine{New("prd"), "Thing", 1, 100 + i}};
    o.reserved_at = kT0;
    o.confirmed_at = kT0 + absl::Minutes(i == 7 ? 8 : i);
    Seed(f.dsn(), o);
    streams.emplace_back(absl::ToUnixMicros(*o.confirmed_at), o.stream_id);
  }
  std::sort(streams.rbegin(), streams.rend());
  for (absl::Time outside : {kT0 - absl::Seconds(1), kT0 + absl::Hours(2)}) {
    SeedOrder o;
    o.buyer_id = New("usr");
    o.seller_id = seller;
    o.stream_id = streams[3].second;
    o.lines = {SeedLine{New("prd"), "Late", 5, 100000}};
    o.reserved_at = outside;
    o.confirmed_at = outside;
    Seed(f.dsn(), o);
  }
  pb::GetSellerStatsRequest req;
  ToProto(kT0, req.mutable_from());
  ToProto(kT0 + absl::Hours(1), req.mutable_to());
  req.mutable_page()->set_page_size(10);
  std::vector<std::string> seen;
  pages = 0;
  do {
    SellerStatsResult r = SellerStats(*stub, seller_token, req);
    REQUIRE(r.status.ok());
    ++pages;
    CHECK(r.response.totals().order_count() == 25);  // the window's, on every page
    CHECK(r.response.totals().units_sold() == 25);
    CHECK(Amount(r.response.totals().gross_revenue(), "USD") == 25 * 100 + 300);
    for (const pb::StreamSalesSummary& s : r.response.streams()) {
      seen.push_back(s.stream_id());
      CHECK(s.totals().order_count() == 1);  // the sales outside the window left out
      CHECK(s.totals().units_sold() == 1);
      CHECK(s.per_minute_size() == 1);
      CHECK(s.products_size() == 1);
    }
    req.mutable_page()->set_page_token(r.response.page().next_page_token());
  } while (!req.page().page_token().empty());
  CHECK(pages == 3);
  REQUIRE(seen.size() == streams.size());
  for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == streams[i].second);

  // Without a window the late sales count.
  pb::GetSellerStatsRequest all;
  SellerStatsResult r = SellerStats(*stub, seller_token, all);
  REQUIRE(r.status.ok());
  CHECK(r.response.totals().units_sold() == 25 + 10);
  CHECK(r.response.streams_size() == sales::kDefaultStreamsPageSize);
}

}  // namespace
}  // namespace shopcast::order::testing
