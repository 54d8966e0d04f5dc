#pragma once

// Shared by the events pg tests: a migrated database with a pool, and a scriptable sink.

#include <google/protobuf/wrappers.pb.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <pqxx/nontransaction>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/inbox.h"
#include "shopcast/events/outbox.h"
#include "shopcast/events/sink.h"
#include "shopcast/testing/pg.h"

namespace shopcast::events::testing {

struct EventsDb {
  shopcast::testing::TestDatabase db = shopcast::testing::TestDatabase::Create();
  std::unique_ptr<db::Pool> pool;

  explicit EventsDb(const std::string& application_name = "events_pgtest") {
    REQUIRE(db::ApplyMigrations(db.dsn(), {&OutboxMigrations(), &InboxMigrations()}).ok());
    db::PoolOptions opts;
    opts.dsn = db.dsn();
    opts.size = 4;
    opts.application_name = application_name;
    auto p = db::Pool::Create(opts);
    REQUIRE(p.ok());
    pool = std::move(*p);
  }

  // Commits one event with a StringValue payload `body`; returns its id.
  std::string Commit(const std::string& aggregate, const std::string& body,
                     std::vector<std::string> destinations = {"peer"}) {
    google::protobuf::StringValue payload;
    payload.set_value(body);
    absl::StatusOr<std::string> id =
        db::InTransaction(*pool, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
          return Enqueue(tx, OutgoingEvent{.source = "test",
                                           .type = "test.happened",
                                           .aggregate_id = aggregate,
                                           .destinations = destinations,
                                           .payload = &payload});
        });
    REQUIRE(id.ok());
    return *id;
  }

  int QueryInt(const std::string& sql) {
    pqxx::connection conn(db.dsn());
    pqxx::nontransaction tx(conn);
    return tx.exec1(sql)[0].as<int>();
  }

  std::string QueryText(const std::string& sql) {
    pqxx::connection conn(db.dsn());
    pqxx::nontransaction tx(conn);
    return tx.exec1(sql)[0].as<std::string>();
  }
};

// Records every call; `script` (if set) decides the answer, else everything is accepted.
class FakeSink : public Sink {
 public:
  using Script = std::function<absl::StatusOr<std::vector<std::string>>(
      int call, const std::vector<shopcast::common::v1::Event>&)>;

  absl::StatusOr<std::vector<std::string>> Deliver(
      const std::vector<shopcast::common::v1::Event>& events) override {
    int call;
    {
      absl::MutexLock lock(&mu_);
      call = ++calls_;
      for (const auto& e : events) seen_.push_back(e);
    }
    if (script) return script(call, events);
    std::vector<std::string> ids;
    for (const auto& e : events) ids.push_back(e.id());
    return ids;
  }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<shopcast::common::v1::Event> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  std::vector<std::string> seen_ids() {
    std::vector<std::string> ids;
    for (const auto& e : seen()) ids.push_back(e.id());
    return ids;
  }

  Script script;

 private:
  absl::Mutex mu_;
  int calls_ = 0;
  std::vector<shopcast::common::v1::Event> seen_;
};

// Polls `done` until true or `timeout`; false on timeout.
inline bool Eventually(const std::function<bool()>& done,
                       absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

}  // namespace shopcast::events::testing
