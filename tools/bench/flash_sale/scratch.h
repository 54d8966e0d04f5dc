#pragma once

// The audit after every flash-sale run on a database (its scratch database, checkpoint and
// settings are in common/scratch_db.h).

#include <cstdint>
#include <string>

#include "common/scratch_db.h"

namespace shopcast::bench::flash_sale {

struct AuditResult {
  // Units held or sold beyond a product's total, summed over products (must be 0).
  int64_t oversold = 0;
  // For every product stock.held == its active holds, stock.sold == its committed ones and
  // held + sold <= total.
  bool invariant = true;
  int64_t holds = 0;
  // Units in active holds, over all products.
  int64_t held_units = 0;
  // Units sold (stock.sold), over all products: the checkout benchmark's committed holds.
  int64_t sold_units = 0;
};

// Straight from the stock and holds tables, in one snapshot.
AuditResult Audit(const std::string& dsn);

}  // namespace shopcast::bench::flash_sale
