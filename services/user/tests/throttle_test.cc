#include "throttle.h"

#include <catch2/catch.hpp>

using shopcast::user::BlockAfter;

TEST_CASE("failures within the free allowance are not delayed") {
  auto p = shopcast::user::PairPolicy();
  for (int i = 0; i <= p.free_failures; ++i) CHECK(BlockAfter(i, p) == absl::ZeroDuration());
}

TEST_CASE("each failure beyond the allowance doubles the delay up to the cap") {
  auto p = shopcast::user::PairPolicy();
  CHECK(BlockAfter(p.free_failures + 1, p) == absl::Seconds(1));
  CHECK(BlockAfter(p.free_failures + 2, p) == absl::Seconds(2));
  CHECK(BlockAfter(p.free_failures + 5, p) == absl::Seconds(16));
  CHECK(BlockAfter(p.free_failures + 40, p) == p.max_delay);
  CHECK(BlockAfter(1000000, p) == p.max_delay);
}

TEST_CASE("the limit across addresses is gentler than one address's, and an address's larger") {
  auto pair = shopcast::user::PairPolicy();
  auto account = shopcast::user::AccountPolicy();
  CHECK(account.free_failures > pair.free_failures);
  CHECK(account.max_delay <= absl::Minutes(1));
  CHECK(BlockAfter(1000, account) == absl::Minutes(1));
  CHECK(shopcast::user::AddressPolicy().free_failures > pair.free_failures);
}

TEST_CASE("registrations from one address: ten free, then minutes") {
  auto p = shopcast::user::RegistrationPolicy();
  CHECK(BlockAfter(10, p) == absl::ZeroDuration());
  CHECK(BlockAfter(11, p) == absl::Minutes(1));
  CHECK(BlockAfter(100, p) == absl::Hours(1));
}
