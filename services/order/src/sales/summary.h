#pragma once

// The figures of GetStreamSales and GetSellerStats put together from the store's aggregate
// rows: money kept per currency (never mixed, sorted by code), best sellers first, minutes
// oldest first. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shopcast/order/v1/order.pb.h"

namespace shopcast::order::sales {

// At most this many products and minutes in a summary.
inline constexpr int kMaxProducts = 50;
inline constexpr int kMaxMinutes = 1440;

// One currency's totals over a scope's sales (see sales_sql.h kTotals).
struct TotalsRow {
  std::string currency;
  int64_t paid_orders = 0;
  int64_t units = 0;
  int64_t gross = 0;
  int64_t shipping = 0;
  int64_t cancelled_orders = 0;
  int64_t refunded_orders = 0;
  int64_t refunded = 0;
  int64_t net = 0;
  int64_t first_sale_us = 0;
  int64_t last_sale_us = 0;
};

struct ProductRow {
  std::string product_id;
  bool access_pass = false;
  std::string currency;
  std::string title;
  int64_t units = 0;
  int64_t orders = 0;
  int64_t revenue = 0;
};

struct MinuteRow {
  int64_t minute = 0;  // since the epoch
  std::string currency;
  int64_t orders = 0;
  int64_t units = 0;
  int64_t revenue = 0;
};

// What the store read for one scope key (a stream, or a seller's whole range).
struct ScopeFigures {
  std::vector<TotalsRow> totals;  // one per currency
  int64_t unique_buyers = 0;
  std::vector<ProductRow> products;
  std::vector<MinuteRow> minutes;
};

// The title an access-pass entry shows when its lines have none.
inline constexpr char kAccessPassTitle[] = "Access pass";

// Totals across currencies: counts summed; every money list has one entry per currency seen
// (zero amounts included), by code; average_order_value = gross / paid orders of that currency
// rounded down (zero without paid orders).
v1::SalesTotals BuildTotals(const ScopeFigures& figures);

// `summary` filled for `stream_id`: totals, the first kMaxProducts products by units sold
// (then revenue, then product id; the access-pass entry titled kAccessPassTitle when its
// lines have no title), the latest kMaxMinutes minutes oldest first (each with its
// currencies by code; per_minute_truncated when older ones were left out), first and last
// sale.
void BuildSummary(const std::string& stream_id, const ScopeFigures& figures,
                  v1::StreamSalesSummary* summary);

// True when `figures` hold no sale at all (not even a cancelled one).
bool Empty(const ScopeFigures& figures);

}  // namespace shopcast::order::sales
