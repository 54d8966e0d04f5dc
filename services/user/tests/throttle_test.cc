#include "throttle.h"

#include <catch2/catch.hpp>

using shopcast::user::BlockAfter;

TEST_CASE("failures within the free allowance are not delayed") {
  auto p = shopcast::user::AccountPolicy();
  for (int i = 0; i <= p.free_failures; ++i) CHECK(BlockAfter(i, p) == absl::ZeroDuration());
}

TEST_CASE("each failure beyond the allowance doubles the delay up to the cap") {
  auto p = shopcast::user::AccountPolicy();
  CHECK(BlockAfter(p.free_failures + 1, p) == absl::Seconds(1));
  CHECK(BlockAfter(p.free_failures + 2, p) == absl::Seconds(2));
  CHECK(BlockAfter(p.free_failures + 5, p) == absl::Seconds(16));
  CHECK(BlockAfter(p.free_failures + 40, p) == p.max_delay);
  CHECK(BlockAfter(1000000, p) == p.max_delay);
}

TEST_CASE("an address gets a larger allowance than an account") {
  CHECK(shopcast::user::AddressPolicy().free_failures >
        shopcast::user::AccountPolicy().free_failures);
}
