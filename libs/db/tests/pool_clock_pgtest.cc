// Acquire's timeout is elapsed time: measured on a steady clock (injectable), never the wall
// clock, which jumps.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <utility>

#include "shopcast/db/errors.h"
#include "shopcast/db/pool.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/wait.h"
#include "shopcast/timing/clock.h"

namespace shopcast::db {
namespace {

using shopcast::testing::TestDatabase;

TEST_CASE("A waiting Acquire gives up when its timeout has passed on the pool's steady clock") {
  TestDatabase db = TestDatabase::Create();
  timing::FakeSteadyClock clock;
  PoolOptions opts;
  opts.dsn = db.dsn();
  opts.size = 1;
  opts.acquire_timeout = absl::Hours(1);
  opts.application_name = "pool_clock_pgtest";
  opts.clock = &clock;
  auto pool = Pool::Create(std::move(opts));
  REQUIRE(pool.ok());
  auto held = (*pool)->Acquire();
  REQUIRE(held.ok());

  std::atomic<bool> done{false};
  absl::Status waited;
  std::thread waiter([&] {
    waited = (*pool)->Acquire().status();
    done = true;
  });
  // The hour passes on the pool's clock in a few steps, whatever the wall clock does; keep
  // advancing (the waiter may start late on a loaded machine) until it gives up.
  const auto real_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done && std::chrono::steady_clock::now() < real_deadline) {
    clock.Advance(absl::Minutes(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool gave_up = done.load();
  { Pool::Lease release = std::move(*held); }  // Frees a waiter that never gave up.
  waiter.join();
  CHECK(gave_up);
  CHECK(waited.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(waited) == kReasonPoolExhausted);
}

TEST_CASE("A waiter whose timeout has not passed on the pool's clock gets the freed connection") {
  TestDatabase db = TestDatabase::Create();
  timing::FakeSteadyClock clock;
  PoolOptions opts;
  opts.dsn = db.dsn();
  opts.size = 1;
  opts.acquire_timeout = absl::Milliseconds(1);  // a millisecond that never passes
  opts.clock = &clock;
  auto pool = Pool::Create(std::move(opts));
  REQUIRE(pool.ok());
  auto held = (*pool)->Acquire();
  REQUIRE(held.ok());
  std::atomic<bool> waiting{false};
  absl::Status got;
  std::thread waiter([&] {
    waiting = true;
    got = (*pool)->Acquire().status();
  });
  REQUIRE(shopcast::testing::WaitUntil([&] { return waiting.load(); }, absl::Seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // real time, not pool time
  { Pool::Lease release = std::move(*held); }
  waiter.join();
  CHECK(got.ok());
}

}  // namespace
}  // namespace shopcast::db
