// Group commit on real PostgreSQL: a batch gives every request its own outcome, keeps each
// room's order, leaves the room state exactly as one append at a time would, and concurrent
// batches (two replicas) over the same rooms stay gapless without deadlocking.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "rooms/batch_append.h"
#include "rooms/room_sql.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"
#include "support/app_fixture.h"

using shopcast::realtime_push::testing::ProductEvent;
using shopcast::realtime_push::testing::RoomsFixture;
namespace pb = shopcast::realtime_push::v1;
namespace rooms = shopcast::realtime_push::rooms;

namespace {

using Outcomes = std::vector<absl::StatusOr<rooms::Appended>>;

using Heads = absl::flat_hash_map<std::string, int64_t>;

std::optional<std::vector<rooms::Appended>> AtKnownHeads(
    RoomsFixture& f, const std::vector<rooms::AppendRequest>& requests, const Heads& heads) {
  auto lease = f.pool().Acquire();
  REQUIRE(lease.ok());
  return rooms::AppendAtKnownHeads(**lease, requests, heads);
}

// Each stored event of `room`, in log order: (sequence, event id).
std::vector<std::pair<int64_t, std::string>> Stored(rooms::RoomLog& log, const std::string& room) {
  auto rows = log.ReadAfter(room, 0, 1000);
  REQUIRE(rows.ok());
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& r : *rows) {
    pb::RoomEvent e;
    REQUIRE(e.ParseFromString(r.bytes));
    CHECK(e.sequence() == r.seq);
    out.emplace_back(r.seq, e.event_id());
  }
  return out;
}

Outcomes AppendBatch(RoomsFixture& f, const std::vector<rooms::AppendRequest>& requests) {
  auto out = shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::StatusOr<Outcomes> {
    return rooms::tx::AppendBatch(tx, requests);
  });
  REQUIRE(out.ok());
  return *std::move(out);
}

pb::RoomEvent Stock(const std::string& product_id, int64_t available, int64_t revision) {
  pb::RoomEvent e;
  e.mutable_stock_changed()->set_product_id(product_id);
  e.mutable_stock_changed()->set_available(available);
  e.mutable_stock_changed()->set_total(10);
  e.mutable_stock_changed()->set_sold_out(available == 0);
  e.mutable_stock_changed()->set_revision(revision);
  return e;
}

pb::RoomEvent Pins(const std::vector<pb::RoomEvent>& cards) {
  pb::RoomEvent e;
  for (const auto& c : cards)
    *e.mutable_pins_changed()->add_pinned() = c.product_created().product();
  return e;
}

}  // namespace

TEST_CASE("a batch gives each request its own outcome and keeps each room's order") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string a = f.OpenRoom();
  const std::string b = f.OpenRoom();
  const std::string closed = f.OpenRoom();
  REQUIRE(shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
            rooms::tx::CloseRoom(tx, closed, absl::Now());
            return absl::OkStatus();
          }).ok());
  REQUIRE(log.Append(a, "evt_before", ProductEvent("prd_1", "x")).ok());  // a's seq 1

  pb::RoomEvent ended;
  ended.mutable_stream_status_changed()->set_status(shopcast::common::v1::STREAM_STATUS_ENDED);
  const std::vector<rooms::AppendRequest> requests = {
      {b, "evt_b1", ProductEvent("prd_2", "b1")},
      {a, "evt_a2", ProductEvent("prd_1", "a2", 2)},
      {"str_0000000000000000000000000", "evt_x", ProductEvent("prd_1", "x")},
      {a, "evt_before", ProductEvent("prd_1", "stored before")},
      {closed, "evt_c", ProductEvent("prd_3", "c")},
      {b, "evt_b2", ProductEvent("prd_2", "b2", 2)},
      {a, "evt_a2", ProductEvent("prd_1", "earlier in this batch")},
      {closed, "evt_end", ended},
      {a, "evt_a3", ProductEvent("prd_1", "a3", 3)},
  };
  const Outcomes out = AppendBatch(f, requests);
  REQUIRE(out.size() == requests.size());
  REQUIRE(out[0].ok());
  CHECK(out[0]->seq == 1);
  REQUIRE(out[1].ok());
  CHECK(out[1]->seq == 2);
  CHECK(out[2].status().code() == absl::StatusCode::kNotFound);
  CHECK(shopcast::ReasonOf(out[2].status()) == "ROOM_NOT_FOUND");
  REQUIRE(out[3].ok());
  CHECK(out[3]->duplicate);
  CHECK(out[3]->seq == 1);
  CHECK(out[4].status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(out[4].status()) == "ROOM_CLOSED");
  REQUIRE(out[5].ok());
  CHECK(out[5]->seq == 2);
  REQUIRE(out[6].ok());
  CHECK(out[6]->duplicate);
  CHECK(out[6]->seq == 2);
  REQUIRE(out[7].ok());  // a closed room still takes its status
  CHECK(out[7]->seq == 1);
  REQUIRE(out[8].ok());
  CHECK(out[8]->seq == 3);

  // What was stored is what was answered, bytes and all, and the heads moved.
  CHECK(log.GetRoom(a)->head_seq == 3);
  CHECK(log.GetRoom(b)->head_seq == 2);
  CHECK(log.GetRoom(closed)->head_seq == 1);
  auto stored = log.ReadAfter(a, 0, 10);
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 3);
  CHECK((*stored)[1].bytes == out[1]->bytes);
  CHECK((*stored)[2].bytes == out[8]->bytes);
  pb::RoomEvent e;
  REQUIRE(e.ParseFromString((*stored)[2].bytes));
  CHECK(e.sequence() == 3);
  CHECK(e.event_id() == "evt_a3");
  CHECK(e.stream_id() == a);
  CHECK(e.product_created().product().title() == "a3");
  CHECK(out[8]->kind == pb::RoomEvent::kProductCreated);
}

TEST_CASE("event ids with quotes, backslashes and braces are stored and deduplicated intact") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string room = f.OpenRoom();
  const std::string odd = R"(evt_"{a,b}\ NULL)";
  const Outcomes first = AppendBatch(
      f, {{room, odd, ProductEvent("prd_1", "x")}, {room, "NULL", ProductEvent("prd_1", "y")}});
  REQUIRE(first[0].ok());
  REQUIRE(first[1].ok());
  CHECK(first[1]->seq == 2);
  const Outcomes again = AppendBatch(f, {{room, odd, ProductEvent("prd_1", "z")}});
  REQUIRE(again[0].ok());
  CHECK(again[0]->duplicate);
  CHECK(again[0]->seq == 1);
  auto stored = log.ReadAfter(room, 0, 10);
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 2);
  pb::RoomEvent e;
  REQUIRE(e.ParseFromString((*stored)[0].bytes));
  CHECK(e.event_id() == odd);
}

TEST_CASE("a batch leaves the room state exactly as appending one at a time does") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string one_by_one = f.OpenRoom();
  const std::string batched = f.OpenRoom();
  pb::RoomEvent live;
  live.mutable_stream_status_changed()->set_status(shopcast::common::v1::STREAM_STATUS_LIVE);
  // Cards of one product out of version order, a stale stock figure, pins and cards after
  // them: every fold and flush the batch does has a case here.
  const std::vector<pb::RoomEvent> events = {
      live,
      ProductEvent("prd_a", "A"),
      ProductEvent("prd_b", "B"),
      ProductEvent("prd_a", "A v3", 3),
      ProductEvent("prd_a", "A v2", 2),
      Stock("prd_b", 0, 5),
      Stock("prd_b", 4, 4),
      Pins({ProductEvent("prd_b", "B"), ProductEvent("prd_a", "A v3", 3)}),
      ProductEvent("prd_c", "C"),
      ProductEvent("prd_b", "B v2", 2),
      ProductEvent("prd_c", "C v5", 5),
      ProductEvent("prd_c", "C v5 again", 5),
      Stock("prd_c", 7, 1),
  };
  std::vector<rooms::AppendRequest> requests;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string id = absl::StrCat("evt_", i);
    REQUIRE(log.Append(one_by_one, id, events[i]).ok());
    requests.push_back({batched, id, events[i]});
  }
  for (const auto& o : AppendBatch(f, requests)) REQUIRE(o.ok());

  auto expected = log.Snapshot(one_by_one, absl::UnixEpoch());
  auto got = log.Snapshot(batched, absl::UnixEpoch());
  REQUIRE(expected.ok());
  REQUIRE(got.ok());
  got->set_stream_id(one_by_one);
  CHECK(got->DebugString() == expected->DebugString());
  REQUIRE(got->products_size() == 3);
  CHECK(got->products(0).title() == "C v5 again");  // newest first, the last of the top version
  CHECK(got->products(0).available() == 7);
}

TEST_CASE("concurrent appenders on two replicas keep every room gapless, each event once") {
  RoomsFixture f;
  auto& r1 = f.AddReplica();
  auto& r2 = f.AddReplica();
  rooms::BatchAppender first(f.pool(), r1.hub(), rooms::BatchOptions{16}, nullptr);
  rooms::BatchAppender second(f.pool(), r2.hub(), rooms::BatchOptions{16}, nullptr);
  first.Start();
  second.Start();
  const std::vector<std::string> rooms_ids = {f.OpenRoom(), f.OpenRoom(), f.OpenRoom()};

  constexpr int kThreads = 6;
  constexpr int kPerThread = 60;
  constexpr int kDoubled = kThreads * ((kPerThread + 2) / 3);  // i % 3 == 0
  absl::BlockingCounter done(kThreads * kPerThread + kDoubled);
  std::mutex mu;
  std::map<std::string, std::set<int64_t>> seqs;
  int failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      rooms::BatchAppender& appender = t % 2 == 0 ? first : second;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string& room = rooms_ids[static_cast<size_t>((t + i) % 3)];
        // Every third event is sent twice, through both replicas: appended once.
        const std::string id = absl::StrCat("evt_", t, "_", i);
        const int copies = i % 3 == 0 ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
          rooms::BatchAppender& via = c == 0 ? appender : (t % 2 == 0 ? second : first);
          via.Submit({room, id, ProductEvent("prd_1", id)},
                     [&, room](absl::StatusOr<rooms::Appended> a) {
                       std::lock_guard<std::mutex> lock(mu);
                       if (!a.ok()) {
                         ++failures;
                       } else if (!a->duplicate) {
                         seqs[room].insert(a->seq);
                       }
                       done.DecrementCount();
                     });
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  done.Wait();
  first.Stop();
  second.Stop();

  CHECK(failures == 0);
  size_t total = 0;
  rooms::RoomLog log(f.pool());
  for (const std::string& room : rooms_ids) {
    const std::set<int64_t>& s = seqs[room];
    total += s.size();
    REQUIRE(!s.empty());
    CHECK(*s.begin() == 1);
    CHECK(*s.rbegin() == static_cast<int64_t>(s.size()));
    CHECK(log.GetRoom(room)->head_seq == static_cast<int64_t>(s.size()));
  }
  CHECK(total == kThreads * kPerThread);
}

TEST_CASE("an appender that stopped refuses new events instead of dropping them") {
  RoomsFixture f;
  auto& r = f.AddReplica();
  rooms::BatchAppender appender(f.pool(), r.hub(), {}, nullptr);
  appender.Start();
  appender.Stop();
  absl::Status status;
  appender.Submit({f.OpenRoom(), "evt_1", ProductEvent("prd_1", "x")},
                  [&](absl::StatusOr<rooms::Appended> a) { status = a.status(); });
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(shopcast::ReasonOf(status) == "SERVER_SHUTTING_DOWN");
}

TEST_CASE("one statement appends many rooms' batch gapless and in order, from the known heads") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  std::vector<std::string> ids;
  Heads heads;
  for (int r = 0; r < 20; ++r) {
    ids.push_back(f.OpenRoom());
    REQUIRE(log.Append(ids.back(), "evt_first", ProductEvent("prd_1", "first")).ok());
    heads[ids.back()] = 1;
  }
  // Three events per room, the rooms interleaved; a chat message (no room state) among them.
  std::vector<rooms::AppendRequest> requests;
  for (int i = 0; i < 3; ++i) {
    for (size_t r = 0; r < ids.size(); ++r) {
      pb::RoomEvent e = ProductEvent("prd_1", absl::StrCat("v", i + 2), i + 2);
      if (r == 0 && i == 1) {
        e.Clear();
        e.mutable_chat_message()->set_text("hello");
      }
      requests.push_back({ids[r], absl::StrCat("evt_", r, "_", i), e});
    }
  }
  auto out = AtKnownHeads(f, requests, heads);
  REQUIRE(out.has_value());
  REQUIRE(out->size() == requests.size());
  for (size_t k = 0; k < requests.size(); ++k) {
    CHECK((*out)[k].stream_id == requests[k].stream_id);
    CHECK((*out)[k].seq == static_cast<int64_t>(k / ids.size()) + 2);
    CHECK_FALSE((*out)[k].duplicate);
  }
  for (size_t r = 0; r < ids.size(); ++r) {
    CHECK(log.GetRoom(ids[r])->head_seq == 4);
    const auto stored = Stored(log, ids[r]);
    REQUIRE(stored.size() == 4);
    for (int i = 0; i < 3; ++i) {
      CHECK(stored[static_cast<size_t>(i) + 1] ==
            std::make_pair(int64_t{i + 2}, absl::StrCat("evt_", r, "_", i)));
    }
  }
  // The card is the highest version's, as the transaction path leaves it.
  auto snapshot = log.Snapshot(ids[1], absl::UnixEpoch());
  REQUIRE(snapshot.ok());
  REQUIRE(snapshot->products_size() == 1);
  CHECK(snapshot->products(0).title() == "v4");
}

TEST_CASE("one statement writes nothing when a head moved, a room closed or an event id repeats") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string a = f.OpenRoom();
  const std::string b = f.OpenRoom();
  REQUIRE(log.Append(a, "evt_a1", ProductEvent("prd_1", "a1")).ok());
  REQUIRE(log.Append(b, "evt_b1", ProductEvent("prd_1", "b1")).ok());
  const Heads heads = {{a, 1}, {b, 1}};
  auto unchanged = [&] {
    CHECK(log.GetRoom(a)->head_seq == 1);
    CHECK(Stored(log, a).size() == 1);
    CHECK(log.GetRoom(b)->head_seq <= 2);
  };

  SECTION("an event id stored before") {
    CHECK_FALSE(AtKnownHeads(
        f,
        {{a, "evt_a2", ProductEvent("prd_1", "a2")}, {b, "evt_b1", ProductEvent("prd_1", "again")}},
        heads));
    unchanged();
    CHECK(log.GetRoom(b)->head_seq == 1);
  }
  SECTION("an event id twice in the batch") {
    CHECK_FALSE(AtKnownHeads(f,
                             {{a, "evt_a2", ProductEvent("prd_1", "a2")},
                              {a, "evt_a2", ProductEvent("prd_1", "a2 again")}},
                             heads));
    unchanged();
  }
  SECTION("another replica moved a head") {
    REQUIRE(log.Append(b, "evt_b2", ProductEvent("prd_1", "b2")).ok());
    CHECK_FALSE(AtKnownHeads(
        f, {{a, "evt_a2", ProductEvent("prd_1", "a2")}, {b, "evt_b3", ProductEvent("prd_1", "b3")}},
        heads));
    unchanged();
    CHECK(Stored(log, b).size() == 2);
  }
  SECTION("a closed room") {
    REQUIRE(shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
              rooms::tx::CloseRoom(tx, b, absl::Now());
              return absl::OkStatus();
            }).ok());
    CHECK_FALSE(AtKnownHeads(
        f, {{a, "evt_a2", ProductEvent("prd_1", "a2")}, {b, "evt_b2", ProductEvent("prd_1", "b2")}},
        heads));
    unchanged();
  }
  SECTION("a room whose head is not known, or an event beyond a card") {
    CHECK_FALSE(AtKnownHeads(f,
                             {{a, "evt_a2", ProductEvent("prd_1", "a2")},
                              {f.OpenRoom(), "evt_c1", ProductEvent("prd_1", "c1")}},
                             heads));
    CHECK_FALSE(AtKnownHeads(f, {{a, "evt_a2", Stock("prd_1", 3, 1)}}, heads));
    unchanged();
  }
}

TEST_CASE("an appender under load takes the one-statement path, gapless, a repeat a no-op") {
  RoomsFixture f;
  auto& r = f.AddReplica();
  // A linger so batches fill with many rooms' events.
  rooms::BatchAppender appender(f.pool(), r.hub(), rooms::BatchOptions{64, absl::Milliseconds(5)},
                                nullptr);
  appender.Start();
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(f.OpenRoom());

  std::mutex mu;
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> answered;  // new events
  std::map<std::string, int64_t> first_seq;                                      // by event id
  std::vector<std::pair<std::string, int64_t>> repeats;  // event id, the sequence answered
  int failures = 0;
  auto submit_round = [&](int round) {
    // Every room's event of this round and, on odd rounds, each third room's event of the
    // round before again (a redelivery inside a later batch; it sends that batch through a
    // transaction, and the even rounds after it through one statement again).
    const bool redeliver = round % 2 == 1;
    absl::BlockingCounter done(static_cast<int>(ids.size() + (redeliver ? ids.size() / 3 : 0)));
    for (size_t k = 0; k < ids.size(); ++k) {
      const std::string room = ids[k];
      const std::string id = absl::StrCat("evt_", k, "_", round);
      appender.Submit({room, id, ProductEvent("prd_1", id, round + 1)},
                      [&, room, id](absl::StatusOr<rooms::Appended> a) {
                        std::lock_guard<std::mutex> lock(mu);
                        if (!a.ok() || a->duplicate) {
                          ++failures;
                        } else {
                          answered[room].emplace_back(a->seq, id);
                          first_seq[id] = a->seq;
                        }
                        done.DecrementCount();
                      });
      if (redeliver && k % 3 == 0) {
        const std::string again = absl::StrCat("evt_", k, "_", round - 1);
        appender.Submit({room, again, ProductEvent("prd_1", "again", round)},
                        [&, again](absl::StatusOr<rooms::Appended> a) {
                          std::lock_guard<std::mutex> lock(mu);
                          if (!a.ok() || !a->duplicate) {
                            ++failures;
                          } else {
                            repeats.emplace_back(again, a->seq);
                          }
                          done.DecrementCount();
                        });
      }
    }
    done.Wait();
  };
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) submit_round(round);
  appender.Stop();

  CHECK(failures == 0);
  CHECK(appender.OneStatementBatches() > 0);  // even rounds after the first know every head
  CHECK(appender.TransactionBatches() > 0);   // the first round and the redeliveries
  rooms::RoomLog log(f.pool());
  for (size_t k = 0; k < ids.size(); ++k) {
    // Gapless, in submission order, each event once, and what was answered is what is stored.
    std::vector<std::pair<int64_t, std::string>> expected;
    for (int round = 0; round < kRounds; ++round) {
      expected.emplace_back(round + 1, absl::StrCat("evt_", k, "_", round));
    }
    CHECK(Stored(log, ids[k]) == expected);
    CHECK(answered[ids[k]] == expected);
    CHECK(log.GetRoom(ids[k])->head_seq == kRounds);
  }
  REQUIRE(repeats.size() == (kRounds / 2) * (ids.size() / 3));
  for (const auto& [id, seq] : repeats) CHECK(seq == first_seq[id]);
}

// A fresh database (or one whose log grew fast since the last ANALYZE) has statistics that call
// room_events empty; a plan cached then must still not read the whole log at every Publish.
TEST_CASE("Publish's event id checks probe the log's unique index, however small it looks") {
  RoomsFixture f;
  for (const auto& [name, sql, params] :
       {std::tuple{"the transaction's lookup", rooms::sql::kSelectEventIds, 2},
        std::tuple{"the one statement", rooms::sql::kAppendAtKnownHeads, 13}}) {
    INFO(name);
    const std::string plan = shopcast::testing::GenericPlan(f.dsn(), sql, params);
    INFO(plan);
    CHECK(plan.find("Seq Scan on room_events") == std::string::npos);
    CHECK(plan.find("Seq Scan on rooms") == std::string::npos);
    // One probe of the unique index per requested id.
    CHECK(plan.find("room_events_event_id_key") != std::string::npos);
    CHECK(plan.find("Index Cond: ((stream_id = k.stream_id) AND (event_id = k.event_id))") !=
          std::string::npos);
  }
  // Moving the heads finds each room by its key too.
  const std::string plan =
      shopcast::testing::GenericPlan(f.dsn(), rooms::sql::kAdvanceHeadsAndNotify, 2);
  INFO(plan);
  CHECK(plan.find("Seq Scan on rooms") == std::string::npos);
  CHECK(plan.find("Index Cond: (stream_id = ANY ($1))") != std::string::npos);
}
