// The sales queries read through V005's indexes: 50,000 orders (one line each) of 100 sellers
// in 400 streams, in every status, with access passes; each prepared statement's plan, custom
// and generic, names its index and scans no table whole. Prints the plans and the time of the
// two RPCs on that data (README, "Sales and stats").

#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "sales/sales_sql.h"
#include "sales/sales_support.h"
#include "shopcast/ids/ids.h"
#include "support/app_fixture.h"

namespace shopcast::order::testing {
namespace {

constexpr int kOrders = 50000;
constexpr int kStreams = 400;
constexpr int kSellers = 100;

std::string ArrayLiteral(const std::vector<std::string>& ids) {
  return "{" + absl::StrJoin(ids, ",") + "}";
}

// Orders g = 1..kOrders: stream g % kStreams, whose seller is (g % kStreams) % kSellers; one a
// second from 2026-01-01; g % 20: 0 pending, 1 failed (never sales), 2 cancelled, 3 refunded,
// 4..9 shipped, else confirmed; every hundredth an access pass.
void SeedMany(const std::string& dsn, const std::vector<std::string>& streams,
              const std::vector<std::string>& sellers) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  const std::string status =
      "(CASE g % 20 WHEN 0 THEN 1 WHEN 1 THEN 5 WHEN 2 THEN 4 WHEN 3 THEN 6 ELSE "
      "CASE WHEN g % 20 < 10 THEN 3 ELSE 2 END END)";
  tx.exec_params(
      "INSERT INTO orders (id, buyer_id, seller_id, stream_id, status, step, currency, "
      "subtotal_minor, shipping_minor, total_minor, shipping_address, payment_id, "
      "payment_method_token, payment_provider, created_at, updated_at, confirmed_at, "
      "resume_after, refunded_minor) "
      "SELECT 'ord_seed' || g, 'usr_buyer' || (g % 7919), ($2::text[])[1 + (g % $3) % $4], "
      "($1::text[])[1 + g % $3], " +
          status +
          ", 'done', 'USD', 1000 * (1 + g % 3), 500, "
          "1000 * (1 + g % 3) + 500, '{}'::jsonb, 'pay_seed' || g, 'pm_test_approve', "
          "'placeholder', t, t, CASE WHEN g % 20 IN (0, 1) THEN NULL ELSE t + interval '2 s' END, "
          "t, CASE WHEN g % 20 IN (2, 3) THEN 1000 * (1 + g % 3) + 500 WHEN g % 20 = 11 THEN 200 "
          "ELSE 0 END "
          "FROM generate_series(1, $5) g, "
          "LATERAL (SELECT timestamptz '2026-01-01 00:00:00+00' + g * interval '1 s' AS t) x",
      ArrayLiteral(streams), ArrayLiteral(sellers), kStreams, kSellers, kOrders);
  tx.exec_params(
      "INSERT INTO order_lines (order_id, line_no, product_id, reservation_id, "
      "access_stream_id, stream_id, title, quantity, unit_price_minor, line_total_minor, "
      "reserved_at) "
      "SELECT 'ord_seed' || g, 0, CASE WHEN g % 100 = 50 THEN '' ELSE 'prd_seed' || (g % 1600) "
      "END, 'res_seed' || g, CASE WHEN g % 100 = 50 THEN ($1::text[])[1 + g % $2] ELSE '' END, "
      "CASE WHEN g % 100 = 50 THEN '' ELSE ($1::text[])[1 + g % $2] END, 'Item', 1, "
      "1000 * (1 + g % 3), 1000 * (1 + g % 3), "
      "timestamptz '2026-01-01 00:00:00+00' + g * interval '1 s' "
      "FROM generate_series(1, $3) g",
      ArrayLiteral(streams), kStreams, kOrders);
  tx.commit();
  pqxx::nontransaction(c).exec0("ANALYZE orders; ANALYZE order_lines");
}

std::string Plan(pqxx::connection& c, const std::string& execute) {
  pqxx::nontransaction tx(c);
  std::string plan;
  for (const pqxx::row& r : tx.exec("EXPLAIN " + execute)) plan += r[0].as<std::string>() + "\n";
  return plan;
}

TEST_CASE("50,000 orders: every sales query reads through its index", "[sales][explain]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();  // migrates
  std::vector<std::string> streams, sellers;
  for (int i = 0; i < kStreams; ++i) streams.push_back(ids::NewId("str"));
  for (int i = 0; i < kSellers; ++i) sellers.push_back(ids::NewId("usr"));
  SeedMany(f.dsn(), streams, sellers);
  REQUIRE(f.Count("SELECT count(*) FROM order_lines") == kOrders);

  pqxx::connection c(f.dsn());
  // Prepared by hand: libpqxx prepares lazily, on a statement's first exec_prepared.
  for (const auto& [name, sql] : sales::sql::PreparedStatements()) {
    pqxx::nontransaction(c).exec0("PREPARE " + name + " AS " + sql);
  }
  // Stream 7 belongs to seller 7.
  const std::string s = streams[7], seller = sellers[7];
  const std::string window = "'2026-01-01 03:00:00+00', '2026-01-01 09:00:00+00'";
  using sales::sql::Aggregate;
  using sales::sql::Scope;
  // The statement, and the indexes any of which its plan may start from (a host's sales in
  // one stream may be found from either side).
  struct Case {
    std::string execute;
    std::vector<std::string> indexes;
  };
  const std::vector<std::string> by_stream = {"order_lines_by_sale_stream"};
  const std::vector<std::string> by_seller = {"orders_sales_by_seller"};
  const std::vector<std::string> either = {"order_lines_by_sale_stream", "orders_sales_by_seller"};
  std::vector<Case> cases;
  for (const char* what :
       {sales::sql::kTotals, sales::sql::kBuyers, sales::sql::kProducts, sales::sql::kMinutes}) {
    cases.push_back(
        {absl::StrCat("EXECUTE ", Aggregate(what, Scope::kStream), "('", s, "')"), by_stream});
    cases.push_back({absl::StrCat("EXECUTE ", Aggregate(what, Scope::kStreamOfSeller), "('", s,
                                  "', '", seller, "')"),
                     either});
    cases.push_back({absl::StrCat("EXECUTE ", Aggregate(what, Scope::kSellerStreams), "('", seller,
                                  "', ", window, ", '{", s, ",", streams[107], "}')"),
                     by_seller});
  }
  for (const char* what : {sales::sql::kTotals, sales::sql::kBuyers}) {
    cases.push_back({absl::StrCat("EXECUTE ", Aggregate(what, Scope::kSeller), "('", seller, "', ",
                                  window, ")"),
                     by_seller});
  }
  cases.push_back(
      {absl::StrCat("EXECUTE ", sales::sql::kSalesPage, "('", s, "', 'infinity', '', 0, 21)"),
       by_stream});
  cases.push_back({absl::StrCat("EXECUTE ", sales::sql::kSalesPageOfSeller, "('", s,
                                "', '2026-01-01 05:00:00+00', 'ord_seed9', 0, 21, '", seller, "')"),
                   by_stream});
  cases.push_back(
      {absl::StrCat("EXECUTE ", sales::sql::kStreamHasSales, "('", s, "')"), by_stream});
  cases.push_back({absl::StrCat("EXECUTE ", sales::sql::kSellerStreams, "('", seller, "', ", window,
                                ", 'infinity', '', 11)"),
                   by_seller});

  for (const char* mode : {"force_custom_plan", "force_generic_plan"}) {
    pqxx::nontransaction(c).exec0(std::string("SET plan_cache_mode = ") + mode);
    for (const Case& k : cases) {
      const std::string plan = Plan(c, k.execute);
      INFO(mode << "\n" << k.execute << "\n" << plan);
      CHECK(std::any_of(k.indexes.begin(), k.indexes.end(), [&](const std::string& index) {
        return plan.find(index) != std::string::npos;
      }));
      CHECK(plan.find("Seq Scan") == std::string::npos);
      if (std::string(mode) == "force_custom_plan") {
        std::cout << "-- " << k.execute << "\n" << plan << "\n";
      }
    }
  }

  // What a dashboard waits for on this data (one stream: 125 sales; one seller: 500).
  auto time = [&](auto call) {
    absl::Duration best = absl::InfiniteDuration();
    for (int i = 0; i < 5; ++i) {
      const absl::Time start = absl::Now();
      call();
      best = std::min(best, absl::Now() - start);
    }
    return absl::ToDoubleMilliseconds(best);
  };
  const std::string admin = f.TokenFor(ids::NewId("usr"), "admin");
  StreamSalesResult r = StreamSales(*stub, admin, s);
  REQUIRE(r.status.ok());
  CHECK(r.response.summary().totals().order_count() ==
        f.Count("SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id "
                "WHERE l.sale_stream_id = '" +
                s + "' AND o.status IN (2, 3)"));
  const double stream_ms = time([&] { REQUIRE(StreamSales(*stub, admin, s).status.ok()); });
  pb::GetSellerStatsRequest req;
  req.set_seller_id(seller);
  const double seller_ms = time([&] { REQUIRE(SellerStats(*stub, admin, req).status.ok()); });
  std::cout << absl::StrFormat(
      "GetStreamSales (one stream, %d sales, first page): %.1f ms; GetSellerStats (one seller, "
      "all time, first page of streams): %.1f ms\n",
      r.response.summary().totals().order_count(), stream_ms, seller_ms);
}

}  // namespace
}  // namespace shopcast::order::testing
