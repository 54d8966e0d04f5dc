// The lottery draw against known vectors computed by the independent reference
// (src/lottery_rules/verify_draw.py), plus the properties an auditor relies on.

#include "lottery_rules/draw.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace shopcast::product_inventory::lottery_rules {
namespace {

std::string Seed(unsigned char first_byte_step) {
  std::string s(kSeedBytes, '\0');
  for (size_t i = 0; i < kSeedBytes; ++i) s[i] = static_cast<char>(i * first_byte_step);
  return s;
}

std::vector<std::string> Users(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back((i < 10 ? "usr_0" : "usr_") + std::to_string(i));
  return out;
}

TEST_CASE("lottery draw: known vectors from the reference implementation") {
  const std::string seed = Seed(1);  // 00 01 02 ... 1f
  CHECK(ToHex(Commitment(seed)) ==
        "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");

  auto three = Draw(seed, Users(10), 3);
  REQUIRE(three.ok());
  CHECK(ToHex(three->entrants_digest) ==
        "3970158067db7758d32279c1a149e020cc74bf46f6ce3b6095fba5318314d30f");
  CHECK(three->winners == std::vector<std::string>{"usr_08", "usr_03", "usr_06"});
  CHECK(three->winner_indexes == std::vector<size_t>{8, 3, 6});

  // Every entrant wins when units cover them, in the shuffle's order; more units change
  // nothing.
  const std::vector<std::string> all = {"usr_08", "usr_03", "usr_06", "usr_09", "usr_01",
                                        "usr_00", "usr_05", "usr_02", "usr_04", "usr_07"};
  CHECK(Draw(seed, Users(10), 10)->winners == all);
  CHECK(Draw(seed, Users(10), 20)->winners == all);

  const std::string ff(kSeedBytes, '\xff');
  auto two = Draw(ff, {"usr_alice", "usr_bob", "usr_carol", "usr_dave", "usr_erin"}, 2);
  REQUIRE(two.ok());
  CHECK(ToHex(two->entrants_digest) ==
        "0a3e33e7c74d2415ed8f06313b71331b21e3e17257e6c94457f129ba46faa660");
  CHECK(two->winners == std::vector<std::string>{"usr_alice", "usr_bob"});

  auto none = Draw(ff, {}, 2);
  REQUIRE(none.ok());
  CHECK(none->winners.empty());
  // SHA-256 of nothing.
  CHECK(ToHex(none->entrants_digest) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Draw(ff, {"usr_solo"}, 5)->winners == std::vector<std::string>{"usr_solo"});
}

TEST_CASE("lottery draw: Verify accepts the record and refuses a wrong seed or winners") {
  const std::string seed = NewSeed();
  REQUIRE(seed.size() == kSeedBytes);
  const std::string commitment = Commitment(seed);
  const std::vector<std::string> entrants = Users(50);
  auto drawn = Draw(seed, entrants, 7);
  REQUIRE(drawn.ok());
  CHECK(Verify(seed, commitment, entrants, 7, drawn->winners).ok());

  std::string other = seed;
  other[0] = static_cast<char>(other[0] ^ 1);
  CHECK(Verify(other, commitment, entrants, 7, drawn->winners).code() ==
        absl::StatusCode::kFailedPrecondition);
  std::vector<std::string> swapped = drawn->winners;
  std::swap(swapped[0], swapped[1]);
  CHECK(Verify(seed, commitment, entrants, 7, swapped).code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("lottery draw: tampering with the entrant list changes the digest and the result") {
  const std::string seed = Seed(7);
  const std::vector<std::string> entrants = Users(40);
  auto honest = Draw(seed, entrants, 5);
  REQUIRE(honest.ok());

  std::vector<std::string> added = entrants;
  added.push_back("usr_sneaky");
  std::vector<std::string> removed(entrants.begin() + 1, entrants.end());
  std::vector<std::string> moved = entrants;
  std::swap(moved[38], moved[39]);  // two entrants the honest draw may never touch
  for (const auto* list : {&added, &removed, &moved}) {
    auto tampered = Draw(seed, *list, 5);
    REQUIRE(tampered.ok());
    CHECK(tampered->entrants_digest != honest->entrants_digest);
    CHECK(tampered->winners != honest->winners);
    CHECK_FALSE(Verify(seed, Commitment(seed), *list, 5, honest->winners).ok());
  }
}

TEST_CASE("lottery draw: winners are distinct entrants, min(units, entrants) of them") {
  for (int n : {0, 1, 2, 5, 33, 200}) {
    for (int units : {0, 1, 3, 50, 250}) {
      auto drawn = Draw(NewSeed(), Users(n), units);
      REQUIRE(drawn.ok());
      const size_t k = static_cast<size_t>(std::min(n, units));
      CHECK(drawn->winners.size() == k);
      std::set<std::string> distinct(drawn->winners.begin(), drawn->winners.end());
      CHECK(distinct.size() == k);
      for (size_t i = 0; i < k; ++i) CHECK(Users(n)[drawn->winner_indexes[i]] == drawn->winners[i]);
    }
  }
}

TEST_CASE("lottery draw: every entrant wins about equally often over many seeds") {
  // 6000 draws of 1 winner among 6: each ~1000 times. 4.5 sigma (sigma ~ 29) keeps this from
  // ever flaking while still catching a grossly biased shuffle.
  std::map<std::string, int> wins;
  for (int i = 0; i < 6000; ++i) wins[Draw(NewSeed(), Users(6), 1)->winners[0]]++;
  REQUIRE(wins.size() == 6);
  for (const auto& [user, count] : wins) {
    INFO(user);
    CHECK(count > 1000 - 130);
    CHECK(count < 1000 + 130);
  }
}

TEST_CASE("lottery draw: bad input is refused") {
  CHECK(Draw("short", Users(3), 1).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Draw(Seed(1), Users(3), -1).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Draw(Seed(1), {"usr_a", "usr_a"}, 1).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(FromHex("abc").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(FromHex("zz").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(*FromHex(ToHex(Seed(3))) == Seed(3));
}

}  // namespace
}  // namespace shopcast::product_inventory::lottery_rules
