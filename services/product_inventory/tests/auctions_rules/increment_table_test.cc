// The increment table: lookups by price band and the checks on a seller's own table.
#include "auctions_rules/increment_table.h"

#include <catch2/catch.hpp>

#include "auctions_rules/money.h"
#include "shopcast/status/status.h"

namespace ar = shopcast::product_inventory::auctions_rules;

TEST_CASE("the default table gives eBay's steps by price band") {
  const ar::IncrementTable table = ar::IncrementTable::Default();
  struct Case {
    int64_t price;
    int64_t increment;
  };
  const Case cases[] = {{0, 5},
                        {99, 5},
                        {100, 25},
                        {499, 25},
                        {500, 50},
                        {2'499, 50},
                        {2'500, 100},
                        {9'999, 100},
                        {10'000, 250},
                        {24'999, 250},
                        {25'000, 500},
                        {50'000, 1'000},
                        {100'000, 2'500},
                        {250'000, 5'000},
                        {499'999, 5'000},
                        {500'000, 10'000},
                        {ar::kMaxAmountMinor, 10'000}};
  for (const Case& c : cases) {
    INFO(c.price);
    CHECK(table.IncrementAt(c.price) == c.increment);
  }
  // The default passes its own checks.
  CHECK(ar::IncrementTable::Create(table.steps()).ok());
}

TEST_CASE("a seller's table is accepted when bands ascend and steps are positive") {
  auto table = ar::IncrementTable::Create({{1'000, 100}, {5'000, 100}, {std::nullopt, 500}});
  REQUIRE(table.ok());
  CHECK(table->IncrementAt(999) == 100);
  CHECK(table->IncrementAt(1'000) == 100);
  CHECK(table->IncrementAt(4'999) == 100);
  CHECK(table->IncrementAt(5'000) == 500);
  auto flat = ar::IncrementTable::Create({{std::nullopt, 1}});
  REQUIRE(flat.ok());
  CHECK(flat->IncrementAt(123'456) == 1);
}

TEST_CASE("bad tables are refused with the offending step") {
  using Steps = std::vector<ar::IncrementStep>;
  struct Case {
    const char* what;
    Steps steps;
    const char* field;
  };
  const Case cases[] = {
      {"empty", {}, "increments"},
      {"eleven steps",
       {{1, 1},
        {2, 1},
        {3, 1},
        {4, 1},
        {5, 1},
        {6, 1},
        {7, 1},
        {8, 1},
        {9, 1},
        {10, 1},
        {std::nullopt, 1}},
       "increments"},
      {"zero increment", {{std::nullopt, 0}}, "increments[0]"},
      {"negative increment", {{100, 5}, {std::nullopt, -5}}, "increments[1]"},
      {"huge increment", {{std::nullopt, ar::kMaxAmountMinor + 1}}, "increments[0]"},
      {"bounded last step", {{100, 5}, {200, 10}}, "increments[1]"},
      {"unbounded middle step", {{100, 5}, {std::nullopt, 10}, {300, 20}}, "increments[1]"},
      {"descending bounds", {{500, 5}, {100, 10}, {std::nullopt, 20}}, "increments[1]"},
      {"equal bounds", {{100, 5}, {100, 10}, {std::nullopt, 20}}, "increments[1]"},
      {"zero bound", {{0, 5}, {std::nullopt, 10}}, "increments[0]"},
      {"negative bound", {{-100, 5}, {std::nullopt, 10}}, "increments[0]"},
      {"shrinking steps", {{100, 50}, {std::nullopt, 10}}, "increments[1]"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto table = ar::IncrementTable::Create(c.steps);
    REQUIRE_FALSE(table.ok());
    CHECK(table.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(shopcast::ReasonOf(table.status()) == "INCREMENT_TABLE_INVALID");
    CHECK(shopcast::FieldOf(table.status()) == c.field);
  }
}
