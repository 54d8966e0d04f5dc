// RevocationWaits, the held long polls of ListRevocations: which calls are held, which are let
// go with news or without, and a call whose client left before it was held.
#include "revocation_waits.h"

#include <catch2/catch.hpp>
#include <vector>

#include "absl/time/clock.h"

using shopcast::user::RevocationWaits;

namespace {

// What each call's release reported, by call.
struct Releases {
  std::vector<int> news;
  std::vector<int> empty;
  RevocationWaits::Release For(int call) {
    return [this, call](bool has_news) { (has_news ? news : empty).push_back(call); };
  }
};

}  // namespace

TEST_CASE(
    "held calls are let go with news after a newer revocation, and empty when their wait ends") {
  RevocationWaits waits;
  Releases r;
  const absl::Time now = absl::Now();
  int a = 0, b = 0;
  REQUIRE(waits.Hold(&a, 5, now + absl::Seconds(30), r.For(1)));
  REQUIRE(waits.Hold(&b, 7, now + absl::Seconds(2), r.For(2)));
  CHECK(waits.held() == 2);

  waits.Advance(5, now);  // nothing after either
  CHECK(waits.held() == 2);
  waits.Advance(6, now);  // news for the call after 5 only
  CHECK(r.news == std::vector<int>{1});
  CHECK(waits.held() == 1);
  waits.Advance(6, now + absl::Seconds(3));  // the other's wait is over
  CHECK(r.empty == std::vector<int>{2});
  CHECK(waits.held() == 0);
}

TEST_CASE("a call is not held when news is already known, and none is held after Close") {
  RevocationWaits waits(/*max_held=*/1);
  Releases r;
  const absl::Time until = absl::Now() + absl::Seconds(30);
  int a = 0, b = 0, c = 0;
  waits.Advance(9, absl::Now());
  CHECK_FALSE(waits.Hold(&a, 8, until, r.For(1)));  // 9 is newer: answer now
  REQUIRE(waits.Hold(&a, 9, until, r.For(1)));
  CHECK_FALSE(waits.Hold(&b, 9, until, r.For(2)));  // full
  waits.Close();
  CHECK(r.empty == std::vector<int>{1});
  CHECK_FALSE(waits.Hold(&c, 9, until, r.For(3)));
  CHECK(r.news.empty());
}

TEST_CASE("a call whose client left before it was held is answered, not kept for its wait") {
  RevocationWaits waits;
  Releases r;
  const absl::Time until = absl::Now() + absl::Seconds(30);
  int a = 0;
  // Held, then dropped: forgotten without its release.
  REQUIRE(waits.Hold(&a, 1, until, r.For(1)));
  CHECK(waits.Drop(&a));
  CHECK(waits.held() == 0);
  waits.Forget(&a);

  // Dropped while it was still reading: its Hold refuses, so it is answered at once.
  int b = 0;
  CHECK_FALSE(waits.Drop(&b));
  CHECK_FALSE(waits.Hold(&b, 1, until, r.For(2)));
  CHECK(waits.held() == 0);
  // Once that call is over, a new call at the same address is held as usual.
  waits.Forget(&b);
  CHECK(waits.Hold(&b, 1, until, r.For(3)));
  CHECK(waits.held() == 1);
  CHECK(r.news.empty());
  CHECK(r.empty.empty());
}
