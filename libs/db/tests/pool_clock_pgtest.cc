// Acquire's timeout is elapsed time: measured on a steady clock (injectable), never the wall
// clock, which jumps.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <utility>

#include "shopcast/db/errors.h"
#include "shopcast/db/pool.h"
#include "shopcast/db/transaction.h"
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

// The last statement the pool's one backend ran, as PostgreSQL reports it.
std::string LastQuery(const TestDatabase& db, const std::string& application_name) {
  pqxx::connection admin(db.dsn());
  pqxx::nontransaction tx(admin);
  return tx
      .exec_params1("SELECT query FROM pg_stat_activity WHERE application_name = $1",
                    application_name)[0]
      .as<std::string>();
}

TEST_CASE("Readiness probes only when the pool's own work has not shown the database answers") {
  TestDatabase db = TestDatabase::Create();
  timing::FakeSteadyClock clock;
  PoolOptions opts;
  opts.dsn = db.dsn();
  opts.size = 1;
  opts.application_name = "ping_evidence_pgtest";
  opts.clock = &clock;
  auto created = Pool::Create(std::move(opts));
  REQUIRE(created.ok());
  Pool& pool = **created;
  const absl::Duration within = absl::Seconds(2);
  auto last = [&] { return LastQuery(db, "ping_evidence_pgtest"); };

  // Nothing answered yet: the probe runs.
  REQUIRE(pool.Ping(within).ok());
  CHECK(last() == "SELECT 1");

  // A committed transaction is an answer: no probe within the window, one after it.
  REQUIRE(InTransaction(pool, [](pqxx::work& tx) {
            tx.exec("SELECT 41");
            return absl::OkStatus();
          }).ok());
  CHECK(last() == "COMMIT");
  clock.Advance(absl::Seconds(1));
  REQUIRE(pool.Ping(within).ok());
  CHECK(last() == "COMMIT");
  clock.Advance(absl::Seconds(2));
  REQUIRE(pool.Ping(within).ok());
  CHECK(last() == "SELECT 1");

  // A transaction that failed is not one.
  CHECK(!InTransaction(pool, [](pqxx::work& tx) {
           tx.exec("SELECT 42");
           return absl::InvalidArgumentError("refused");
         }).ok());
  REQUIRE(pool.Ping(within).ok());
  CHECK(last() == "SELECT 1");

  // An autocommit call that succeeded is.
  REQUIRE(InAutocommit(pool, [](pqxx::nontransaction& tx) {
            tx.exec("SELECT 43");
            return absl::OkStatus();
          }).ok());
  REQUIRE(pool.Ping(within).ok());
  CHECK(last() == "SELECT 43");
  // Without a window, Ping always probes.
  REQUIRE(pool.Ping().ok());
  CHECK(last() == "SELECT 1");
}

}  // namespace
}  // namespace shopcast::db
