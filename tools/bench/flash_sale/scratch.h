#pragma once

// What every flash-sale run needs around the database: a database of its own, a checkpoint
// before the run, and the audit after it.

#include <cstdint>
#include <string>

namespace shopcast::bench::flash_sale {

// A database of its own for one run on the cluster of `admin_dsn`, dropped afterwards.
class ScratchDb {
 public:
  explicit ScratchDb(const std::string& admin_dsn);
  ~ScratchDb();
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;
  const std::string& dsn() const { return dsn_; }

 private:
  std::string admin_dsn_, name_, dsn_;
};

// So no run pays for the previous run's WAL (a checkpoint mid-run makes every first touch of a
// page log the whole page).
void Checkpoint(const std::string& admin_dsn);

struct AuditResult {
  // Units held or sold beyond a product's total, summed over products (must be 0).
  int64_t oversold = 0;
  // For every product stock.held == its active holds, stock.sold == its committed ones and
  // held + sold <= total.
  bool invariant = true;
  int64_t holds = 0;
  // Units in active holds, over all products.
  int64_t held_units = 0;
};

// Straight from the stock and holds tables, in one snapshot.
AuditResult Audit(const std::string& dsn);

// "server 15.x; synchronous_commit=on fsync=on wal_sync_method=…".
std::string Settings(const std::string& admin_dsn);

}  // namespace shopcast::bench::flash_sale
