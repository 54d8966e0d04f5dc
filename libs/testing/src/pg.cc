#include "shopcast/testing/pg.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <random>
#include <regex>
#include <stdexcept>
#include <utility>

namespace shopcast::testing {
namespace {

constexpr char kEnvVar[] = "SHOPCAST_TEST_PG_ENV";

std::string RandomName() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string name = "t_";
  for (int i = 0; i < 16; ++i) name += "0123456789abcdef"[hex(rd)];
  return name;
}

// The admin DSN with its dbname replaced (or added).
std::string WithDbName(const std::string& admin_dsn, const std::string& db) {
  static const std::regex kDbName(R"((^|\s)dbname=\S+)");
  if (std::regex_search(admin_dsn, kDbName)) {
    return std::regex_replace(admin_dsn, kDbName, "$1dbname=" + db);
  }
  return admin_dsn + " dbname=" + db;
}

}  // namespace

std::string TestDatabase::AdminDsn() {
  const char* file = std::getenv(kEnvVar);
  if (file == nullptr || *file == '\0') {
    throw std::runtime_error(
        std::string(kEnvVar) +
        " is not set: run PostgreSQL tests through ctest (e.g. `ctest -L pg`), whose pg_start "
        "fixture starts the test cluster");
  }
  std::ifstream in(file);
  std::string dsn;
  if (!in || !std::getline(in, dsn) || dsn.empty()) {
    throw std::runtime_error(std::string("no PostgreSQL DSN in ") + file + " (named by " + kEnvVar +
                             "): did the pg_start fixture run and succeed?");
  }
  return dsn;
}

TestDatabase TestDatabase::Create() {
  std::string admin = AdminDsn();
  std::string name = RandomName();
  try {
    pqxx::connection conn(admin);
    pqxx::nontransaction tx(conn);
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot create test database " + name + ": " + e.what());
  }
  std::string dsn = WithDbName(admin, name);
  return TestDatabase(std::move(admin), std::move(name), std::move(dsn));
}

TestDatabase::TestDatabase(std::string admin_dsn, std::string name, std::string dsn)
    : admin_dsn_(std::move(admin_dsn)), name_(std::move(name)), dsn_(std::move(dsn)) {}

TestDatabase::TestDatabase(TestDatabase&& other) noexcept
    : admin_dsn_(std::move(other.admin_dsn_)),
      name_(std::exchange(other.name_, std::string())),
      dsn_(std::move(other.dsn_)) {}

TestDatabase& TestDatabase::operator=(TestDatabase&& other) noexcept {
  if (this != &other) {
    Drop();
    admin_dsn_ = std::move(other.admin_dsn_);
    name_ = std::exchange(other.name_, std::string());
    dsn_ = std::move(other.dsn_);
  }
  return *this;
}

TestDatabase::~TestDatabase() { Drop(); }

void TestDatabase::Drop() noexcept {
  if (name_.empty()) return;
  try {
    pqxx::connection conn(admin_dsn_);
    pqxx::nontransaction tx(conn);
    // FORCE terminates sessions a test left open (a pool still alive, a stuck relay).
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    // The cluster is wiped when the run ends; a leftover database is only untidy.
    std::fprintf(stderr, "warning: could not drop test database %s: %s\n", name_.c_str(), e.what());
  }
  name_.clear();
}

std::string GenericPlan(const std::string& dsn, std::string_view sql, int params) {
  pqxx::connection conn(dsn);
  pqxx::nontransaction tx(conn);
  tx.exec0("SET plan_cache_mode = force_generic_plan");
  tx.exec0("PREPARE generic_plan_probe AS " + std::string(sql));
  // The values do not matter to a generic plan: NULL fits every parameter type.
  std::string execute = "EXPLAIN EXECUTE generic_plan_probe(";
  for (int i = 0; i < params; ++i) execute += i == 0 ? "NULL" : ", NULL";
  execute += ")";
  std::string plan;
  for (const auto& row : tx.exec(execute)) {
    plan += row[0].c_str();
    plan += '\n';
  }
  return plan;
}

}  // namespace shopcast::testing
