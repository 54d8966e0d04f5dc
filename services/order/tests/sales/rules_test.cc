// The sales area's pure parts: what GetStreamSales and GetSellerStats accept, the refund share
// of a line, minute bucketing and how the store's rows become totals, products and minutes.

#include "sales/rules.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <utility>

#include "common/pg_time.h"
#include "sales/summary.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::order::sales {
namespace {

const std::string kStream = ids::NewId("str");
const std::string kHost = ids::NewId("usr");

auth::Caller Host() { return {kHost, auth::Role::kHost}; }
auth::Caller Admin() { return {ids::NewId("usr"), auth::Role::kAdmin}; }
auth::Caller Viewer() { return {ids::NewId("usr"), auth::Role::kViewer}; }

google::protobuf::Timestamp At(absl::Time t) {
  google::protobuf::Timestamp ts;
  ToProto(t, &ts);
  return ts;
}

TEST_CASE("GetStreamSales: the stream id and the page size are checked", "[sales]") {
  v1::GetStreamSalesRequest r;
  r.set_stream_id(kStream);
  auto ok = ValidateStreamSales(r);
  REQUIRE(ok.ok());
  CHECK(ok->page_size == kDefaultSalesPageSize);

  r.mutable_page()->set_page_size(kMaxSalesPageSize);
  CHECK(ValidateStreamSales(r)->page_size == kMaxSalesPageSize);

  r.set_stream_id("");
  CHECK(ReasonOf(ValidateStreamSales(r).status()) == "ID_REQUIRED");
  CHECK(FieldOf(ValidateStreamSales(r).status()) == "stream_id");
  for (const char* bad : {"str_1", "prd_01ARZ3NDEKTSV4RRFFQ69G5FAV",
                          "str_01arz3ndektsv4rrffq69g5fav", "str_01ARZ3NDEKTSV4RRFFQ69G5FA", "x"}) {
    r.set_stream_id(bad);
    CHECK(ReasonOf(ValidateStreamSales(r).status()) == "STREAM_ID_INVALID");
  }

  r.set_stream_id(kStream);
  for (int bad : {-1, kMaxSalesPageSize + 1}) {
    r.mutable_page()->set_page_size(bad);
    absl::Status s = ValidateStreamSales(r).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == "PAGE_SIZE_INVALID");
    CHECK(FieldOf(s) == "page.page_size");
  }

  // Every violation at once: the first gives reason and field, the message names all.
  r.set_stream_id("");
  absl::Status both = ValidateStreamSales(r).status();
  CHECK(ReasonOf(both) == "ID_REQUIRED");
  CHECK(both.message().find("page.page_size") != absl::string_view::npos);
}

TEST_CASE("GetSellerStats: seller, window, page size and who may ask", "[sales]") {
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);  // 2026-01-01
  v1::GetSellerStatsRequest r;

  auto own = ValidateSellerStats(Host(), r);
  REQUIRE(own.ok());
  CHECK(own->seller_id == kHost);
  CHECK(own->window.from == absl::InfinitePast());
  CHECK(own->window.to == absl::InfiniteFuture());
  CHECK(own->page_size == kDefaultStreamsPageSize);

  SECTION("roles") {
    CHECK(ReasonOf(ValidateSellerStats(Viewer(), r).status()) == "ROLE_REQUIRED");
    r.set_seller_id(ids::NewId("usr"));
    absl::Status s = ValidateSellerStats(Host(), r).status();
    CHECK(s.code() == absl::StatusCode::kPermissionDenied);
    CHECK(ReasonOf(s) == "ADMIN_ONLY");
    auto admin = ValidateSellerStats(Admin(), r);
    REQUIRE(admin.ok());
    CHECK(admin->seller_id == r.seller_id());
    r.set_seller_id(kHost);  // naming oneself is fine
    CHECK(ValidateSellerStats(Host(), r).ok());
  }
  SECTION("seller id") {
    for (const char* bad : {"usr_1", "str_01ARZ3NDEKTSV4RRFFQ69G5FAV", " "}) {
      r.set_seller_id(bad);
      CHECK(ReasonOf(ValidateSellerStats(Admin(), r).status()) == "SELLER_ID_INVALID");
    }
  }
  SECTION("window") {
    *r.mutable_from() = At(t0);
    auto from_only = ValidateSellerStats(Host(), r);
    REQUIRE(from_only.ok());
    CHECK(from_only->window.from == t0);
    CHECK(from_only->window.to == absl::InfiniteFuture());

    *r.mutable_to() = At(t0);
    CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "RANGE_INVALID");
    CHECK(FieldOf(ValidateSellerStats(Host(), r).status()) == "to");
    *r.mutable_to() = At(t0 - absl::Seconds(1));
    CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "RANGE_INVALID");
    *r.mutable_to() = At(t0 + kMaxRange);
    CHECK(ValidateSellerStats(Host(), r).ok());
    *r.mutable_to() = At(t0 + kMaxRange + absl::Nanoseconds(1));
    CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "RANGE_TOO_LONG");

    r.mutable_to()->set_nanos(1000000000);
    CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "TIMESTAMP_INVALID");
    r.mutable_to()->set_nanos(-1);
    CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "TIMESTAMP_INVALID");
    r.clear_to();
    r.mutable_from()->set_seconds(253402300800);  // year 10000
    CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "TIMESTAMP_INVALID");
    CHECK(FieldOf(ValidateSellerStats(Host(), r).status()) == "from");
  }
  SECTION("page size") {
    for (int bad : {-1, kMaxStreamsPageSize + 1}) {
      r.mutable_page()->set_page_size(bad);
      CHECK(ReasonOf(ValidateSellerStats(Host(), r).status()) == "PAGE_SIZE_INVALID");
    }
    r.mutable_page()->set_page_size(kMaxStreamsPageSize);
    CHECK(ValidateSellerStats(Host(), r)->page_size == kMaxStreamsPageSize);
  }
  SECTION("bad fields are reported before whose stats they are") {
    r.set_seller_id("nobody");
    r.mutable_page()->set_page_size(-3);
    absl::Status s = ValidateSellerStats(Host(), r).status();
    CHECK(ReasonOf(s) == "SELLER_ID_INVALID");
    CHECK(s.message().find("page.page_size") != absl::string_view::npos);
  }
}

TEST_CASE("sale cursor ids round-trip and refuse anything else", "[sales]") {
  std::string order;
  int line = -1;
  REQUIRE(ParseSaleCursorId(SaleCursorId("ord_ABC", 3), &order, &line));
  CHECK(order == "ord_ABC");
  CHECK(line == 3);
  for (const char* bad : {"", "ord_ABC", "/3", "ord_ABC/", "ord_ABC/-1", "ord_ABC/x", "ord/1x"}) {
    CHECK_FALSE(ParseSaleCursorId(bad, &order, &line));
  }
}

TEST_CASE("a refund falls on the goods first, line by line", "[sales]") {
  // An order of lines 700 and 300 (subtotal 1000), shipping 500.
  auto shares = [](int64_t refunded) {
    const int64_t goods = std::min<int64_t>(refunded, 1000);
    const int64_t first = RefundShare(goods, 700);
    const int64_t second = RefundShare(goods - 700, 300);
    return std::make_pair(first, second);
  };
  CHECK(shares(0) == std::make_pair<int64_t, int64_t>(0, 0));
  CHECK(shares(200) == std::make_pair<int64_t, int64_t>(200, 0));
  CHECK(shares(900) == std::make_pair<int64_t, int64_t>(700, 200));
  CHECK(shares(1000) == std::make_pair<int64_t, int64_t>(700, 300));
  CHECK(shares(1500) == std::make_pair<int64_t, int64_t>(700, 300));  // shipping refunded too
}

TEST_CASE("minutes are UTC minutes since the epoch, floored", "[sales]") {
  const absl::Time t = absl::FromUnixSeconds(1767225600);  // a minute's start
  CHECK(MinuteOf(t) == 1767225600 / 60);
  CHECK(MinuteOf(t + absl::Seconds(59) + absl::Milliseconds(999)) == MinuteOf(t));
  CHECK(MinuteOf(t + absl::Seconds(60)) == MinuteOf(t) + 1);
  CHECK(MinuteOf(t - absl::Microseconds(1)) == MinuteOf(t) - 1);
  CHECK(MinuteStart(MinuteOf(t + absl::Seconds(42))) == t);
  CHECK(MinuteOf(absl::FromUnixSeconds(-1)) == -1);
  CHECK(MinuteOf(absl::FromUnixSeconds(-60)) == -1);
  CHECK(MinuteOf(absl::FromUnixSeconds(-61)) == -2);
}

TotalsRow Totals(const std::string& currency, int64_t paid, int64_t units, int64_t gross,
                 int64_t shipping, int64_t refunded, int64_t net, int64_t first_us,
                 int64_t last_us) {
  TotalsRow t;
  t.currency = currency;
  t.paid_orders = paid;
  t.units = units;
  t.gross = gross;
  t.shipping = shipping;
  t.refunded = refunded;
  t.net = net;
  t.first_sale_us = first_us;
  t.last_sale_us = last_us;
  return t;
}

TEST_CASE("totals keep one entry per currency, by code, never mixed", "[sales]") {
  ScopeFigures f;
  f.totals.push_back(Totals("USD", 3, 7, 1001, 300, 100, 1201, 50, 90));
  f.totals.push_back(Totals("EUR", 0, 0, 0, 0, 2500, 0, 10, 20));  // all cancelled
  f.totals.back().cancelled_orders = 1;
  f.totals.back().refunded_orders = 1;
  f.unique_buyers = 2;
  v1::SalesTotals t = BuildTotals(f);
  CHECK(t.order_count() == 3);
  CHECK(t.units_sold() == 7);
  CHECK(t.cancelled_count() == 1);
  CHECK(t.refunded_count() == 1);
  CHECK(t.unique_buyers() == 2);
  REQUIRE(t.gross_revenue_size() == 2);
  CHECK(t.gross_revenue(0).currency() == "EUR");
  CHECK(t.gross_revenue(0).amount_minor() == 0);
  CHECK(t.gross_revenue(1).currency() == "USD");
  CHECK(t.gross_revenue(1).amount_minor() == 1001);
  CHECK(t.shipping_revenue(1).amount_minor() == 300);
  CHECK(t.refunded(0).amount_minor() == 2500);
  CHECK(t.refunded(1).amount_minor() == 100);
  CHECK(t.net_revenue(1).amount_minor() == 1201);
  // 1001 / 3 rounded down; no paid order: zero.
  CHECK(t.average_order_value(1).amount_minor() == 333);
  CHECK(t.average_order_value(0).amount_minor() == 0);

  v1::StreamSalesSummary s;
  BuildSummary(kStream, f, &s);
  CHECK(s.stream_id() == kStream);
  CHECK(s.first_sale_at().seconds() * 1000000 + s.first_sale_at().nanos() / 1000 == 10);
  CHECK(s.last_sale_at().seconds() * 1000000 + s.last_sale_at().nanos() / 1000 == 90);

  v1::StreamSalesSummary none;
  BuildSummary(kStream, ScopeFigures{}, &none);
  CHECK(none.totals().order_count() == 0);
  CHECK(none.totals().gross_revenue_size() == 0);
  CHECK_FALSE(none.has_first_sale_at());
  CHECK(none.per_minute_size() == 0);
}

TEST_CASE("products: best sellers first, at most 50, the access pass named", "[sales]") {
  ScopeFigures f;
  f.totals.push_back(Totals("USD", 1, 1, 1, 0, 0, 1, 0, 0));
  for (int i = 0; i < 60; ++i) {
    ProductRow p;
    p.product_id = "prd_" + std::to_string(100 + i);
    p.currency = "USD";
    p.title = "Item " + std::to_string(i);
    p.units = i % 7;
    p.revenue = i;
    p.orders = 1;
    f.products.push_back(p);
  }
  ProductRow pass;
  pass.access_pass = true;
  pass.currency = "USD";
  pass.units = 100;
  pass.revenue = 999;
  pass.orders = 100;
  f.products.push_back(pass);
  v1::StreamSalesSummary s;
  BuildSummary(kStream, f, &s);
  REQUIRE(s.products_size() == kMaxProducts);
  CHECK(s.products(0).access_pass());
  CHECK(s.products(0).product_id().empty());
  CHECK(s.products(0).title() == kAccessPassTitle);
  CHECK(s.products(0).units_sold() == 100);
  CHECK(s.products(0).revenue().amount_minor() == 999);
  for (int i = 2; i < s.products_size(); ++i) {
    const auto& a = s.products(i - 1);
    const auto& b = s.products(i);
    CHECK((a.units_sold() > b.units_sold() ||
           (a.units_sold() == b.units_sold() &&
            a.revenue().amount_minor() >= b.revenue().amount_minor())));
  }
  // The ten left out are the ones selling least.
  CHECK(s.products(kMaxProducts - 1).units_sold() <= 1);
}

TEST_CASE("minutes: oldest first, currencies apart, the latest 1440 kept", "[sales]") {
  ScopeFigures f;
  f.totals.push_back(Totals("USD", 1, 1, 1, 0, 0, 1, 0, 0));
  const int64_t m0 = 29453760;  // 2026-01-01T00:00Z
  f.minutes.push_back({m0 + 2, "USD", 1, 2, 300});
  f.minutes.push_back({m0, "USD", 2, 3, 500});
  f.minutes.push_back({m0, "EUR", 1, 1, 70});
  v1::StreamSalesSummary s;
  BuildSummary(kStream, f, &s);
  REQUIRE(s.per_minute_size() == 2);
  CHECK_FALSE(s.per_minute_truncated());
  const v1::MinuteSales& first = s.per_minute(0);
  CHECK(first.minute_start().seconds() == m0 * 60);
  CHECK(first.minute_start().nanos() == 0);
  CHECK(first.order_count() == 3);
  CHECK(first.units_sold() == 4);
  REQUIRE(first.revenue_size() == 2);
  CHECK(first.revenue(0).currency() == "EUR");
  CHECK(first.revenue(0).amount_minor() == 70);
  CHECK(first.revenue(1).currency() == "USD");
  CHECK(first.revenue(1).amount_minor() == 500);
  CHECK(s.per_minute(1).minute_start().seconds() == (m0 + 2) * 60);

  ScopeFigures many;
  many.totals = f.totals;
  for (int i = 0; i < kMaxMinutes + 10; ++i) many.minutes.push_back({m0 + i, "USD", 1, 1, i});
  v1::StreamSalesSummary cut;
  BuildSummary(kStream, many, &cut);
  REQUIRE(cut.per_minute_size() == kMaxMinutes);
  CHECK(cut.per_minute_truncated());
  CHECK(cut.per_minute(0).minute_start().seconds() == (m0 + 10) * 60);
  CHECK(cut.per_minute(kMaxMinutes - 1).minute_start().seconds() == (m0 + kMaxMinutes + 9) * 60);
}

}  // namespace
}  // namespace shopcast::order::sales
