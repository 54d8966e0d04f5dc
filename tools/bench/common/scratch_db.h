#pragma once

// What every benchmark run needs around the database: a database of its own, a checkpoint
// before the run, and the server's durability settings to print beside the results.

#include <string>

namespace shopcast::bench {

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

// "server 15.x; synchronous_commit=on fsync=on wal_sync_method=…".
std::string Settings(const std::string& admin_dsn);

}  // namespace shopcast::bench
