#include "shopcast/db/migrations.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shopcast/status/status.h"

namespace shopcast::db::embedded {
const MigrationSet& dbtestMigrations();  // Generated from tests/testdata/migrations.
}  // namespace shopcast::db::embedded

namespace shopcast::db {
namespace {

TEST_CASE("embedded migrations carry every file verbatim, numbered from the file name") {
  const MigrationSet& set = embedded::dbtestMigrations();
  CHECK(set.component == "dbtest");
  REQUIRE(set.migrations.size() == 3);
  CHECK(set.migrations[0].version == 1);
  CHECK(set.migrations[0].name == "V001__create_widgets.sql");
  CHECK(set.migrations[1].version == 2);
  CHECK(set.migrations[1].name == "V002__add_colour.sql");
  CHECK(set.migrations[2].version == 10);
  CHECK(set.migrations[2].sql == "CREATE INDEX widgets_label_idx ON widgets (label);\n");
  const std::string& first = set.migrations[0].sql;
  CHECK(first.find(R"(quotes ", backslashes \, ${not_a_var} and ; survive.)") != std::string::npos);
  CHECK(first.find("DEFAULT 'a;b'") != std::string::npos);
  CHECK(ValidateMigrations({&set}).ok());
}

TEST_CASE("the checksum is the SHA-256 of the SQL text") {
  CHECK(MigrationChecksum("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(MigrationChecksum("CREATE TABLE a ();") != MigrationChecksum("CREATE TABLE a ( );"));
}

MigrationSet Set(std::string component, std::vector<Migration> migrations) {
  return MigrationSet{std::move(component), std::move(migrations)};
}

void CheckInvalid(const std::vector<const MigrationSet*>& sets, const std::string& mentions) {
  const absl::Status s = ValidateMigrations(sets);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == "MIGRATION_INVALID");
  CHECK(std::string(s.message()).find(mentions) != std::string::npos);
}

TEST_CASE("migration sets with out-of-order, duplicate or empty entries are refused") {
  const MigrationSet good =
      Set("a", {{1, "V001__x.sql", "SELECT 1"}, {3, "V003__y.sql", "SELECT 1"}});
  CHECK(ValidateMigrations({&good}).ok());

  const MigrationSet duplicate =
      Set("a", {{1, "V001__x.sql", "SELECT 1"}, {1, "V001__y.sql", "SELECT 1"}});
  CheckInvalid({&duplicate}, "a/V001__y.sql");
  const MigrationSet decreasing =
      Set("a", {{2, "V002__x.sql", "SELECT 1"}, {1, "V001__y.sql", "SELECT 1"}});
  CheckInvalid({&decreasing}, "a/V001__y.sql");
  const MigrationSet zero = Set("a", {{0, "V000__x.sql", "SELECT 1"}});
  CheckInvalid({&zero}, "V000__x.sql");
  const MigrationSet empty_sql = Set("a", {{1, "V001__x.sql", " \n"}});
  CheckInvalid({&empty_sql}, "is empty");
  const MigrationSet no_component = Set("", {{1, "V001__x.sql", "SELECT 1"}});
  CheckInvalid({&no_component}, "component");
  CheckInvalid({&good, &good}, "given twice");
  CheckInvalid({nullptr}, "null");
}

}  // namespace
}  // namespace shopcast::db
