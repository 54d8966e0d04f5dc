// The background relay's wake-up: it LISTENs for commits instead of waiting out its poll
// interval, survives losing that session, and stops at once.

#include <sys/syscall.h>
#include <sys/types.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "fixture.h"
#include "shopcast/events/relay.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"

namespace shopcast::events {
namespace {

using shopcast::testing::WaitUntil;
using testing::EventsDb;
using testing::FakeSink;

constexpr char kApp[] = "relay_wake";
constexpr char kListenApp[] = "relay_wake-outbox-listen";

std::set<pid_t> Threads() {
  std::set<pid_t> tids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    tids.insert(static_cast<pid_t>(std::stoi(entry.path().filename().string())));
  }
  return tids;
}

// Starts `relay` and returns the kernel id of its background thread.
pid_t StartRelay(Relay& relay) {
  const std::set<pid_t> before = Threads();
  relay.Start();
  std::vector<pid_t> started;
  for (pid_t tid : Threads()) {
    if (before.count(tid) == 0) started.push_back(tid);
  }
  REQUIRE(started.size() == 1);
  return started[0];
}

// True while thread `tid` sleeps in poll() on two descriptors: the relay's wait between rounds
// (its stop eventfd and its LISTEN socket). libpq's own waits, inside a round, poll one socket;
// so this is what makes "only a notification could have ended the wait" checkable.
bool WaitsBetweenRounds(pid_t tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat_file(task + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)),
                         std::istreambuf_iterator<char>());
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= stat.size()) return false;
  if (stat[name_end + 2] != 'S') return false;
  std::ifstream syscall_file(task + "/syscall");
  std::string call, fds, nfds;
  syscall_file >> call >> fds >> nfds;
  const bool polls = call == std::to_string(SYS_poll) || call == std::to_string(SYS_ppoll);
  return polls && nfds == "0x2";
}

// Backend pids of the relay's LISTEN sessions on this test's database.
std::vector<int> ListenSessions(EventsDb& t) {
  pqxx::connection conn(t.db.dsn());
  pqxx::nontransaction tx(conn);
  std::vector<int> pids;
  for (const auto& row :
       tx.exec_params("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                      "AND application_name = $1",
                      std::string(kListenApp))) {
    pids.push_back(row[0].as<int>());
  }
  return pids;
}

void Terminate(EventsDb& t, int pid) {
  pqxx::connection conn(t.db.dsn());
  pqxx::nontransaction tx(conn);
  REQUIRE(tx.exec_params1("SELECT pg_terminate_backend($1)", pid)[0].as<bool>());
}

bool Seen(FakeSink& sink, const std::string& id) {
  const std::vector<std::string> ids = sink.seen_ids();
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Collects the reasons of what the relay reports to on_error.
class Reasons {
 public:
  std::function<void(const absl::Status&)> Callback() {
    return [this](const absl::Status& s) {
      absl::MutexLock lock(&mu_);
      reasons_.insert(ReasonOf(s));
    };
  }
  bool Has(const std::string& reason) {
    absl::MutexLock lock(&mu_);
    return reasons_.count(reason) != 0;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> reasons_;
};

// Far longer than any wait below: a delivery within those waits came from a notification.
constexpr absl::Duration kLongPoll = absl::Minutes(1);

TEST_CASE("A relay with a long poll interval delivers each commit at once: the commit wakes it") {
  EventsDb t(kApp);
  FakeSink sink;
  RelayOptions opts;
  opts.poll_interval = kLongPoll;
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  const pid_t loop = StartRelay(relay);
  REQUIRE(WaitUntil([&] { return ListenSessions(t).size() == 1; }, absl::Seconds(30)));
  for (int i = 0; i < 3; ++i) {
    // The relay is idle, waiting out its poll interval, when the event is committed.
    REQUIRE(WaitUntil([&] { return WaitsBetweenRounds(loop); }, absl::Seconds(30)));
    const std::string id = t.Commit("ord_1", std::to_string(i));
    CHECK(WaitUntil([&] { return Seen(sink, id); }, absl::Seconds(10)));
  }
  CHECK(sink.seen_ids().size() == 3);
  relay.Stop();
}

TEST_CASE("Stop() ends the relay's wait at once and closes its LISTEN session") {
  EventsDb t(kApp);
  FakeSink sink;
  RelayOptions opts;
  opts.poll_interval = kLongPoll;
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  const pid_t loop = StartRelay(relay);
  REQUIRE(WaitUntil([&] { return WaitsBetweenRounds(loop); }, absl::Seconds(30)));
  const auto start = std::chrono::steady_clock::now();
  relay.Stop();
  // Far below the poll interval the wait would otherwise have lasted.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK(WaitUntil([&] { return ListenSessions(t).empty(); }, absl::Seconds(30)));

  // Restartable, with a session of its own again.
  const pid_t again = StartRelay(relay);
  REQUIRE(WaitUntil([&] { return WaitsBetweenRounds(again); }, absl::Seconds(30)));
  const std::string id = t.Commit("ord_1", "x");
  CHECK(WaitUntil([&] { return Seen(sink, id); }, absl::Seconds(10)));
  relay.Stop();
}

TEST_CASE("A relay whose LISTEN session is killed reopens it and catches up on what it missed") {
  EventsDb t(kApp);
  FakeSink sink;
  Reasons reasons;
  RelayOptions opts;
  opts.poll_interval = kLongPoll;
  opts.on_error = reasons.Callback();
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  const pid_t loop = StartRelay(relay);
  REQUIRE(WaitUntil([&] { return ListenSessions(t).size() == 1; }, absl::Seconds(30)));
  const int killed = ListenSessions(t)[0];
  REQUIRE(WaitUntil([&] { return WaitsBetweenRounds(loop); }, absl::Seconds(30)));

  Terminate(t, killed);
  // Committed around the loss: its notification may reach no one; the round that follows the
  // reopening delivers it anyway.
  const std::string missed = t.Commit("ord_1", "missed");
  CHECK(WaitUntil([&] { return Seen(sink, missed); }, absl::Seconds(10)));
  CHECK(reasons.Has("OUTBOX_LISTEN_LOST"));
  REQUIRE(WaitUntil(
      [&] {
        const std::vector<int> pids = ListenSessions(t);
        return pids.size() == 1 && pids[0] != killed;
      },
      absl::Seconds(30)));

  // The new session wakes the relay as the old one did.
  REQUIRE(WaitUntil([&] { return WaitsBetweenRounds(loop); }, absl::Seconds(30)));
  const std::string next = t.Commit("ord_1", "next");
  CHECK(WaitUntil([&] { return Seen(sink, next); }, absl::Seconds(10)));
  relay.Stop();
}

TEST_CASE("A relay without its LISTEN session still delivers, by polling") {
  EventsDb t(kApp);
  FakeSink sink;
  Reasons reasons;
  RelayOptions opts;
  opts.poll_interval = absl::Milliseconds(100);
  // Not reopened during this test.
  opts.listen_min_backoff = absl::Hours(1);
  opts.listen_max_backoff = absl::Hours(1);
  opts.on_error = reasons.Callback();
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  StartRelay(relay);
  REQUIRE(WaitUntil([&] { return ListenSessions(t).size() == 1; }, absl::Seconds(30)));
  Terminate(t, ListenSessions(t)[0]);
  REQUIRE(WaitUntil([&] { return reasons.Has("OUTBOX_LISTEN_LOST"); }, absl::Seconds(30)));

  const std::string id = t.Commit("ord_1", "x");
  CHECK(WaitUntil([&] { return Seen(sink, id); }, absl::Seconds(10)));
  CHECK(ListenSessions(t).empty());
  relay.Stop();
}

// Not run by ctest (hidden); run by hand to measure:
//   SHOPCAST_TEST_PG_ENV=… events_pgtest '[latency]'
TEST_CASE("Commit-to-delivery latency of a relay woken by notifications", "[.latency]") {
  EventsDb t(kApp);
  absl::Mutex mu;
  std::map<std::string, std::chrono::steady_clock::time_point> received;
  FakeSink sink;
  sink.script = [&](int, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::string> ids;
    absl::MutexLock lock(&mu);
    for (const auto& e : events) {
      received.emplace(e.id(), now);
      ids.push_back(e.id());
    }
    return ids;
  };
  RelayOptions opts;
  opts.poll_interval = kLongPoll;
  Relay relay(*t.pool, {{"peer", &sink}}, opts);
  const pid_t loop = StartRelay(relay);
  REQUIRE(WaitUntil([&] { return ListenSessions(t).size() == 1; }, absl::Seconds(30)));
  std::vector<double> after_commit, whole;  // From Commit()'s return; from its call.
  for (int i = 0; i < 100; ++i) {
    REQUIRE(WaitUntil([&] { return WaitsBetweenRounds(loop); }, absl::Seconds(30),
                      absl::Milliseconds(1)));
    const auto committing = std::chrono::steady_clock::now();
    const std::string id = t.Commit("ord_1", std::to_string(i));
    const auto committed = std::chrono::steady_clock::now();
    REQUIRE(WaitUntil([&] { return Seen(sink, id); }, absl::Seconds(10), absl::Milliseconds(1)));
    absl::MutexLock lock(&mu);
    using Ms = std::chrono::duration<double, std::milli>;
    after_commit.push_back(Ms(received[id] - committed).count());
    whole.push_back(Ms(received[id] - committing).count());
  }
  relay.Stop();
  for (auto* ms : {&after_commit, &whole}) {
    std::sort(ms->begin(), ms->end());
    std::cout << (ms == &whole ? "from Commit() call" : "from Commit() return") << ", ms over "
              << ms->size() << ": p50 " << (*ms)[ms->size() / 2] << " p90 "
              << (*ms)[ms->size() * 9 / 10] << " max " << ms->back() << "\n";
  }
}

}  // namespace
}  // namespace shopcast::events
