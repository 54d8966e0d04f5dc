// Group commit on real PostgreSQL: a batch gives every request its own outcome, keeps each
// room's order, leaves the room state exactly as one append at a time would, and concurrent
// batches (two replicas) over the same rooms stay gapless without deadlocking.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "rooms/batch_append.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "support/app_fixture.h"

using shopcast::realtime_push::testing::ProductEvent;
using shopcast::realtime_push::testing::RoomsFixture;
namespace pb = shopcast::realtime_push::v1;
namespace rooms = shopcast::realtime_push::rooms;

namespace {

using Outcomes = std::vector<absl::StatusOr<rooms::Appended>>;

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
