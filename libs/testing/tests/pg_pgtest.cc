#include <catch2/catch.hpp>
#include <cstdlib>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <stdexcept>
#include <string>

#include "shopcast/testing/pg.h"

namespace shopcast::testing {
namespace {

bool DatabaseExists(const std::string& name) {
  pqxx::connection conn(TestDatabase::AdminDsn());
  pqxx::nontransaction tx(conn);
  return !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty();
}

TEST_CASE("TestDatabase gives each test its own empty database and drops it afterwards") {
  std::string name;
  {
    TestDatabase a = TestDatabase::Create();
    TestDatabase b = TestDatabase::Create();
    name = a.name();
    CHECK(a.name() != b.name());
    CHECK(a.name().rfind("t_", 0) == 0);

    pqxx::connection conn(a.dsn());
    pqxx::work tx(conn);
    CHECK(tx.exec1("SELECT current_database()")[0].as<std::string>() == a.name());
    tx.exec0("CREATE TABLE t (x int)");
    tx.commit();
    CHECK(DatabaseExists(name));
    // `conn` is still open here: the destructor must drop the database regardless.
  }
  CHECK_FALSE(DatabaseExists(name));
}

TEST_CASE("TestDatabase moves ownership: the database is dropped once, by the last owner") {
  TestDatabase a = TestDatabase::Create();
  const std::string name = a.name();
  TestDatabase b = std::move(a);
  CHECK(b.name() == name);
  CHECK(DatabaseExists(name));
}

TEST_CASE("Without the fixture's DSN, TestDatabase fails the test with a clear message") {
  const char* env = std::getenv("SHOPCAST_TEST_PG_ENV");
  REQUIRE(env != nullptr);
  const std::string saved = env;
  ::setenv("SHOPCAST_TEST_PG_ENV", "/nonexistent/test-pg/dsn", 1);
  CHECK_THROWS_WITH(TestDatabase::Create(),
                    Catch::Contains("/nonexistent/test-pg/dsn") && Catch::Contains("pg_start"));
  ::unsetenv("SHOPCAST_TEST_PG_ENV");
  CHECK_THROWS_AS(TestDatabase::Create(), std::runtime_error);
  ::setenv("SHOPCAST_TEST_PG_ENV", saved.c_str(), 1);
}

}  // namespace
}  // namespace shopcast::testing
