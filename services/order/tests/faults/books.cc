#include "faults/books.h"

#include <pqxx/pqxx>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace shopcast::order::faults {
namespace {

using PiStub = pi::ProductInventoryService::Stub;

struct OrderRow {
  std::string id;
  int status = 0;
  std::string step;
  int failure_reason = 0;
  int64_t total = 0;
  std::string payment_id;
  std::string reservation_id;
  std::string product_id;
  int64_t quantity = 0;
};

// The provider's books for one payment.
struct Payment {
  std::string state;
  int captures = 0;
  int64_t captured = 0;
  int64_t refunded = 0;
};

struct Hold {
  std::string id;
  std::string product_id;
  int64_t quantity = 0;
  std::string state;
  std::string order_id;  // The order it was sold to ('' unless committed).
};

std::string Text(const pqxx::field& f) { return f.is_null() ? std::string() : f.c_str(); }

std::string FailureName(int reason) {
  return std::string(
      absl::StripPrefix(pb::OrderFailureReason_Name(static_cast<pb::OrderFailureReason>(reason)),
                        "ORDER_FAILURE_REASON_"));
}

}  // namespace

std::vector<std::string> Unfinished(const std::string& order_dsn, int limit) {
  pqxx::connection c(order_dsn);
  pqxx::work tx(c);
  std::vector<std::string> out;
  for (const auto& row : tx.exec(absl::StrCat(
           "SELECT id, step, lease_owner, lease_until::text, resume_after::text FROM orders "
           "WHERE step <> 'done' ORDER BY id LIMIT ",
           limit))) {
    out.push_back(absl::StrCat(Text(row[0]), " at ", Text(row[1]), " (lease ", Text(row[2]),
                               " until ", Text(row[3]), ", resume after ", Text(row[4]), ")"));
  }
  return out;
}

Books ReadBooks(FaultWorld& world, const std::vector<Listed>& products) {
  Books b;
  auto violation = [&](std::string v) { b.violations.push_back(std::move(v)); };

  // ---- the order database: orders, their lines, the provider's ledger ----
  std::vector<OrderRow> orders;
  std::map<std::string, Payment> payments;
  std::map<std::string, int> sales_events;  // sale_recorded events per order
  {
    pqxx::connection c(world.order_dsn());
    pqxx::work tx(c);
    for (const auto& row :
         tx.exec("SELECT o.id, o.status, o.step, o.failure_reason, o.total_minor, o.payment_id, "
                 "l.reservation_id, l.product_id, l.quantity, "
                 "(SELECT count(*) FROM order_lines x WHERE x.order_id = o.id) "
                 "FROM orders o JOIN order_lines l ON l.order_id = o.id ORDER BY o.id")) {
      OrderRow o;
      o.id = Text(row[0]);
      o.status = row[1].as<int>();
      o.step = Text(row[2]);
      o.failure_reason = row[3].as<int>();
      o.total = row[4].as<int64_t>();
      o.payment_id = Text(row[5]);
      o.reservation_id = Text(row[6]);
      o.product_id = Text(row[7]);
      o.quantity = row[8].as<int64_t>();
      if (row[9].as<int>() != 1) violation(absl::StrCat(o.id, ": ", Text(row[9]), " lines"));
      orders.push_back(std::move(o));
    }
    b.orders = tx.exec1("SELECT count(*) FROM orders")[0].as<int>();
    if (b.orders != static_cast<int>(orders.size())) {
      violation(absl::StrCat(b.orders, " orders but ", orders.size(), " order lines"));
    }
    for (const auto& row : tx.exec("SELECT aggregate_id, count(DISTINCT event_id) FROM outbox "
                                   "WHERE type = 'order.sale_recorded' GROUP BY aggregate_id")) {
      sales_events[Text(row[0])] = row[1].as<int>();
    }
    for (const auto& row : tx.exec("SELECT payment_id, state FROM provider_payments")) {
      payments[Text(row[0])].state = Text(row[1]);
    }
    for (const auto& row :
         tx.exec("SELECT payment_id, count(*) FILTER (WHERE kind = 'capture'), "
                 "COALESCE(sum(amount_minor) FILTER (WHERE kind = 'capture'), 0)::bigint, "
                 "COALESCE(sum(amount_minor) FILTER (WHERE kind = 'refund'), 0)::bigint "
                 "FROM provider_ledger_entries GROUP BY payment_id")) {
      Payment& p = payments[Text(row[0])];
      p.captures = row[1].as<int>();
      p.captured = row[2].as<int64_t>();
      p.refunded = row[3].as<int64_t>();
      b.charged += p.captured - p.refunded;
    }
  }

  // ---- product-inventory's database: holds and stock counters ----
  std::map<std::string, Hold> holds;
  {
    pqxx::connection c(world.inventory_dsn());
    pqxx::work tx(c);
    for (const auto& row :
         tx.exec("SELECT id, product_id, quantity, state, order_id FROM holds ORDER BY id")) {
      Hold h{Text(row[0]), Text(row[1]), row[2].as<int64_t>(), Text(row[3]), Text(row[4])};
      ++b.holds[h.state];
      holds[h.id] = std::move(h);
    }
  }

  // ---- every order finished; its payment as its status says ----
  std::map<std::string, std::vector<const OrderRow*>> by_hold;
  std::map<std::string, int64_t> confirmed_units;  // per product
  std::set<std::string> order_payments;
  for (const OrderRow& o : orders) {
    by_hold[o.reservation_id].push_back(&o);
    order_payments.insert(o.payment_id);
    const Payment p = payments.count(o.payment_id) ? payments[o.payment_id] : Payment{};
    if (o.step != "done") violation(absl::StrCat(o.id, ": stuck at step ", o.step));
    // The room's sold ticker and the recording hear of a sale once, and only of a sale.
    const int sales = sales_events.count(o.id) ? sales_events[o.id] : 0;
    if (sales != (o.status == pb::ORDER_STATUS_CONFIRMED ? 1 : 0)) {
      violation(absl::StrCat(o.id, ": ",
                             pb::OrderStatus_Name(static_cast<pb::OrderStatus>(o.status)), " with ",
                             sales, " sale_recorded event(s)"));
    }
    if (o.status == pb::ORDER_STATUS_CONFIRMED) {
      ++b.confirmed;
      b.confirmed_total += o.total;
      confirmed_units[o.product_id] += o.quantity;
      if (p.captures != 1 || p.captured != o.total || p.refunded != 0) {
        violation(absl::StrCat(o.id, ": CONFIRMED for ", o.total, " but ", p.captures,
                               " capture(s) of ", p.captured, ", refunded ", p.refunded));
      }
    } else if (o.status == pb::ORDER_STATUS_FAILED) {
      ++b.failed[FailureName(o.failure_reason)];
      if (p.captured - p.refunded != 0) {
        violation(absl::StrCat(o.id, ": FAILED but charged ", p.captured - p.refunded));
      }
      if (p.state == "authorized" || p.state == "pending") {
        violation(absl::StrCat(o.id, ": FAILED but its payment is left ", p.state));
      }
    } else {
      violation(absl::StrCat(o.id, ": status ",
                             pb::OrderStatus_Name(static_cast<pb::OrderStatus>(o.status))));
    }
  }
  for (const auto& [payment_id, p] : payments) {
    if (!order_payments.count(payment_id) && (p.captured != 0 || p.state == "authorized")) {
      violation(absl::StrCat("payment ", payment_id, " of no order is ", p.state));
    }
  }
  if (b.charged != b.confirmed_total) {
    violation(absl::StrCat("the ledger charged ", b.charged, ", CONFIRMED orders total ",
                           b.confirmed_total));
  }

  // ---- every hold: committed with one paid order, or released with no charge ----
  std::map<std::string, int64_t> committed_units;  // per product
  for (const auto& [id, h] : holds) {
    static const std::vector<const OrderRow*> kNone;
    auto found = by_hold.find(id);
    const std::vector<const OrderRow*>& its = found == by_hold.end() ? kNone : found->second;
    if (its.size() != 1) {
      violation(absl::StrCat("hold ", id, " (", h.state, ") has ", its.size(), " orders"));
    }
    int confirmed = 0;
    const OrderRow* paid = nullptr;
    for (const OrderRow* o : its) {
      if (o->status == pb::ORDER_STATUS_CONFIRMED) {
        ++confirmed;
        paid = o;
      }
      if (o->quantity != h.quantity || o->product_id != h.product_id) {
        violation(absl::StrCat(o->id, ": bought ", o->quantity, " of ", o->product_id,
                               ", its hold ", id, " is ", h.quantity, " of ", h.product_id));
      }
    }
    if (h.state == "committed") {
      committed_units[h.product_id] += h.quantity;
      if (confirmed != 1 || paid->id != h.order_id) {
        violation(absl::StrCat("hold ", id, " sold to ", h.order_id, " but ", confirmed,
                               " of its orders CONFIRMED"));
      }
    } else if (h.state == "released" || h.state == "expired") {
      if (confirmed != 0) {
        violation(
            absl::StrCat("hold ", id, " ", h.state, " but its order ", paid->id, " is CONFIRMED"));
      }
    } else {
      violation(absl::StrCat("hold ", id, " left ", h.state));
    }
  }
  for (const auto& [reservation, its] : by_hold) {
    if (!holds.count(reservation)) {
      violation(absl::StrCat("order ", its.front()->id, " of unknown hold ", reservation));
    }
  }

  // ---- stock: nothing lost, nothing oversold ----
  pi::GetStockRequest req;
  for (const Listed& p : products) req.add_product_ids(p.id);
  pi::GetStockResponse res;
  const grpc::Status s = pit::Call(*world.Inventory(), &PiStub::GetStock, std::string(), req, &res);
  if (!s.ok() || res.stocks_size() != static_cast<int>(products.size())) {
    violation("GetStock: " + s.error_message());
    return b;
  }
  for (const pi::Stock& st : res.stocks()) {
    int64_t made = -1;
    for (const Listed& p : products) {
      if (p.id == st.product_id()) made = p.units;
    }
    b.units_sold += st.sold();
    const std::string name = st.product_id();
    if (st.available() + st.held() + st.sold() != st.total() || st.total() != made) {
      violation(absl::StrCat(name, ": available ", st.available(), " + held ", st.held(),
                             " + sold ", st.sold(), " vs total ", st.total(), " (made ", made,
                             ")"));
    }
    if (st.held() != 0) violation(absl::StrCat(name, ": ", st.held(), " units still held"));
    if (st.sold() != committed_units[name] || st.sold() != confirmed_units[name]) {
      violation(absl::StrCat(name, ": sold ", st.sold(), ", committed holds ",
                             committed_units[name], ", CONFIRMED orders ", confirmed_units[name]));
    }
  }
  return b;
}

}  // namespace shopcast::order::faults
