#pragma once

// A throwaway database for one test, on the PostgreSQL that the test run started.
//
// The run's admin DSN is read from the file named by $SHOPCAST_TEST_PG_ENV (written by the
// pg_start CTest fixture). Run pg tests through ctest (`ctest -L pg`), which starts it.

#include <string>
#include <string_view>

namespace shopcast::testing {

class TestDatabase {
 public:
  // Creates database t_<random>. Throws std::runtime_error (failing the test) when the
  // fixture's DSN is missing or the server refuses.
  static TestDatabase Create();

  TestDatabase(TestDatabase&& other) noexcept;
  TestDatabase& operator=(TestDatabase&& other) noexcept;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  // Drops the database, terminating any session still connected to it.
  ~TestDatabase();

  // libpq keyword/value DSN of this database.
  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }
  // The DSN of the run's maintenance database (superuser); throws like Create().
  static std::string AdminDsn();

 private:
  TestDatabase(std::string admin_dsn, std::string name, std::string dsn);
  void Drop() noexcept;

  std::string admin_dsn_;
  std::string name_;
  std::string dsn_;
};

// The plan PostgreSQL would cache for `sql` (a statement with `params` parameters, $1..$n)
// once it settles on a generic plan, as EXPLAIN prints it: what a long-lived connection runs
// when the statistics it was planned with (a fresh database's, say) no longer hold. Run on a
// connection of its own to `dsn`, so no pooled session's settings change.
std::string GenericPlan(const std::string& dsn, std::string_view sql, int params);

}  // namespace shopcast::testing
