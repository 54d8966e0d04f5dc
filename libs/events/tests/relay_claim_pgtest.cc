// The relay holds nothing open while a sink works: it claims rows in one short transaction,
// delivers, then marks them in a second one. The claim (a token and an expiry on the rows)
// keeps other relays off meanwhile, and outlives a relay that dies only until it expires.

#include <catch2/catch.hpp>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "fixture.h"
#include "shopcast/events/relay.h"

namespace shopcast::events {
namespace {

using testing::EventsDb;
using testing::FakeSink;

RelayOptions Fast() {
  RelayOptions opts;
  opts.poll_interval = absl::Milliseconds(20);
  opts.min_backoff = absl::Milliseconds(1);
  opts.max_backoff = absl::Milliseconds(5);
  return opts;
}

void Exec(EventsDb& t, const std::string& sql) {
  pqxx::connection conn(t.db.dsn());
  pqxx::nontransaction tx(conn);
  tx.exec0(sql);
}

std::unique_ptr<db::Pool> SecondReplicaPool(EventsDb& t) {
  db::PoolOptions opts;
  opts.dsn = t.db.dsn();
  opts.size = 2;
  opts.application_name = "second_relay";
  auto pool = db::Pool::Create(opts);
  REQUIRE(pool.ok());
  return std::move(*pool);
}

TEST_CASE(
    "While a sink works, the relay holds no transaction, row lock or connection, and a "
    "second relay keeps off the claimed rows") {
  EventsDb t("relay_under_test");
  const std::vector<std::string> ids = {t.Commit("ord_1", "a"), t.Commit("ord_1", "b")};

  absl::Notification in_call, release;
  FakeSink slow;
  slow.script = [&](int, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    in_call.Notify();
    release.WaitForNotification();  // A slow consumer: as long as the test likes.
    std::vector<std::string> accepted;
    for (const auto& e : events) accepted.push_back(e.id());
    return accepted;
  };
  Relay relay(*t.pool, {{"peer", &slow}}, Fast());
  absl::StatusOr<int> delivered = 0;
  std::thread first([&] { delivered = relay.RunOnce(); });
  REQUIRE(in_call.WaitForNotificationWithTimeout(absl::Seconds(30)));

  // No pooled connection is pinned, and no session of the relay's is inside a transaction.
  CHECK(t.pool->in_use() == 0);
  CHECK(t.QueryInt("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                   "'relay_under_test' AND datname = current_database() "
                   "AND xact_start IS NOT NULL") == 0);
  // No row is locked: another session can lock every one of them without waiting.
  {
    pqxx::connection conn(t.db.dsn());
    pqxx::work tx(conn);
    CHECK_NOTHROW(tx.exec("SELECT id FROM outbox FOR UPDATE NOWAIT"));
    tx.abort();
  }
  // The rows are claimed, and a second relay (another replica) delivers none of them.
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE claim_token IS NOT NULL "
                   "AND claimed_until > now()") == 2);
  auto second_pool = SecondReplicaPool(t);
  FakeSink other;
  {
    Relay second(*second_pool, {{"peer", &other}}, Fast());
    auto n = second.RunOnce();
    REQUIRE(n.ok());
    CHECK(*n == 0);
    CHECK(other.calls() == 0);
  }

  release.Notify();
  first.join();
  REQUIRE(delivered.ok());
  CHECK(*delivered == 2);
  CHECK(slow.seen_ids() == ids);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE delivered_at IS NULL "
                   "OR claim_token IS NOT NULL OR claimed_until IS NOT NULL") == 0);

  // Once the claim is released, the second relay does deliver: it was kept off, not broken.
  const std::string later = t.Commit("ord_1", "c");
  Relay second(*second_pool, {{"peer", &other}}, Fast());
  auto n = second.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(other.seen_ids() == std::vector<std::string>{later});
}

TEST_CASE("A claim left by a relay that died is retaken once it expires, and not before") {
  EventsDb t;
  const std::string id = t.Commit("ord_1", "x");
  Exec(t, "UPDATE outbox SET claim_token = 'dead', claimed_until = now() + interval '1 hour'");
  FakeSink sink;
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());
  auto n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(sink.calls() == 0);

  Exec(t, "UPDATE outbox SET claimed_until = now() - interval '1 second'");
  n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(sink.seen_ids() == std::vector<std::string>{id});
}

TEST_CASE("A claim expires after claim_ttl") {
  EventsDb t;
  t.Commit("ord_1", "x");
  absl::Notification in_call, release;
  FakeSink slow;
  slow.script =
      [&](int, const std::vector<common::v1::Event>&) -> absl::StatusOr<std::vector<std::string>> {
    in_call.Notify();
    release.WaitForNotification();
    return absl::UnavailableError("gone");
  };
  RelayOptions opts = Fast();
  opts.claim_ttl = absl::Minutes(7);
  Relay relay(*t.pool, {{"peer", &slow}}, opts);
  std::thread th([&] { (void)relay.RunOnce(); });
  REQUIRE(in_call.WaitForNotificationWithTimeout(absl::Seconds(30)));
  const int seconds_left =
      t.QueryInt("SELECT extract(epoch FROM claimed_until - now())::int FROM outbox");
  release.Notify();
  th.join();
  CHECK(seconds_left > 6 * 60);
  CHECK(seconds_left <= 7 * 60);
  // A refused delivery releases the claim too, and reschedules the row.
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE claim_token IS NULL AND attempts = 1") == 1);
}

TEST_CASE(
    "A claim whose holder died (as a default relay leaves it) is taken over within seconds, "
    "not a minute") {
  EventsDb t;
  const std::string id = t.Commit("ord_1", "x");
  // What a relay with the default options writes as it claims, and leaves behind when its
  // process is SIGKILLed during the sink's call: nobody renews it any more.
  const int64_t ttl_us = absl::ToInt64Microseconds(RelayOptions{}.claim_ttl);
  Exec(t, "UPDATE outbox SET claim_token = 'claim_of_a_dead_process', claimed_until = now() + " +
              std::to_string(ttl_us) + " * interval '1 microsecond'");
  FakeSink sink;
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());  // The restarted process's relay.
  const absl::Time start = absl::Now();
  relay.Start();
  while (sink.calls() == 0 && absl::Now() - start < absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  const absl::Duration waited = absl::Now() - start;
  relay.Stop();
  CHECK(sink.seen_ids() == std::vector<std::string>{id});
  CHECK(waited < absl::Seconds(10));
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == 0);
}

TEST_CASE(
    "A live holder renews its claim while its sink works: a delivery longer than claim_ttl is "
    "neither taken over nor repeated") {
  EventsDb t("slow_holder");
  const std::vector<std::string> ids = {t.Commit("ord_1", "a"), t.Commit("ord_1", "b")};
  absl::Notification in_call, release;
  FakeSink slow;
  slow.script = [&](int, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    in_call.Notify();
    release.WaitForNotification();
    std::vector<std::string> accepted;
    for (const auto& e : events) accepted.push_back(e.id());
    return accepted;
  };
  RelayOptions opts = Fast();
  opts.claim_ttl = absl::Milliseconds(600);
  Relay holder(*t.pool, {{"peer", &slow}}, opts);
  absl::StatusOr<int> delivered = 0;
  std::thread first([&] { delivered = holder.RunOnce(); });
  REQUIRE(in_call.WaitForNotificationWithTimeout(absl::Seconds(30)));

  // Another replica tries, round after round, for four claim_ttls: it never gets the rows.
  auto second_pool = SecondReplicaPool(t);
  FakeSink other;
  Relay second(*second_pool, {{"peer", &other}}, opts);
  const absl::Time until = absl::Now() + 4 * opts.claim_ttl;
  int rounds = 0;
  while (absl::Now() < until) {
    auto n = second.RunOnce();
    REQUIRE(n.ok());
    CHECK(*n == 0);
    ++rounds;
    absl::SleepFor(absl::Milliseconds(50));
  }
  CHECK(rounds > 5);
  CHECK(other.calls() == 0);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE claimed_until > now()") == 2);

  release.Notify();
  first.join();
  REQUIRE(delivered.ok());  // Not OUTBOX_CLAIM_LOST: the claim was still its own.
  CHECK(*delivered == 2);
  CHECK(slow.seen_ids() == ids);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE delivered_at IS NULL "
                   "OR claim_token IS NOT NULL") == 0);
}

}  // namespace
}  // namespace shopcast::events
