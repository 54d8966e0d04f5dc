#include "sales/summary.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "common/pg_time.h"
#include "sales/rules.h"

namespace shopcast::order::sales {
namespace {

void AddMoney(google::protobuf::RepeatedPtrField<common::v1::Money>* list,
              const std::string& currency, int64_t minor) {
  common::v1::Money* m = list->Add();
  m->set_currency(currency);
  m->set_amount_minor(minor);
}

}  // namespace

v1::SalesTotals BuildTotals(const ScopeFigures& figures) {
  std::vector<TotalsRow> rows = figures.totals;
  std::sort(rows.begin(), rows.end(),
            [](const TotalsRow& a, const TotalsRow& b) { return a.currency < b.currency; });
  v1::SalesTotals t;
  for (const TotalsRow& r : rows) {
    t.set_order_count(t.order_count() + r.paid_orders);
    t.set_units_sold(t.units_sold() + r.units);
    t.set_cancelled_count(t.cancelled_count() + r.cancelled_orders);
    t.set_refunded_count(t.refunded_count() + r.refunded_orders);
    AddMoney(t.mutable_gross_revenue(), r.currency, r.gross);
    AddMoney(t.mutable_shipping_revenue(), r.currency, r.shipping);
    AddMoney(t.mutable_refunded(), r.currency, r.refunded);
    AddMoney(t.mutable_net_revenue(), r.currency, r.net);
    AddMoney(t.mutable_average_order_value(), r.currency,
             r.paid_orders > 0 ? r.gross / r.paid_orders : 0);
  }
  t.set_unique_buyers(figures.unique_buyers);
  return t;
}

bool Empty(const ScopeFigures& figures) { return figures.totals.empty(); }

void BuildSummary(const std::string& stream_id, const ScopeFigures& figures,
                  v1::StreamSalesSummary* summary) {
  summary->set_stream_id(stream_id);
  *summary->mutable_totals() = BuildTotals(figures);

  std::vector<ProductRow> products = figures.products;
  std::sort(products.begin(), products.end(), [](const ProductRow& a, const ProductRow& b) {
    return std::make_tuple(-a.units, -a.revenue, a.product_id, a.access_pass, a.currency) <
           std::make_tuple(-b.units, -b.revenue, b.product_id, b.access_pass, b.currency);
  });
  if (products.size() > static_cast<size_t>(kMaxProducts)) products.resize(kMaxProducts);
  for (const ProductRow& p : products) {
    v1::ProductSales* out = summary->add_products();
    out->set_product_id(p.product_id);
    out->set_title(p.access_pass && p.title.empty() ? kAccessPassTitle : p.title);
    out->set_units_sold(p.units);
    out->mutable_revenue()->set_currency(p.currency);
    out->mutable_revenue()->set_amount_minor(p.revenue);
    out->set_access_pass(p.access_pass);
    out->set_order_count(p.orders);
  }

  // Minute -> currency -> row: currencies by code within a minute, minutes ascending.
  std::map<int64_t, std::map<std::string, const MinuteRow*>> minutes;
  for (const MinuteRow& m : figures.minutes) minutes[m.minute][m.currency] = &m;
  auto first = minutes.begin();
  if (minutes.size() > static_cast<size_t>(kMaxMinutes)) {
    std::advance(first, minutes.size() - kMaxMinutes);
    summary->set_per_minute_truncated(true);
  }
  for (auto it = first; it != minutes.end(); ++it) {
    v1::MinuteSales* out = summary->add_per_minute();
    ToProto(MinuteStart(it->first), out->mutable_minute_start());
    for (const auto& [currency, row] : it->second) {
      out->set_order_count(out->order_count() + row->orders);
      out->set_units_sold(out->units_sold() + row->units);
      AddMoney(out->mutable_revenue(), currency, row->revenue);
    }
  }

  if (!figures.totals.empty()) {
    int64_t first_us = figures.totals.front().first_sale_us;
    int64_t last_us = figures.totals.front().last_sale_us;
    for (const TotalsRow& r : figures.totals) {
      first_us = std::min(first_us, r.first_sale_us);
      last_us = std::max(last_us, r.last_sale_us);
    }
    ToProto(absl::FromUnixMicros(first_us), summary->mutable_first_sale_at());
    ToProto(absl::FromUnixMicros(last_us), summary->mutable_last_sale_at());
  }
}

}  // namespace shopcast::order::sales
