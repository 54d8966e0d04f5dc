#include <catch2/catch.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <string>
#include <thread>
#include <vector>

#include "shopcast/db/migrations.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"

namespace shopcast::db {
namespace {

using shopcast::testing::TestDatabase;

int QueryInt(const TestDatabase& db, const std::string& sql) {
  pqxx::connection conn(db.dsn());
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<int>();
}

bool TableExists(const TestDatabase& db, const std::string& table) {
  return QueryInt(db, "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'") == 1;
}

const MigrationSet kShop{"shop",
                         {{1, "V001__create_items.sql", "CREATE TABLE items (id int PRIMARY KEY);"},
                          {2, "V002__add_name.sql", "ALTER TABLE items ADD COLUMN name text;"}}};
const MigrationSet kAudit{"audit",
                          {{1, "V001__create_log.sql", "CREATE TABLE audit_log (x int);"}}};

TEST_CASE("ApplyMigrations applies every set once: re-applying is a no-op") {
  TestDatabase db = TestDatabase::Create();
  REQUIRE(ApplyMigrations(db.dsn(), {&kShop, &kAudit}).ok());
  CHECK(TableExists(db, "items"));
  CHECK(TableExists(db, "audit_log"));
  CHECK(QueryInt(db,
                 "SELECT count(*) FROM information_schema.columns "
                 "WHERE table_name = 'items' AND column_name = 'name'") == 1);
  CHECK(QueryInt(db, "SELECT count(*) FROM schema_migrations") == 3);
  CHECK(QueryInt(db,
                 "SELECT count(*) FROM schema_migrations WHERE component = 'shop' AND "
                 "checksum = '" +
                     MigrationChecksum(kShop.migrations[1].sql) + "'") == 1);

  // Again (the CREATE TABLEs would fail if run twice), and with a new migration appended.
  MigrationSet grown = kShop;
  grown.migrations.push_back({3, "V003__seed.sql", "INSERT INTO items VALUES (1, 'a');"});
  REQUIRE(ApplyMigrations(db.dsn(), {&grown, &kAudit}).ok());
  REQUIRE(ApplyMigrations(db.dsn(), {&grown, &kAudit}).ok());
  CHECK(QueryInt(db, "SELECT count(*) FROM items") == 1);
  CHECK(QueryInt(db, "SELECT count(*) FROM schema_migrations") == 4);
}

TEST_CASE("ApplyMigrationsWhenReachable retries an unreachable database, then gives up") {
  // Nothing listens on port 1: every attempt is UNAVAILABLE.
  absl::Time start = absl::Now();
  absl::Status s = ApplyMigrationsWhenReachable("host=127.0.0.1 port=1 connect_timeout=2", {&kShop},
                                                absl::Seconds(2));
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - start >= absl::Seconds(2));  // It kept trying for the whole wait.

  // A reachable database is migrated at the first attempt; other errors are not retried.
  TestDatabase db = TestDatabase::Create();
  REQUIRE(ApplyMigrationsWhenReachable(db.dsn(), {&kShop}).ok());
  CHECK(TableExists(db, "items"));
  MigrationSet broken{"broken", {{1, "V001__bad.sql", "CREATE TABLE;"}}};
  start = absl::Now();
  CHECK(ReasonOf(ApplyMigrationsWhenReachable(db.dsn(), {&broken})) == "MIGRATION_FAILED");
  CHECK(absl::Now() - start < absl::Seconds(5));
}

TEST_CASE("An applied migration that was edited is refused, naming the file") {
  TestDatabase db = TestDatabase::Create();
  REQUIRE(ApplyMigrations(db.dsn(), {&kShop}).ok());
  MigrationSet edited = kShop;
  edited.migrations[1].sql = "ALTER TABLE items ADD COLUMN name varchar(10);";
  edited.migrations.push_back({3, "V003__more.sql", "CREATE TABLE more (x int);"});
  const absl::Status s = ApplyMigrations(db.dsn(), {&edited});
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == "MIGRATION_CHECKSUM_MISMATCH");
  CHECK(std::string(s.message()).find("shop/V002__add_name.sql") != std::string::npos);
  CHECK_FALSE(TableExists(db, "more"));  // Nothing after the mismatch ran.
}

TEST_CASE("A failing migration leaves nothing of itself: earlier ones stay applied") {
  TestDatabase db = TestDatabase::Create();
  const MigrationSet broken{
      "shop",
      {{1, "V001__ok.sql", "CREATE TABLE ok (x int);"},
       {2, "V002__half.sql", "CREATE TABLE half (x int);\nCREATE TABLE half (y int);"},
       {3, "V003__later.sql", "CREATE TABLE later (x int);"}}};
  const absl::Status s = ApplyMigrations(db.dsn(), {&broken});
  CHECK_FALSE(s.ok());
  CHECK(ReasonOf(s) == "MIGRATION_FAILED");
  CHECK(std::string(s.message()).find("shop/V002__half.sql") != std::string::npos);
  CHECK(std::string(s.message()).find("42P07") != std::string::npos);
  CHECK(TableExists(db, "ok"));
  CHECK_FALSE(TableExists(db, "half"));
  CHECK_FALSE(TableExists(db, "later"));
  CHECK(QueryInt(db, "SELECT count(*) FROM schema_migrations") == 1);
  // The advisory lock was released: a fixed set applies now.
  const MigrationSet fixed{"shop",
                           {broken.migrations[0],
                            {2, "V002__half.sql", "CREATE TABLE half (x int);"},
                            broken.migrations[2]}};
  CHECK(ApplyMigrations(db.dsn(), {&fixed}).ok());
  CHECK(TableExists(db, "later"));
}

TEST_CASE("Concurrent ApplyMigrations from four threads apply each migration exactly once") {
  TestDatabase db = TestDatabase::Create();
  // Slow enough that the threads overlap; fails outright if run twice (no IF NOT EXISTS).
  const MigrationSet slow{
      "shop",
      {{1, "V001__a.sql", "CREATE TABLE a (x int); SELECT pg_sleep(0.2);"},
       {2, "V002__b.sql", "CREATE TABLE b (x int); INSERT INTO b VALUES (1);"}}};
  std::vector<absl::Status> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = ApplyMigrations(db.dsn(), {&slow}); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) CHECK(r.ok());
  CHECK(QueryInt(db, "SELECT count(*) FROM schema_migrations") == 2);
  CHECK(QueryInt(db, "SELECT count(*) FROM b") == 1);
}

TEST_CASE("An invalid set is refused before touching the database") {
  TestDatabase db = TestDatabase::Create();
  const MigrationSet bad{"shop", {{2, "V002__b.sql", "SELECT 1"}, {2, "V002__c.sql", "SELECT 1"}}};
  const absl::Status s = ApplyMigrations(db.dsn(), {&bad});
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == "MIGRATION_INVALID");
  CHECK_FALSE(TableExists(db, "schema_migrations"));
}

// A service runs as a DML-only role once its owner role has migrated (k8s/README.md, Database
// roles): starting up must still work, and a pending migration must fail without a trace.
TEST_CASE("A role without CREATE starts on a migrated database and cannot apply a pending one") {
  TestDatabase db = TestDatabase::Create();
  REQUIRE(ApplyMigrations(db.dsn(), {&kShop}).ok());
  const std::string role = db.name() + "_app";
  {
    pqxx::connection conn(db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec0("CREATE ROLE " + role + " LOGIN");
    tx.exec0("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    tx.exec0("GRANT USAGE ON SCHEMA public TO " + role);
    tx.exec0("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
  }
  const std::string app_dsn = db.dsn() + " user=" + role;

  CHECK(ApplyMigrations(app_dsn, {&kShop}).ok());

  MigrationSet grown = kShop;
  grown.migrations.push_back({3, "V003__more.sql", "CREATE TABLE more_items (id int);"});
  const absl::Status s = ApplyMigrations(app_dsn, {&grown});
  CHECK_FALSE(s.ok());
  CHECK(ReasonOf(s) == "MIGRATION_FAILED");
  CHECK_FALSE(TableExists(db, "more_items"));
  CHECK(QueryInt(db, "SELECT count(*) FROM schema_migrations") == 2);

  pqxx::connection conn(db.dsn());
  pqxx::nontransaction tx(conn);
  tx.exec0("DROP OWNED BY " + role);
  tx.exec0("DROP ROLE " + role);
}

TEST_CASE("An unreachable database is UNAVAILABLE") {
  const absl::Status s =
      ApplyMigrations("host=127.0.0.1 port=1 user=x dbname=x connect_timeout=2", {&kShop});
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(s) == "DB_UNREACHABLE");
}

}  // namespace
}  // namespace shopcast::db
