// The pin list's rules on plain values: positions, moves, idempotency and the limit.

#include "pins/pin_list.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shopcast/status/status.h"

namespace shopcast::product_inventory::pins {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

std::vector<std::string> Ids(const PinList& pins) {
  std::vector<std::string> out;
  for (const Pin& p : pins) out.push_back(p.product_id);
  return out;
}

PinList List(const std::vector<std::string>& ids) {
  PinList out;
  for (size_t i = 0; i < ids.size(); ++i) out.push_back(Pin{ids[i], kT0 + absl::Seconds(i)});
  return out;
}

TEST_CASE("pin list: a new pin goes to its position and the others shift down") {
  auto r = ApplyPin(List({"a", "b"}), "c", 0, 3, kT0 + absl::Hours(1));
  REQUIRE(r.ok());
  CHECK(r->changed);
  CHECK(Ids(r->pins) == std::vector<std::string>{"c", "a", "b"});
  CHECK(r->pins[0].pinned_at == kT0 + absl::Hours(1));

  r = ApplyPin(List({"a"}), "b", 1, 3, kT0);
  REQUIRE(r.ok());
  CHECK(Ids(r->pins) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("pin list: a position beyond the list lands last") {
  auto r = ApplyPin(List({}), "a", 2, 3, kT0);
  REQUIRE(r.ok());
  CHECK(Ids(r->pins) == std::vector<std::string>{"a"});
  r = ApplyPin(List({"a"}), "b", 2, 3, kT0);
  REQUIRE(r.ok());
  CHECK(Ids(r->pins) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("pin list: re-pinning at the same slot changes nothing, elsewhere it moves") {
  auto same = ApplyPin(List({"a", "b", "c"}), "b", 1, 3, kT0 + absl::Hours(1));
  REQUIRE(same.ok());
  CHECK_FALSE(same->changed);
  CHECK(Ids(same->pins) == std::vector<std::string>{"a", "b", "c"});

  // Last slot asked beyond the end: the product already there stays.
  auto last = ApplyPin(List({"a", "b"}), "b", 2, 3, kT0);
  REQUIRE(last.ok());
  CHECK_FALSE(last->changed);

  auto moved = ApplyPin(List({"a", "b", "c"}), "a", 2, 3, kT0 + absl::Hours(1));
  REQUIRE(moved.ok());
  CHECK(moved->changed);
  CHECK(Ids(moved->pins) == std::vector<std::string>{"b", "c", "a"});
  // A move keeps when it was first pinned.
  CHECK(moved->pins[2].pinned_at == kT0);
}

TEST_CASE("pin list: the limit refuses a new pin but not a move") {
  auto full = ApplyPin(List({"a", "b", "c"}), "d", 0, 3, kT0);
  REQUIRE_FALSE(full.ok());
  CHECK(full.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(full.status()) == "PIN_LIMIT_REACHED");

  auto move = ApplyPin(List({"a", "b", "c"}), "c", 0, 3, kT0);
  REQUIRE(move.ok());
  CHECK(Ids(move->pins) == std::vector<std::string>{"c", "a", "b"});

  // A lower limit than the list (config changed between deployments): still no new pin.
  CHECK_FALSE(ApplyPin(List({"a", "b", "c"}), "d", 0, 2, kT0).ok());
}

TEST_CASE("pin list: unpin removes it and keeps the order, unpinning again changes nothing") {
  PinChange r = ApplyUnpin(List({"a", "b", "c"}), "b");
  CHECK(r.changed);
  CHECK(Ids(r.pins) == std::vector<std::string>{"a", "c"});
  PinChange again = ApplyUnpin(r.pins, "b");
  CHECK_FALSE(again.changed);
  CHECK(Ids(again.pins) == std::vector<std::string>{"a", "c"});
}

}  // namespace
}  // namespace shopcast::product_inventory::pins
