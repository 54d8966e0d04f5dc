#pragma once

// The sales figures read from the orders and their lines (read only; sales_sql.h says what a
// sale is). Each call reads in one REPEATABLE READ transaction, so a page and its summary
// agree with each other.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "sales/rules.h"
#include "sales/summary.h"
#include "shopcast/db/pool.h"

namespace shopcast::order::sales {

// One line of a confirmed order, as GetStreamSales lists it.
struct SaleRow {
  std::string order_id;
  int line_no = 0;
  std::string product_id;
  bool access_pass = false;
  std::string title;
  int64_t quantity = 0;
  int64_t line_total = 0;
  std::string currency;
  std::string buyer_id;
  int64_t reserved_us = 0;
  int64_t confirmed_us = 0;
  int status = 0;
  int64_t refunded = 0;  // RefundShare of the line
};

// The keyset position after the last sale of a page (newest claim first).
struct SaleCursor {
  absl::Time reserved_at = absl::InfiniteFuture();
  std::string order_id;
  int line_no = 0;
};

struct StreamRead {
  ScopeFigures figures;
  std::vector<SaleRow> sales;  // up to limit rows
  // Asked for one seller who has no sale in the stream: whether anyone else has.
  bool others_sold = false;
};

// The keyset position after the last stream of a GetSellerStats page (latest sale first).
struct StreamCursor {
  absl::Time last_sale = absl::InfiniteFuture();
  std::string stream_id;
};

struct SellerRead {
  ScopeFigures totals;
  // The page's streams, latest sale first, with that sale's time (µs).
  std::vector<std::pair<std::string, int64_t>> streams;
  std::map<std::string, ScopeFigures> per_stream;
};

class SalesStore {
 public:
  // `metrics` may be null.
  SalesStore(db::Pool& pool, prometheus::Registry* metrics);

  // Stream `stream_id`'s figures and one page of its sales after `after` (up to `limit`
  // rows): every seller's when `seller_id` is empty, else that seller's only.
  absl::StatusOr<StreamRead> ReadStream(const std::string& stream_id, const std::string& seller_id,
                                        const SaleCursor& after, int limit);

  // Seller `seller_id`'s totals over `window`, and the figures of up to `limit` of its streams
  // after `after` (each within the window).
  absl::StatusOr<SellerRead> ReadSeller(const std::string& seller_id, const Window& window,
                                        const StreamCursor& after, int limit);

 private:
  db::Pool& pool_;
  prometheus::Histogram* stream_seconds_ = nullptr;
  prometheus::Histogram* seller_seconds_ = nullptr;
};

}  // namespace shopcast::order::sales
