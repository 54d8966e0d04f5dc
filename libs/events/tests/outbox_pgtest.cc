#include <google/protobuf/wrappers.pb.h>

#include <catch2/catch.hpp>
#include <pqxx/binarystring>
#include <pqxx/nontransaction>
#include <string>

#include "fixture.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::events {
namespace {

using testing::EventsDb;

TEST_CASE("Enqueue writes one row per destination holding the whole event") {
  EventsDb t;
  const absl::Time before = absl::Now();
  const std::string id = t.Commit("ord_1", "hello", {"realtime-push", "recording", "recording"});
  CHECK(ids::IsValidId(id, "evt"));
  CHECK(t.QueryInt("SELECT count(*) FROM outbox") == 2);
  CHECK(t.QueryInt("SELECT count(DISTINCT event_id) FROM outbox") == 1);
  CHECK(t.QueryText("SELECT string_agg(destination, ',' ORDER BY id) FROM outbox") ==
        "realtime-push,recording");

  pqxx::connection conn(t.db.dsn());
  pqxx::nontransaction tx(conn);
  const auto row = tx.exec1(
      "SELECT payload, type, source, aggregate_id, attempts, delivered_at IS NULL FROM outbox "
      "WHERE destination = 'recording'");
  const pqxx::binarystring blob(row[0]);
  shopcast::common::v1::Event event;
  REQUIRE(event.ParseFromArray(blob.data(), static_cast<int>(blob.size())));
  CHECK(event.id() == id);
  CHECK(event.type() == "test.happened");
  CHECK(event.source() == "test");
  CHECK(event.aggregate_id() == "ord_1");
  CHECK(event.occurred_at().seconds() >= absl::ToUnixSeconds(before));
  google::protobuf::StringValue payload;
  REQUIRE(event.payload().UnpackTo(&payload));
  CHECK(payload.value() == "hello");
  CHECK(row[1].as<std::string>() == "test.happened");
  CHECK(row[3].as<std::string>() == "ord_1");
  CHECK(row[4].as<int>() == 0);
  CHECK(row[5].as<bool>());
}

TEST_CASE("A prepared event written by the caller's own statement lands as Enqueue's would") {
  EventsDb t;
  pqxx::connection listener(t.db.dsn());
  {
    pqxx::nontransaction tx(listener);
    tx.exec0(std::string("LISTEN ") + kOutboxChannel);
  }
  google::protobuf::StringValue payload;
  payload.set_value("hello");
  const PreparedEvent p = PrepareEvent(OutgoingEvent{.source = "test",
                                                     .type = "test.happened",
                                                     .aggregate_id = "ord_1",
                                                     .destinations = {"b", "a", "b"},
                                                     .payload = &payload});
  CHECK(ids::IsValidId(p.event_id, "evt"));
  CHECK(p.destinations == "{\"a\",\"b\"}");
  {
    // One statement in autocommit, as a data-modifying WITH would call it.
    pqxx::connection conn(t.db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec_params("SELECT outbox_enqueue($1, $2::text[], $3, $4, $5, $6)", p.event_id,
                   p.destinations, p.type, p.source, p.aggregate_id,
                   pqxx::binarystring(p.payload.data(), p.payload.size()));
  }
  CHECK(t.QueryText("SELECT string_agg(destination || ':' || event_id, ',' ORDER BY id) "
                    "FROM outbox") == "a:" + p.event_id + ",b:" + p.event_id);
  CHECK(listener.await_notification(5, 0) == 1);
  pqxx::connection conn(t.db.dsn());
  pqxx::nontransaction tx(conn);
  const pqxx::binarystring blob(tx.exec1("SELECT payload FROM outbox LIMIT 1")[0]);
  shopcast::common::v1::Event event;
  REQUIRE(event.ParseFromArray(blob.data(), static_cast<int>(blob.size())));
  CHECK(event.id() == p.event_id);
  google::protobuf::StringValue back;
  REQUIRE(event.payload().UnpackTo(&back));
  CHECK(back.value() == "hello");
}

TEST_CASE("An event enqueued in a rolled-back transaction leaves nothing behind") {
  EventsDb t;
  google::protobuf::StringValue payload;
  const absl::Status s = db::InTransaction(*t.pool, [&](pqxx::work& tx) {
    Enqueue(tx, OutgoingEvent{.source = "test",
                              .type = "test.happened",
                              .aggregate_id = "ord_1",
                              .destinations = {"peer"},
                              .payload = &payload});
    return Error(absl::StatusCode::kFailedPrecondition, "SOLD_OUT", "changed our mind");
  });
  CHECK(ReasonOf(s) == "SOLD_OUT");
  CHECK(t.QueryInt("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("Enqueue refuses an incomplete event") {
  EventsDb t;
  google::protobuf::StringValue payload;
  const absl::Status s = db::InTransaction(*t.pool, [&](pqxx::work& tx) {
    OutgoingEvent no_destination;
    no_destination.source = "test";
    no_destination.type = "test.happened";
    no_destination.payload = &payload;
    Enqueue(tx, no_destination);
    return absl::OkStatus();
  });
  CHECK(s.code() == absl::StatusCode::kInternal);
  CHECK(t.QueryInt("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("Enqueue notifies listeners on the outbox channel at commit") {
  EventsDb t;
  pqxx::connection listener(t.db.dsn());
  {
    pqxx::nontransaction tx(listener);
    tx.exec0(std::string("LISTEN ") + kOutboxChannel);
  }
  t.Commit("ord_1", "x");
  CHECK(listener.await_notification(5, 0) == 1);
}

TEST_CASE("MarkProcessed is true the first time only, and only once committed") {
  EventsDb t;
  auto mark = [&](const std::string& id, bool commit) {
    absl::StatusOr<bool> first;
    const absl::Status s = db::InTransaction(*t.pool, [&](pqxx::work& tx) -> absl::Status {
      first = MarkProcessed(tx, id);
      if (!first.ok()) return first.status();
      return commit ? absl::OkStatus() : absl::CancelledError("roll back");
    });
    REQUIRE(first.ok());
    return *first;
  };
  CHECK(mark("evt_a", /*commit=*/false));
  CHECK(mark("evt_a", /*commit=*/true));  // The rolled-back mark didn't count.
  CHECK_FALSE(mark("evt_a", /*commit=*/true));
  CHECK(mark("evt_b", /*commit=*/true));

  absl::StatusOr<bool> empty;
  (void)db::InTransaction(*t.pool, [&](pqxx::work& tx) {
    empty = MarkProcessed(tx, "");
    return absl::OkStatus();
  });
  CHECK(empty.status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shopcast::events
