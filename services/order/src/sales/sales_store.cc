#include "sales/sales_store.h"

#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/pg_time.h"
#include "sales/sales_sql.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::order::sales {
namespace {

// A timestamptz bound that is "no bound" when infinite.
std::string Bound(absl::Time t) {
  if (t == absl::InfinitePast()) return "-infinity";
  if (t == absl::InfiniteFuture()) return "infinity";
  return PgTime(t);
}

void BeginSnapshot(pqxx::work& tx) {
  tx.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

// Runs aggregate `what` of `scope` with `args`; the rows.
template <typename... Args>
pqxx::result Aggregate(pqxx::work& tx, const char* what, sql::Scope scope, Args&&... args) {
  return tx.exec_prepared(sql::Aggregate(what, scope), std::forward<Args>(args)...);
}

// The figures of `scope` by key; products and minutes too when `breakdown`.
template <typename... Args>
std::map<std::string, ScopeFigures> ReadFigures(pqxx::work& tx, sql::Scope scope, bool breakdown,
                                                const Args&... args) {
  std::map<std::string, ScopeFigures> out;
  for (const pqxx::row& r : Aggregate(tx, sql::kTotals, scope, args...)) {
    TotalsRow t;
    int i = 1;
    t.currency = r[i++].as<std::string>();
    t.paid_orders = r[i++].as<int64_t>();
    t.units = r[i++].as<int64_t>();
    t.gross = r[i++].as<int64_t>();
    t.shipping = r[i++].as<int64_t>();
    t.cancelled_orders = r[i++].as<int64_t>();
    t.refunded_orders = r[i++].as<int64_t>();
    t.refunded = r[i++].as<int64_t>();
    t.net = r[i++].as<int64_t>();
    t.first_sale_us = r[i++].as<int64_t>();
    t.last_sale_us = r[i++].as<int64_t>();
    out[r[0].as<std::string>()].totals.push_back(std::move(t));
  }
  if (out.empty()) return out;  // No sale at all: nothing else can be found.
  for (const pqxx::row& r : Aggregate(tx, sql::kBuyers, scope, args...)) {
    out[r[0].as<std::string>()].unique_buyers = r[1].as<int64_t>();
  }
  if (!breakdown) return out;
  for (const pqxx::row& r : Aggregate(tx, sql::kProducts, scope, args...)) {
    ProductRow p;
    p.product_id = r[1].as<std::string>();
    p.access_pass = r[2].as<bool>();
    p.currency = r[3].as<std::string>();
    p.title = r[4].is_null() ? "" : r[4].as<std::string>();
    p.units = r[5].as<int64_t>();
    p.orders = r[6].as<int64_t>();
    p.revenue = r[7].as<int64_t>();
    out[r[0].as<std::string>()].products.push_back(std::move(p));
  }
  for (const pqxx::row& r : Aggregate(tx, sql::kMinutes, scope, args...)) {
    MinuteRow m;
    m.minute = r[1].as<int64_t>();
    m.currency = r[2].as<std::string>();
    m.orders = r[3].as<int64_t>();
    m.units = r[4].as<int64_t>();
    m.revenue = r[5].as<int64_t>();
    out[r[0].as<std::string>()].minutes.push_back(std::move(m));
  }
  return out;
}

SaleRow ReadSale(const pqxx::row& r) {
  SaleRow s;
  int i = 0;
  s.order_id = r[i++].as<std::string>();
  s.line_no = r[i++].as<int>();
  s.product_id = r[i++].as<std::string>();
  s.access_pass = r[i++].as<bool>();
  s.title = r[i++].as<std::string>();
  s.quantity = r[i++].as<int64_t>();
  s.line_total = r[i++].as<int64_t>();
  s.currency = r[i++].as<std::string>();
  s.buyer_id = r[i++].as<std::string>();
  s.reserved_us = r[i++].as<int64_t>();
  s.confirmed_us = r[i++].as<int64_t>();
  s.status = r[i++].as<int>();
  s.refunded = RefundShare(r[i++].as<int64_t>(), s.line_total);
  return s;
}

prometheus::Family<prometheus::Histogram>* ReadFamily(prometheus::Registry* metrics) {
  if (metrics == nullptr) return nullptr;
  return &prometheus::BuildHistogram()
              .Name("order_sales_read_seconds")
              .Help("Time to read one sales answer from the database, by RPC")
              .Register(*metrics);
}

prometheus::Histogram* ReadHistogram(prometheus::Family<prometheus::Histogram>* family,
                                     const std::string& rpc) {
  if (family == nullptr) return nullptr;
  return &family->Add({{"rpc", rpc}},
                      prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025,
                                                              0.05, 0.1, 0.25, 0.5, 1, 2.5});
}

// Observes the time since construction into `h` (may be null) when it goes out of scope.
class Timer {
 public:
  explicit Timer(prometheus::Histogram* h) : h_(h), start_(absl::Now()) {}
  ~Timer() {
    if (h_ != nullptr) h_->Observe(absl::ToDoubleSeconds(absl::Now() - start_));
  }

 private:
  prometheus::Histogram* h_;
  absl::Time start_;
};

}  // namespace

SalesStore::SalesStore(db::Pool& pool, prometheus::Registry* metrics) : pool_(pool) {
  prometheus::Family<prometheus::Histogram>* family = ReadFamily(metrics);
  stream_seconds_ = ReadHistogram(family, "GetStreamSales");
  seller_seconds_ = ReadHistogram(family, "GetSellerStats");
}

absl::StatusOr<StreamRead> SalesStore::ReadStream(const std::string& stream_id,
                                                  const std::string& seller_id,
                                                  const SaleCursor& after, int limit) {
  Timer timer(stream_seconds_);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamRead> {
    BeginSnapshot(tx);
    StreamRead read;
    std::map<std::string, ScopeFigures> figures =
        seller_id.empty()
            ? ReadFigures(tx, sql::Scope::kStream, true, stream_id)
            : ReadFigures(tx, sql::Scope::kStreamOfSeller, true, stream_id, seller_id);
    if (auto it = figures.find(stream_id); it != figures.end()) {
      read.figures = std::move(it->second);
    }
    if (Empty(read.figures)) {
      if (!seller_id.empty()) {
        read.others_sold = tx.exec_prepared1(sql::kStreamHasSales, stream_id)[0].as<bool>();
      }
      return read;
    }
    pqxx::result rows =
        seller_id.empty()
            ? tx.exec_prepared(sql::kSalesPage, stream_id, Bound(after.reserved_at), after.order_id,
                               after.line_no, limit)
            : tx.exec_prepared(sql::kSalesPageOfSeller, stream_id, Bound(after.reserved_at),
                               after.order_id, after.line_no, limit, seller_id);
    for (const pqxx::row& r : rows) read.sales.push_back(ReadSale(r));
    return read;
  });
}

absl::StatusOr<SellerRead> SalesStore::ReadSeller(const std::string& seller_id,
                                                  const Window& window, const StreamCursor& after,
                                                  int limit) {
  Timer timer(seller_seconds_);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<SellerRead> {
    BeginSnapshot(tx);
    SellerRead read;
    const std::string from = Bound(window.from);
    const std::string to = Bound(window.to);
    std::map<std::string, ScopeFigures> totals =
        ReadFigures(tx, sql::Scope::kSeller, false, seller_id, from, to);
    if (totals.empty()) return read;
    read.totals = std::move(totals.begin()->second);
    std::vector<std::string> ids;
    for (const pqxx::row& r : tx.exec_prepared(sql::kSellerStreams, seller_id, from, to,
                                               Bound(after.last_sale), after.stream_id, limit)) {
      ids.push_back(r[0].as<std::string>());
      read.streams.emplace_back(ids.back(), r[1].as<int64_t>());
    }
    if (ids.empty()) return read;
    read.per_stream =
        ReadFigures(tx, sql::Scope::kSellerStreams, true, seller_id, from, to, db::TextArray(ids));
    return read;
  });
}

}  // namespace shopcast::order::sales
