#include <atomic>
#include <catch2/catch.hpp>
#include <latch>
#include <pqxx/nontransaction>
#include <string>
#include <thread>
#include <utility>

#include "shopcast/db/errors.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"

namespace shopcast::db {
namespace {

using shopcast::testing::TestDatabase;

struct Fixture {
  TestDatabase db = TestDatabase::Create();
  std::unique_ptr<Pool> pool;

  Fixture() {
    PoolOptions opts;
    opts.dsn = db.dsn();
    opts.size = 4;
    auto p = Pool::Create(opts);
    REQUIRE(p.ok());
    pool = std::move(*p);
    Exec("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0))");
  }

  void Exec(const std::string& sql) {
    auto lease = pool->Acquire();
    REQUIRE(lease.ok());
    pqxx::nontransaction tx(**lease);
    tx.exec0(sql);
  }

  int Count() {
    auto lease = pool->Acquire();
    REQUIRE(lease.ok());
    pqxx::nontransaction tx(**lease);
    return tx.exec1("SELECT count(*) FROM items")[0].as<int>();
  }
};

TEST_CASE("InTransaction commits when fn succeeds and returns its value") {
  Fixture f;
  absl::StatusOr<int> r = InTransaction(*f.pool, [](pqxx::work& tx) -> absl::StatusOr<int> {
    tx.exec0("INSERT INTO items VALUES (1, 5)");
    return tx.exec1("SELECT qty FROM items WHERE id = 1")[0].as<int>();
  });
  REQUIRE(r.ok());
  CHECK(*r == 5);
  CHECK(f.Count() == 1);
  CHECK(f.pool->in_use() == 0);
}

TEST_CASE("InTransaction rolls back and returns fn's error") {
  Fixture f;
  int calls = 0;
  absl::Status s = InTransaction(*f.pool, [&](pqxx::work& tx) {
    ++calls;
    tx.exec0("INSERT INTO items VALUES (1, 5)");
    return Error(absl::StatusCode::kFailedPrecondition, "SOLD_OUT", "nothing left");
  });
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == "SOLD_OUT");
  CHECK(calls == 1);
  CHECK(f.Count() == 0);
}

TEST_CASE("InTransaction maps constraint violations and does not retry them") {
  Fixture f;
  f.Exec("INSERT INTO items VALUES (1, 5)");
  int calls = 0;
  absl::Status dup = InTransaction(*f.pool, [&](pqxx::work& tx) {
    ++calls;
    tx.exec0("INSERT INTO items VALUES (2, 1)");
    tx.exec0("INSERT INTO items VALUES (1, 1)");
    return absl::OkStatus();
  });
  CHECK(dup.code() == absl::StatusCode::kAlreadyExists);
  CHECK(ConstraintOf(dup) == "items_pkey");
  CHECK(calls == 1);
  CHECK(f.Count() == 1);  // Row 2 went with the rollback.

  absl::Status check = InTransaction(*f.pool, [&](pqxx::work& tx) {
    tx.exec0("UPDATE items SET qty = qty - 6 WHERE id = 1");
    return absl::OkStatus();
  });
  CHECK(check.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ConstraintOf(check) == "items_qty_check");
}

TEST_CASE("Conflicting serializable transactions: the loser is retried and succeeds") {
  Fixture f;
  f.Exec("INSERT INTO items VALUES (1, 0), (2, 0)");
  // Write skew: each reads both rows, then writes its own. Under SERIALIZABLE one of the two
  // first attempts must fail with 40001; the latch makes both read before either writes.
  std::latch both_read(2);
  std::atomic<int> attempts{0};
  auto run = [&](int id) {
    bool first = true;
    return InTransaction(
        *f.pool,
        [&, id](pqxx::work& tx) -> absl::Status {
          ++attempts;
          const int sum = tx.exec1("SELECT sum(qty) FROM items")[0].as<int>();
          if (first) {
            first = false;
            both_read.arrive_and_wait();
          }
          tx.exec_params0("UPDATE items SET qty = $1 WHERE id = $2", sum + 1, id);
          return absl::OkStatus();
        },
        TxOptions{.serializable = true, .max_attempts = 5});
  };
  absl::Status s1, s2;
  std::thread t1([&] { s1 = run(1); });
  std::thread t2([&] { s2 = run(2); });
  t1.join();
  t2.join();
  CHECK(s1.ok());
  CHECK(s2.ok());
  CHECK(attempts.load() >= 3);
  // Serial outcome: the second writer saw the first's row, so the values are 1 and 2.
  auto lease = f.pool->Acquire();
  REQUIRE(lease.ok());
  pqxx::nontransaction tx(**lease);
  CHECK(tx.exec1("SELECT sum(qty) FROM items")[0].as<int>() == 3);
}

TEST_CASE("InTransaction gives up after max_attempts with ABORTED DB_RETRYABLE") {
  Fixture f;
  int calls = 0;
  absl::Status s = InTransaction(
      *f.pool,
      [&](pqxx::work&) -> absl::Status {
        ++calls;
        throw pqxx::serialization_failure("ERROR:  could not serialize access");
      },
      TxOptions{.max_attempts = 3});
  CHECK(s.code() == absl::StatusCode::kAborted);
  CHECK(ReasonOf(s) == kReasonRetryable);
  CHECK(calls == 3);

  // A retryable status returned by fn (a store that mapped the exception itself) also retries.
  int returned = 0;
  absl::StatusOr<int> r = InTransaction(*f.pool, [&](pqxx::work&) -> absl::StatusOr<int> {
    if (++returned < 2) return Error(absl::StatusCode::kAborted, kReasonRetryable, "conflict");
    return 42;
  });
  REQUIRE(r.ok());
  CHECK(*r == 42);
  CHECK(returned == 2);
}

TEST_CASE("A connection lost before commit is retried on a fresh connection") {
  Fixture f;
  int calls = 0;
  absl::Status s = InTransaction(*f.pool, [&](pqxx::work& tx) -> absl::Status {
    ++calls;
    if (calls == 1) {
      // Kill our own session mid-transaction.
      tx.exec0("SELECT pg_terminate_backend(pg_backend_pid())");
    }
    tx.exec0("INSERT INTO items VALUES (1, 1)");
    return absl::OkStatus();
  });
  CHECK(s.ok());
  CHECK(calls == 2);
  CHECK(f.Count() == 1);
}

TEST_CASE("InAutocommit makes each statement its own transaction") {
  Fixture f;
  absl::StatusOr<int> r =
      InAutocommit(*f.pool, [](pqxx::nontransaction& tx) -> absl::StatusOr<int> {
        tx.exec0("INSERT INTO items VALUES (1, 5)");
        return tx.exec1("SELECT qty FROM items WHERE id = 1")[0].as<int>();
      });
  REQUIRE(r.ok());
  CHECK(*r == 5);
  CHECK(f.Count() == 1);

  // A failing statement undoes only itself; what ran before it stays, and its error is mapped.
  absl::Status s = InAutocommit(*f.pool, [](pqxx::nontransaction& tx) {
    tx.exec0("INSERT INTO items VALUES (2, 1)");
    tx.exec0("INSERT INTO items VALUES (3, -1)");
    return absl::OkStatus();
  });
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == kReasonCheckViolation);
  CHECK(f.Count() == 2);

  // fn's own error is returned as it is.
  s = InAutocommit(*f.pool, [](pqxx::nontransaction&) {
    return Error(absl::StatusCode::kNotFound, "NO_ITEM", "no such item");
  });
  CHECK(ReasonOf(s) == "NO_ITEM");
  CHECK(f.pool->in_use() == 0);
}

TEST_CASE("InAutocommit reports a connection lost mid-call as a commit in doubt, not retried") {
  Fixture f;
  int calls = 0;
  absl::Status s = InAutocommit(*f.pool, [&](pqxx::nontransaction& tx) -> absl::Status {
    ++calls;
    tx.exec0("INSERT INTO items VALUES (1, 1)");
    tx.exec0("SELECT pg_terminate_backend(pg_backend_pid())");
    return absl::OkStatus();
  });
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(s) == kReasonCommitInDoubt);
  CHECK(calls == 1);
  CHECK(f.Count() == 1);  // the statement before the cut did commit
  // The broken connection was not returned to the pool: the next call works.
  CHECK(InAutocommit(*f.pool, [](pqxx::nontransaction& tx) {
          tx.exec0("INSERT INTO items VALUES (2, 1)");
          return absl::OkStatus();
        }).ok());
  CHECK(f.Count() == 2);
}

}  // namespace
}  // namespace shopcast::db
