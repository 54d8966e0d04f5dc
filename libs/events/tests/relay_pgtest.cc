#include <google/protobuf/wrappers.pb.h>

#include <catch2/catch.hpp>
#include <map>
#include <pqxx/nontransaction>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"
#include "shopcast/events/relay.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"

namespace shopcast::events {
namespace {

using testing::EventsDb;
using testing::Eventually;
using testing::FakeSink;

RelayOptions Fast() {
  RelayOptions opts;
  opts.poll_interval = absl::Milliseconds(20);
  opts.min_backoff = absl::Milliseconds(1);
  opts.max_backoff = absl::Milliseconds(5);
  return opts;
}

int Undelivered(EventsDb& t) {
  return t.QueryInt("SELECT count(*) FROM outbox WHERE delivered_at IS NULL");
}

TEST_CASE("Committed events reach the sink once, in commit order, with their payload") {
  EventsDb t;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(t.Commit("ord_" + std::to_string(i % 2), "n" + std::to_string(i)));
  FakeSink sink;
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());
  auto n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 5);
  CHECK(sink.seen_ids() == ids);
  google::protobuf::StringValue body;
  REQUIRE(sink.seen()[3].payload().UnpackTo(&body));
  CHECK(body.value() == "n3");
  CHECK(Undelivered(t) == 0);

  auto again = relay.RunOnce();
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(sink.calls() == 1);
}

TEST_CASE("Each destination gets its own copy: unknown destinations are left alone") {
  EventsDb t;
  const std::string id = t.Commit("str_1", "live", {"a", "b", "c"});
  FakeSink a, b;
  Relay relay(*t.pool, {{"a", &a}, {"b", &b}}, Fast());
  auto n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(a.seen_ids() == std::vector<std::string>{id});
  CHECK(b.seen_ids() == std::vector<std::string>{id});
  CHECK(t.QueryInt(
            "SELECT count(*) FROM outbox WHERE destination = 'c' AND delivered_at IS NULL") == 1);
}

TEST_CASE("A failing sink gets the event later, after the backoff") {
  EventsDb t;
  const std::string id = t.Commit("ord_1", "x");
  FakeSink sink;
  sink.script =
      [](int call,
         const std::vector<common::v1::Event>& events) -> absl::StatusOr<std::vector<std::string>> {
    if (call <= 2) return absl::UnavailableError("peer is down");
    return std::vector<std::string>{events[0].id()};
  };
  RelayOptions opts = Fast();
  opts.min_backoff = absl::Milliseconds(200);
  opts.max_backoff = absl::Seconds(1);
  Relay relay(*t.pool, {{"peer", &sink}}, opts);

  const absl::Time start = absl::Now();
  auto first = relay.RunOnce();
  CHECK(first.status().code() == absl::StatusCode::kUnavailable);
  CHECK(t.QueryInt("SELECT attempts FROM outbox") == 1);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE last_error LIKE '%peer is down%' AND "
                   "next_attempt_at > now() + interval '50 milliseconds'") == 1);

  // Due later: not offered again right away.
  auto early = relay.RunOnce();
  REQUIRE(early.ok());
  CHECK(*early == 0);
  CHECK(sink.calls() == 1);

  REQUIRE(Eventually([&] {
    auto n = relay.RunOnce();
    return n.ok() && *n == 1;
  }));
  // Two backoffs of at least 100ms and 200ms (jitter keeps at least half of 200ms, 400ms).
  CHECK(absl::Now() - start >= absl::Milliseconds(300));
  CHECK(sink.calls() == 3);
  CHECK(sink.seen_ids() == std::vector<std::string>{id, id, id});
  CHECK(Undelivered(t) == 0);
  CHECK(t.QueryInt("SELECT attempts FROM outbox") == 2);
}

TEST_CASE("Only the events the sink accepted are marked delivered") {
  EventsDb t;
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(t.Commit("ord_" + std::to_string(i), "x"));
  FakeSink sink;
  sink.script = [&](int call, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> accepted;
    for (size_t i = 0; i < events.size(); ++i) {
      if (call > 1 || i % 2 == 0) accepted.push_back(events[i].id());
    }
    return accepted;
  };
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());
  auto n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(Undelivered(t) == 2);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND attempts = 1 AND "
                   "last_error = 'not accepted by the sink'") == 2);
  REQUIRE(Eventually([&] { return relay.RunOnce().ok() && Undelivered(t) == 0; }));
  const std::vector<std::string> seen = sink.seen_ids();
  CHECK(std::multiset<std::string>(seen.begin(), seen.end()) ==
        std::multiset<std::string>{ids[0], ids[1], ids[1], ids[2], ids[3], ids[3]});
}

TEST_CASE("A sink that throws counts as a failed delivery") {
  EventsDb t;
  t.Commit("ord_1", "x");
  FakeSink sink;
  sink.script =
      [](int, const std::vector<common::v1::Event>&) -> absl::StatusOr<std::vector<std::string>> {
    throw std::runtime_error("boom");
  };
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());
  CHECK_FALSE(relay.RunOnce().ok());
  CHECK(Undelivered(t) == 1);
  CHECK(t.QueryInt("SELECT attempts FROM outbox") == 1);
  CHECK(t.pool->in_use() == 0);
}

TEST_CASE("An event waiting out a backoff holds back later events of its aggregate only") {
  EventsDb t;
  const std::string a1 = t.Commit("ord_a", "a1");
  const std::string a2 = t.Commit("ord_a", "a2");
  const std::string b1 = t.Commit("ord_b", "b1");
  {
    pqxx::connection conn(t.db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec_params0(
        "UPDATE outbox SET attempts = 1, next_attempt_at = now() + interval '1 hour' "
        "WHERE event_id = $1",
        a1);
  }
  FakeSink sink;
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());
  auto n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(sink.seen_ids() == std::vector<std::string>{b1});
  {
    pqxx::connection conn(t.db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec_params0("UPDATE outbox SET next_attempt_at = now() WHERE event_id = $1", a1);
  }
  REQUIRE(relay.RunOnce().ok());
  CHECK(sink.seen_ids() == std::vector<std::string>{b1, a1, a2});
}

TEST_CASE("A relay dying between Deliver and marking re-delivers: the consumer dedupes") {
  EventsDb t("relay_under_test");
  std::vector<std::string> ids = {t.Commit("ord_1", "x"), t.Commit("ord_2", "y")};

  // The consumer applies events in its own transactions, deduping with MarkProcessed.
  db::PoolOptions consumer_opts;
  consumer_opts.dsn = t.db.dsn();
  consumer_opts.application_name = "consumer";
  auto consumer = db::Pool::Create(consumer_opts);
  REQUIRE(consumer.ok());
  int applied = 0;
  FakeSink sink;
  sink.script = [&](int call, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> accepted;
    for (const auto& e : events) {
      absl::Status s = db::InTransaction(**consumer, [&](pqxx::work& tx) -> absl::Status {
        absl::StatusOr<bool> fresh = MarkProcessed(tx, e.id());
        if (!fresh.ok()) return fresh.status();
        if (*fresh) ++applied;
        return absl::OkStatus();
      });
      if (s.ok()) accepted.push_back(e.id());
    }
    if (call == 1) {
      // The relay "crashes" now, before it marks: what it leaves is a claim that expires.
      pqxx::connection admin(t.db.dsn());
      pqxx::nontransaction tx(admin);
      tx.exec0(
          "UPDATE outbox SET claim_token = 'crashed', claimed_until = now() - interval '1 s' "
          "WHERE claim_token IS NOT NULL");
    }
    return accepted;
  };
  Relay relay(*t.pool, {{"peer", &sink}}, Fast());
  auto crashed = relay.RunOnce();
  CHECK(crashed.status().code() == absl::StatusCode::kAborted);
  CHECK(Undelivered(t) == 2);

  auto n = relay.RunOnce();
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(sink.seen_ids() == std::vector<std::string>{ids[0], ids[1], ids[0], ids[1]});
  CHECK(applied == 2);
  CHECK(Undelivered(t) == 0);
}

TEST_CASE("A relay whose database went away before marking records the answer when it is back") {
  // Found by the fault suite (tests/faults): PostgreSQL stopped between the sink's call and the
  // marking left the live relay's own claim on the destination, and its events waited out
  // claim_ttl (a minute) before going out again. Now the relay records the sink's answer first
  // thing on its next round: nothing is sent twice, nothing waits for the claim to expire.
  EventsDb t("relay_under_test");
  std::vector<std::string> ids = {t.Commit("ord_1", "x"), t.Commit("ord_2", "y")};
  auto rename = [&](const std::string& from, const std::string& to) {
    pqxx::connection admin(t.db.dsn());
    pqxx::nontransaction tx(admin);
    tx.exec0("ALTER TABLE " + from + " RENAME TO " + to);
  };
  FakeSink sink;
  sink.script = [&](int call, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    // The database "goes away" while the sink works: the marking cannot happen.
    if (call == 1) rename("outbox", "outbox_away");
    std::vector<std::string> accepted;
    for (const auto& e : events) accepted.push_back(e.id());
    return accepted;
  };
  RelayOptions opts = Fast();
  opts.claim_ttl = absl::Minutes(10);  // long: the test would see a wait for it
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  CHECK_FALSE(relay.RunOnce().ok());
  rename("outbox_away", "outbox");
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE claim_token IS NOT NULL") == 2);

  REQUIRE(relay.RunOnce().ok());
  CHECK(Undelivered(t) == 0);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox WHERE claim_token IS NOT NULL") == 0);
  CHECK(sink.seen_ids() == std::vector<std::string>{ids[0], ids[1]});  // once each
  // And the destination is free for what comes next.
  const std::string third = t.Commit("ord_3", "z");
  REQUIRE(relay.RunOnce().ok());
  CHECK(Undelivered(t) == 0);
  CHECK(sink.seen_ids() == std::vector<std::string>{ids[0], ids[1], third});
}

TEST_CASE("Two background relays deliver every event exactly once, in order") {
  EventsDb t;
  FakeSink sink;
  std::vector<std::string> errors;
  RelayOptions opts = Fast();
  opts.batch = 7;
  Relay r1(*t.pool, {{"peer", &sink}}, opts);
  Relay r2(*t.pool, {{"peer", &sink}}, opts);
  r1.Start();
  r2.Start();
  std::map<std::string, std::vector<std::string>> committed;  // aggregate -> ids
  for (int i = 0; i < 60; ++i) {
    const std::string aggregate = "ord_" + std::to_string(i % 4);
    committed[aggregate].push_back(t.Commit(aggregate, std::to_string(i)));
  }
  REQUIRE(Eventually([&] { return Undelivered(t) == 0; }));
  r1.Stop();
  r2.Stop();
  const auto seen = sink.seen();
  CHECK(seen.size() == 60);
  std::map<std::string, std::vector<std::string>> delivered;
  for (const auto& e : seen) delivered[e.aggregate_id()].push_back(e.id());
  CHECK(delivered == committed);
}

TEST_CASE("Start/Stop run the relay in the background: old delivered rows are purged") {
  EventsDb t;
  FakeSink sink;
  RelayOptions opts = Fast();
  opts.retain_delivered = absl::Hours(1);
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  const int threads = shopcast::testing::ThreadCount();
  relay.Start();
  relay.Start();  // Idempotent.
  CHECK(shopcast::testing::ThreadCount() == threads + 1);
  t.Commit("ord_1", "x");
  t.Commit("ord_2", "y");
  REQUIRE(Eventually([&] { return sink.calls() >= 1 && Undelivered(t) == 0; }));
  relay.Stop();
  relay.Stop();
  // Stopped means stopped: its thread is gone, so nothing delivers behind the caller's back; an
  // event committed now is still there for the next run to deliver.
  CHECK(shopcast::testing::WaitUntil([&] { return shopcast::testing::ThreadCount() == threads; },
                                     absl::Seconds(30)));
  const int calls = sink.calls();
  const std::string z = t.Commit("ord_3", "z");
  auto next = relay.RunOnce();
  REQUIRE(next.ok());
  CHECK(*next == 1);
  CHECK(sink.calls() == calls + 1);
  CHECK(sink.seen_ids().back() == z);

  {
    pqxx::connection conn(t.db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec0(
        "UPDATE outbox SET delivered_at = now() - interval '2 hours' "
        "WHERE aggregate_id = 'ord_1'");
  }
  auto purged = relay.PurgeDelivered(absl::Hours(1));
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox") == 2);
}

}  // namespace
}  // namespace shopcast::events
