#include "shopcast/timing/clock.h"

#include <catch2/catch.hpp>
#include <thread>

namespace {

using shopcast::timing::FakeSteadyClock;

}  // namespace

TEST_CASE("a fake clock moves only when advanced, and releases a waiter whose deadline passes") {
  FakeSteadyClock clock;
  const auto start = clock.Now();
  CHECK(clock.Now() == start);
  std::mutex mu;
  std::condition_variable cv;
  bool woke_by_deadline = false;
  bool done = false;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    const auto deadline = start + std::chrono::hours(1);
    while (clock.WaitUntil(cv, lock, deadline)) {
    }
    woke_by_deadline = true;
    done = true;
  });
  // Until the hour passes on the fake clock, the waiter keeps waiting, however long that takes.
  clock.Advance(absl::Minutes(59));
  clock.Advance(absl::Minutes(1));
  waiter.join();
  CHECK(woke_by_deadline);
  CHECK(done);
  CHECK(shopcast::timing::SecondsBetween(start, clock.Now()) == 3600.0);
}
