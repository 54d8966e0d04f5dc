#include "sales/sales_sql.h"

#include "absl/strings/str_cat.h"

namespace shopcast::order::sales::sql {
namespace {

#define SHOPCAST_SALES_MICROS(c) "(extract(epoch FROM " c ") * 1000000)::bigint"

// The lines of order o, read through order_lines_pkey for each of a seller's orders. OFFSET 0
// keeps the planner from flattening it into a join, which at a few hundred orders prefers
// hashing the whole of order_lines to probing its primary key once per order.
constexpr char kLinesOfOrder[] =
    "SELECT x.line_no, x.product_id, x.access_stream_id, x.title, x.quantity, "
    "x.line_total_minor, x.sale_stream_id FROM order_lines x WHERE x.order_id = o.id OFFSET 0";

constexpr char kPaid[] = "o.status IN (2, 3)";  // ORDER_STATUS_CONFIRMED, ORDER_STATUS_SHIPPED

const char* ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kStream:
      return "stream";
    case Scope::kStreamOfSeller:
      return "stream_of_seller";
    case Scope::kSellerStreams:
      return "seller_streams";
    case Scope::kSeller:
      return "seller";
  }
  return "";
}

// The scope key column.
const char* Key(Scope scope) { return scope == Scope::kSeller ? "''::text" : "l.sale_stream_id"; }

// FROM and WHERE of the sales in `scope` (confirmed orders only).
std::string From(Scope scope) {
  // A stream's lines through order_lines_by_sale_stream, each line's order by its key.
  const std::string by_stream =
      " FROM order_lines l JOIN orders o ON o.id = l.order_id"
      " WHERE l.sale_stream_id = $1 AND o.confirmed_at IS NOT NULL";
  // A seller's sales in the window through orders_sales_by_seller, each order's lines by key.
  const std::string by_seller =
      absl::StrCat(" FROM orders o CROSS JOIN LATERAL (", kLinesOfOrder, ") l",
                   " WHERE o.seller_id = $1 AND o.confirmed_at IS NOT NULL"
                   " AND o.confirmed_at >= $2::timestamptz AND o.confirmed_at < $3::timestamptz");
  switch (scope) {
    case Scope::kStream:
      return by_stream;
    case Scope::kStreamOfSeller:
      return absl::StrCat(by_stream, " AND o.seller_id = $2");
    case Scope::kSellerStreams:
      return absl::StrCat(by_seller, " AND l.sale_stream_id = ANY($4::text[])");
    case Scope::kSeller:
      return by_seller;
  }
  return "";
}

std::string Totals(Scope scope) {
  const std::string paid = absl::StrCat(" FILTER (WHERE status IN (2, 3))");
  return absl::StrCat(
      // One row per order first: shipping and refunds are the order's, units its lines'.
      "WITH ord AS (SELECT ", Key(scope),
      " AS k, o.id, o.buyer_id, o.currency, o.status, o.subtotal_minor, o.shipping_minor, "
      "o.total_minor, o.refunded_minor, o.confirmed_at, sum(l.quantity) AS units",
      From(scope),
      " GROUP BY 1, o.id) "
      "SELECT k, currency, count(*)",
      paid, ", COALESCE(sum(units)", paid, ", 0)::bigint, COALESCE(sum(subtotal_minor)", paid,
      ", 0)::bigint, COALESCE(sum(shipping_minor)", paid,
      ", 0)::bigint, count(*) FILTER (WHERE status = 4), count(*) FILTER (WHERE status = 6), "
      "COALESCE(sum(refunded_minor), 0)::bigint, COALESCE(sum(total_minor - refunded_minor)",
      paid, ", 0)::bigint, ", SHOPCAST_SALES_MICROS("min(confirmed_at)"), ", ",
      SHOPCAST_SALES_MICROS("max(confirmed_at)"),
      " FROM ord GROUP BY k, currency ORDER BY k, currency");
}

std::string Buyers(Scope scope) {
  return absl::StrCat("SELECT ", Key(scope), ", count(DISTINCT o.buyer_id)", From(scope), " AND ",
                      kPaid, " GROUP BY 1");
}

// The paid lines of the scope with their revenue: the line total less the part of the order's
// refunds that falls on it. Refunds reduce the goods first (up to the subtotal), the lines in
// line order (rules.h RefundShare; the page query applies the same rule).
std::string NetLines(Scope scope) {
  return absl::StrCat(
      "WITH line AS (SELECT ", Key(scope),
      " AS k, o.id AS order_id, l.line_no, l.product_id, l.access_stream_id <> '' AS pass, "
      "l.title, l.quantity, l.line_total_minor, o.currency, o.confirmed_at, "
      "LEAST(o.refunded_minor, o.subtotal_minor) AS goods_refund",
      From(scope), " AND ", kPaid,
      "), net AS (SELECT line.*, line_total_minor - LEAST(line_total_minor, GREATEST(0, "
      "goods_refund - (sum(line_total_minor) OVER (PARTITION BY order_id ORDER BY line_no) - "
      "line_total_minor))) AS net FROM line) ");
}

std::string Products(Scope scope) {
  return absl::StrCat(
      NetLines(scope),
      "SELECT k, product_id, pass, currency, "
      "(array_agg(title ORDER BY confirmed_at DESC, order_id DESC))[1], sum(quantity)::bigint, "
      "count(DISTINCT order_id), sum(net)::bigint FROM net "
      "GROUP BY k, product_id, pass, currency ORDER BY k, product_id, pass, currency");
}

std::string Minutes(Scope scope) {
  return absl::StrCat(
      NetLines(scope),
      "SELECT k, floor(extract(epoch FROM confirmed_at) / 60)::bigint AS minute, currency, "
      "count(DISTINCT order_id), sum(quantity)::bigint, sum(net)::bigint FROM net "
      "GROUP BY k, minute, currency ORDER BY k, minute, currency");
}

std::string SalesPage(bool of_seller) {
  return absl::StrCat(
      "SELECT o.id, l.line_no, l.product_id, l.access_stream_id <> '', l.title, l.quantity, "
      "l.line_total_minor, o.currency, o.buyer_id, ",
      SHOPCAST_SALES_MICROS("l.reserved_at"), ", ", SHOPCAST_SALES_MICROS("o.confirmed_at"),
      ", o.status, "
      // What is left of the goods refund once the earlier lines took theirs.
      "LEAST(o.refunded_minor, o.subtotal_minor) - (SELECT COALESCE(sum(x.line_total_minor), 0) "
      "FROM order_lines x WHERE x.order_id = l.order_id AND x.line_no < l.line_no)::bigint "
      "FROM order_lines l JOIN orders o ON o.id = l.order_id "
      "WHERE l.sale_stream_id = $1 AND o.confirmed_at IS NOT NULL",
      of_seller ? " AND o.seller_id = $6" : "",
      " AND (l.reserved_at, l.order_id, l.line_no) < ($2::timestamptz, $3, $4::int) "
      "ORDER BY l.reserved_at DESC, l.order_id DESC, l.line_no DESC LIMIT $5");
}

}  // namespace

std::string Aggregate(const char* what, Scope scope) {
  return absl::StrCat("sales_", what, "_", ScopeName(scope));
}

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  std::vector<std::pair<std::string, std::string>> out;
  for (Scope scope :
       {Scope::kStream, Scope::kStreamOfSeller, Scope::kSellerStreams, Scope::kSeller}) {
    out.emplace_back(Aggregate(kTotals, scope), Totals(scope));
    out.emplace_back(Aggregate(kBuyers, scope), Buyers(scope));
    if (scope == Scope::kSeller) continue;  // The seller's totals need no breakdown.
    out.emplace_back(Aggregate(kProducts, scope), Products(scope));
    out.emplace_back(Aggregate(kMinutes, scope), Minutes(scope));
  }
  out.emplace_back(kSalesPage, SalesPage(false));
  out.emplace_back(kSalesPageOfSeller, SalesPage(true));
  out.emplace_back(kStreamHasSales,
                   "SELECT EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id "
                   "WHERE l.sale_stream_id = $1 AND o.confirmed_at IS NOT NULL)");
  out.emplace_back(
      kSellerStreams,
      absl::StrCat("SELECT l.sale_stream_id, ", SHOPCAST_SALES_MICROS("max(o.confirmed_at)"),
                   " FROM orders o CROSS JOIN LATERAL (", kLinesOfOrder,
                   ") l "
                   "WHERE o.seller_id = $1 AND o.confirmed_at IS NOT NULL "
                   "AND o.confirmed_at >= $2::timestamptz AND o.confirmed_at < $3::timestamptz "
                   "GROUP BY 1 HAVING (max(o.confirmed_at), l.sale_stream_id) < "
                   "($4::timestamptz, $5) ORDER BY max(o.confirmed_at) DESC, 1 DESC LIMIT $6"));
  return out;
}

#undef SHOPCAST_SALES_MICROS

}  // namespace shopcast::order::sales::sql
