// Array literals read back by PostgreSQL itself: what goes in as a parameter is what the
// statement sees, element for element, whatever the text holds.
#include <catch2/catch.hpp>
#include <cstdint>
#include <pqxx/binarystring>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <string>
#include <vector>

#include "shopcast/db/pg_array.h"
#include "shopcast/testing/pg.h"

namespace shopcast::db {
namespace {

using shopcast::testing::TestDatabase;

struct Element {
  std::string name;
  int quantity;
};

TEST_CASE("text, integer and bytea arrays arrive element for element") {
  TestDatabase database = TestDatabase::Create();
  pqxx::connection c(database.dsn());
  pqxx::nontransaction tx(c);

  const std::vector<std::string> texts = {
      "plain",       "",     "a,b",      "{braces}", "\"quoted\"",
      "back\\slash", "NULL", " spaced ", "ünïcödé",  "line\nbreak"};
  pqxx::result r =
      tx.exec_params("SELECT t, n FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
                     TextArray(texts));
  REQUIRE(r.size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    CHECK_FALSE(r[i][0].is_null());
    CHECK(r[i][0].as<std::string>() == texts[i]);
  }
  CHECK(tx.exec_params1("SELECT cardinality($1::text[])", TextArray(std::vector<std::string>{}))[0]
            .as<int>() == 0);

  const std::vector<Element> items = {{"x\"y", -3}, {"", 7}};
  CHECK(tx.exec_params1("SELECT array_to_string($1::text[], '|')",
                        TextArray(items, &Element::name))[0]
            .as<std::string>() == "x\"y|");
  CHECK(tx.exec_params1("SELECT sum(q) FROM unnest($1::bigint[]) AS q",
                        IntArray(items, &Element::quantity))[0]
            .as<int64_t>() == 4);
  const std::vector<int64_t> big = {INT64_MIN, 0, INT64_MAX};
  CHECK(tx.exec_params1("SELECT $1::bigint[] = ARRAY[-9223372036854775808, 0, "
                        "9223372036854775807]::bigint[]",
                        IntArray(big))[0]
            .as<bool>());

  const std::string bytes("\x00\xff\"\\{},", 7);
  PgArray blobs;
  blobs.Bytes(bytes).Bytes("");
  pqxx::result b = tx.exec_params("SELECT x FROM unnest($1::bytea[]) AS x", blobs.Literal());
  REQUIRE(b.size() == 2);
  CHECK(pqxx::binarystring(b[0][0]).str() == bytes);
  CHECK(pqxx::binarystring(b[1][0]).str().empty());
}

}  // namespace
}  // namespace shopcast::db
