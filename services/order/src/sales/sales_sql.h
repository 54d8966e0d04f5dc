#pragma once

// The sales area's SQL (read only), prepared on every pooled connection.
//
// A sale is an order line whose order became CONFIRMED (orders.confirmed_at set): it stays one
// when the order is later shipped, cancelled or refunded. "Paid" orders are CONFIRMED or
// SHIPPED. A line belongs to order_lines.sale_stream_id (V005): the gated stream of an access
// pass, else the stream the product was sold in ('' for catalog sales).
//
// The aggregates come in one variant per scope, each with its own parameters, so that every
// variant's plan, custom or generic, starts from its index (no "$n = '' OR …" and no window a
// generic plan must guess at where none is needed):
//   kStream         $1 the stream                                             (admin)
//   kStreamOfSeller $1 the stream, $2 the seller                              (a host)
//   kSellerStreams  $1 the seller, [$2, $3) on confirmed_at, $4 stream ids (text[])
//                                                    (GetSellerStats' page of streams)
//   kSeller         $1 the seller, [$2, $3) on confirmed_at; key ''          (seller totals)
// Each aggregate's first column is the scope key: the stream id, or '' for kSeller.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::order::sales::sql {

enum class Scope { kStream, kStreamOfSeller, kSellerStreams, kSeller };

// The prepared name of aggregate `what` ("totals", "buyers", "products", "minutes") in `scope`.
std::string Aggregate(const char* what, Scope scope);

// Per (key, currency): paid orders, their units, subtotals, shipping, cancelled orders,
// refunded orders, refunds (all sales), paid totals less refunds, first and last sale (µs).
inline constexpr char kTotals[] = "totals";
// Per key: distinct buyers of paid orders.
inline constexpr char kBuyers[] = "buyers";
// Per (key, product, access pass, currency): latest title, units, paid orders, revenue.
inline constexpr char kProducts[] = "products";
// Per (key, minute since the epoch, currency): paid orders, units, revenue.
inline constexpr char kMinutes[] = "minutes";

// One page of a stream's sales, newest claim first: $1 stream, keyset ($2 reserved_at, $3
// order id, $4 line_no) exclusive, $5 limit; the seller variant adds $6 the seller.
inline constexpr char kSalesPage[] = "sales_page";
inline constexpr char kSalesPageOfSeller[] = "sales_page_of_seller";
// Whether stream $1 has any sale at all (whoever the seller).
inline constexpr char kStreamHasSales[] = "sales_stream_has_sales";
// One page of seller $1's streams with sales confirmed in [$2, $3), latest sale first:
// keyset ($4 last sale, $5 stream id) exclusive, $6 limit.
inline constexpr char kSellerStreams[] = "sales_seller_streams";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::order::sales::sql
