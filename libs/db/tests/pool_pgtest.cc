#include <atomic>
#include <catch2/catch.hpp>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pool.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/wait.h"

namespace shopcast::db {
namespace {

using shopcast::testing::TestDatabase;

std::unique_ptr<Pool> MakePool(const TestDatabase& db, int size,
                               absl::Duration timeout = absl::Seconds(5)) {
  PoolOptions opts;
  opts.dsn = db.dsn();
  opts.size = size;
  opts.acquire_timeout = timeout;
  opts.application_name = "pool_pgtest";
  auto pool = Pool::Create(std::move(opts));
  REQUIRE(pool.ok());
  return std::move(*pool);
}

int Select(Pool::Lease& lease, const std::string& sql) {
  pqxx::nontransaction tx(*lease);
  return tx.exec1(sql)[0].as<int>();
}

TEST_CASE("Pool opens connections lazily and never more than its size") {
  TestDatabase db = TestDatabase::Create();
  auto pool = MakePool(db, 2, absl::Milliseconds(300));
  CHECK(pool->size() == 2);
  CHECK(pool->open() == 0);

  auto a = pool->Acquire();
  auto b = pool->Acquire();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(pool->in_use() == 2);
  CHECK(Select(*a, "SELECT pg_backend_pid()") != Select(*b, "SELECT pg_backend_pid()"));

  const absl::Time start = absl::Now();
  auto c = pool->Acquire();
  const absl::Duration waited = absl::Now() - start;
  CHECK(c.status().code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(c.status()) == kReasonPoolExhausted);
  CHECK(waited >= absl::Milliseconds(290));
  CHECK(waited < absl::Seconds(3));

  // Only our two sessions reached the server.
  auto count = [&] {
    pqxx::nontransaction tx(**a);
    return tx
        .exec1(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pool_pgtest' "
            "AND datname = current_database()")[0]
        .as<int>();
  };
  CHECK(count() == 2);

  const int pid_b = Select(*b, "SELECT pg_backend_pid()");
  { Pool::Lease released = std::move(*b); }
  CHECK(pool->in_use() == 1);
  auto d = pool->Acquire();
  REQUIRE(d.ok());
  CHECK(Select(*d, "SELECT pg_backend_pid()") == pid_b);  // Reused, not reopened.
  CHECK(pool->open() == 2);
}

TEST_CASE("A waiter gets the connection another thread returns") {
  TestDatabase db = TestDatabase::Create();
  auto pool = MakePool(db, 1, absl::Seconds(10));
  auto held = pool->Acquire();
  REQUIRE(held.ok());
  const int held_pid = Select(*held, "SELECT pg_backend_pid()");
  std::atomic<pid_t> waiter_tid{0};
  std::atomic<bool> got{false};
  std::atomic<int> got_pid{0};
  std::thread waiter([&] {
    waiter_tid = shopcast::testing::CurrentThreadId();
    auto lease = pool->Acquire();
    if (lease.ok()) got_pid = Select(*lease, "SELECT pg_backend_pid()");
    got = lease.ok();
  });
  REQUIRE(shopcast::testing::WaitUntil([&] { return waiter_tid.load() != 0; }, absl::Seconds(30)));
  // Asleep inside Acquire (the kernel says so), not merely slow to start: the pool made it wait.
  REQUIRE(shopcast::testing::WaitUntilBlocked(waiter_tid.load(), absl::Seconds(30)));
  CHECK_FALSE(got.load());
  { Pool::Lease released = std::move(*held); }
  waiter.join();
  CHECK(got.load());
  CHECK(got_pid.load() == held_pid);  // The returned connection, not a new one.
  CHECK(pool->open() == 1);
}

TEST_CASE("A connection killed by the server is replaced on the next Acquire") {
  TestDatabase db = TestDatabase::Create();
  auto pool = MakePool(db, 1);
  int victim = 0;
  {
    auto lease = pool->Acquire();
    REQUIRE(lease.ok());
    victim = Select(*lease, "SELECT pg_backend_pid()");
  }
  {
    pqxx::connection admin(db.dsn());
    pqxx::nontransaction tx(admin);
    REQUIRE(tx.exec_params1("SELECT pg_terminate_backend($1)", victim)[0].as<bool>());
    // Wait until the backend is gone and its FATAL is on the pooled socket.
    for (int i = 0; i < 100; ++i) {
      if (tx.exec_params("SELECT 1 FROM pg_stat_activity WHERE pid = $1", victim).empty()) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  auto lease = pool->Acquire();
  REQUIRE(lease.ok());
  const int fresh = Select(*lease, "SELECT pg_backend_pid()");
  CHECK(fresh != victim);
  CHECK(pool->open() == 1);
}

TEST_CASE("A connection that breaks while leased is discarded when returned") {
  TestDatabase db = TestDatabase::Create();
  auto pool = MakePool(db, 1);
  int victim = 0;
  {
    auto lease = pool->Acquire();
    REQUIRE(lease.ok());
    victim = Select(*lease, "SELECT pg_backend_pid()");
    {
      pqxx::connection admin(db.dsn());
      pqxx::nontransaction tx(admin);
      tx.exec_params("SELECT pg_terminate_backend($1)", victim);
    }
    absl::Status failed;
    try {
      Select(*lease, "SELECT 1");
    } catch (const std::exception& e) {
      failed = MapDbException(e);
    }
    CHECK(failed.code() == absl::StatusCode::kUnavailable);
    CHECK(IsRetryable(failed));
  }
  CHECK(pool->Ping().ok());
  auto lease = pool->Acquire();
  REQUIRE(lease.ok());
  CHECK(Select(*lease, "SELECT pg_backend_pid()") != victim);
}

TEST_CASE("A pool busy to the last connection is still ready: the database answers") {
  TestDatabase db = TestDatabase::Create();
  auto pool = MakePool(db, 1, absl::Milliseconds(50));
  auto held = pool->Acquire();
  REQUIRE(held.ok());
  auto second = pool->Acquire();
  REQUIRE_FALSE(second.ok());
  CHECK(ReasonOf(second.status()) == kReasonPoolExhausted);
  CHECK(pool->Ping().ok());
}

TEST_CASE("Prepared statements are ready on every pooled connection") {
  TestDatabase db = TestDatabase::Create();
  PoolOptions opts;
  opts.dsn = db.dsn();
  opts.size = 2;
  opts.prepared = {{"add", "SELECT $1::int + $2::int"}};
  auto pool = Pool::Create(opts);
  REQUIRE(pool.ok());
  auto a = (*pool)->Acquire();
  auto b = (*pool)->Acquire();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (Pool::Lease* lease : {&*a, &*b}) {
    pqxx::work tx(**lease);
    CHECK(tx.exec_prepared1("add", 2, 3)[0].as<int>() == 5);
  }
}

TEST_CASE("A prepared statement the server rejects fails Acquire and Ping") {
  TestDatabase db = TestDatabase::Create();
  PoolOptions opts;
  opts.dsn = db.dsn();
  opts.prepared = {{"bad", "SELECT * FROM no_such_table"}};
  auto pool = Pool::Create(opts);
  REQUIRE(pool.ok());
  const absl::Status s = (*pool)->Ping();
  CHECK(s.code() == absl::StatusCode::kInternal);
  CHECK(std::string(s.message()).find("42P01") != std::string::npos);
  CHECK((*pool)->in_use() == 0);
  CHECK((*pool)->open() == 0);
}

TEST_CASE("An unreachable server is UNAVAILABLE DB_UNREACHABLE without the DSN") {
  PoolOptions opts;
  // Port 1 on loopback: nothing listens there.
  opts.dsn = "host=127.0.0.1 port=1 user=shopcast password=s3cret dbname=x connect_timeout=2";
  auto pool = Pool::Create(opts);
  REQUIRE(pool.ok());
  auto lease = (*pool)->Acquire();
  CHECK(lease.status().code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(lease.status()) == kReasonUnreachable);
  CHECK(std::string(lease.status().message()).find("s3cret") == std::string::npos);
  CHECK(std::string(lease.status().message()).find("127.0.0.1") == std::string::npos);
  CHECK((*pool)->open() == 0);
  CHECK_FALSE((*pool)->Ping().ok());
}

}  // namespace
}  // namespace shopcast::db
