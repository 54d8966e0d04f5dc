#pragma once

// The fault test's referee: reads both databases after a run (the order service's orders and
// the simulated provider's ledger; product-inventory's holds and stock) and checks that they
// tell one story:
//   - every order is finished (step 'done', CONFIRMED or FAILED);
//   - every hold is exactly one of: committed, with exactly one order of it CONFIRMED, whose
//     payment has exactly one capture of the order's total and nothing refunded; or released /
//     expired, with no order of it CONFIRMED and no net charge on any of them (nor an
//     authorization left open);
//   - each hold has exactly one order (a retried PlaceOrder never made a second);
//   - each CONFIRMED order has exactly one sale_recorded event in the outbox, and no other
//     order has one;
//   - the ledger's captures minus refunds equal the sum of CONFIRMED orders' totals, and it
//     holds no payment of an order that does not exist;
//   - per product, available + held + sold == total (product-inventory's GetStock), nothing is
//     held any more, and sold == the units of committed holds == the units of CONFIRMED
//     orders.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "faults/fault_world.h"

namespace shopcast::order::faults {

struct Books {
  int orders = 0;
  int confirmed = 0;
  // FAILED orders by failure reason (PAYMENT_DECLINED, …).
  std::map<std::string, int> failed;
  // Holds by state (committed, released, expired, and anything else found).
  std::map<std::string, int> holds;
  // Captures minus refunds in the ledger, and the CONFIRMED orders' totals.
  int64_t charged = 0;
  int64_t confirmed_total = 0;
  int64_t units_sold = 0;
  // Everything that disagreed; empty when the books are straight.
  std::vector<std::string> violations;
};

// Orders whose saga has not finished (step <> 'done'), with their step, at most `limit`.
std::vector<std::string> Unfinished(const std::string& order_dsn, int limit = 10);

// Reads and checks everything listed above; `products` are every product sold, with the units
// they were made with.
Books ReadBooks(FaultWorld& world, const std::vector<Listed>& products);

}  // namespace shopcast::order::faults
