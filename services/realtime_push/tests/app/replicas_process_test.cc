// Two realtime-push processes serving the same rooms, as two pods of the Deployment: a viewer
// on one sees, in order, what was published through the other; a replica that is stopped lets
// its viewers go at once, and one that dies loses them nothing when they resume elsewhere.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "rooms/room_log.h"
#include "rooms/room_sql.h"
#include "shopcast/db/pool.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "support/app_fixture.h"
#include "support/process_fixture.h"

using shopcast::realtime_push::testing::Deployment;
using shopcast::realtime_push::testing::Process;
using shopcast::realtime_push::testing::ProductEvent;
using shopcast::realtime_push::testing::Publish;
using shopcast::realtime_push::testing::Subscriber;
namespace pb = shopcast::realtime_push::v1;

namespace {

std::string OpenRoom(const Deployment& d) {
  auto pool = shopcast::db::Pool::Create(
      shopcast::db::PoolOptions{d.dsn(), 1, absl::Seconds(10),
                                shopcast::realtime_push::rooms::sql::PreparedStatements(), "test"});
  REQUIRE(pool.ok());
  std::string id = shopcast::ids::NewId("str");
  REQUIRE(shopcast::db::InTransaction(**pool, [&](pqxx::work& tx) -> absl::Status {
            shopcast::realtime_push::rooms::tx::OpenRoom(tx, id, "usr_host", "show", absl::Now());
            return absl::OkStatus();
          }).ok());
  return id;
}

void CheckInOrder(const Subscriber& s, int64_t after, int64_t last) {
  std::vector<int64_t> expected;
  for (int64_t i = after + 1; i <= last; ++i) expected.push_back(i);
  CHECK(s.Sequences() == expected);
}

}  // namespace

TEST_CASE(
    "two replica processes share rooms, and a stopped or killed one loses its viewers nothing") {
  Deployment d;
  Process a(d, "a");
  Process b(d, "b");
  const std::string room = OpenRoom(d);
  auto on_b_stub = b.PublicStub();
  auto on_a_stub = a.PublicStub();
  Subscriber on_b(*on_b_stub, room, 0);
  Subscriber on_a(*on_a_stub, room, 0);
  REQUIRE(on_b.WaitForCount(1));
  REQUIRE(on_a.WaitForCount(1));

  auto publish_a = a.InternalStub();
  auto publish_b = b.InternalStub();
  for (int i = 1; i <= 60; ++i) {
    Publish(i % 3 ? *publish_a : *publish_b, room, absl::StrCat("e", i), ProductEvent("p", "x"));
  }
  REQUIRE(on_b.WaitForSequence(60));
  REQUIRE(on_a.WaitForSequence(60));
  CheckInOrder(on_b, 0, 60);
  CheckInOrder(on_a, 0, 60);

  // SIGTERM: A's viewers are told to go elsewhere at once (not after the drain) and it exits 0.
  CHECK(a.Terminate(absl::Seconds(30)) == 0);
  grpc::Status gone = on_a.Wait(absl::Seconds(10));
  CHECK(gone.error_code() == grpc::StatusCode::UNAVAILABLE);
  // They resume on B from their last sequence while B keeps publishing.
  Subscriber resumed(*on_b_stub, room, on_a.LastSequence());
  for (int i = 61; i <= 80; ++i)
    Publish(*publish_b, room, absl::StrCat("e", i), ProductEvent("p", "x"));
  REQUIRE(resumed.WaitForSequence(80));
  CHECK(resumed.Received()[0].started().resumed());
  CheckInOrder(resumed, 60, 80);

  // SIGKILL: a replica that vanishes. Its viewers see the call fail and resume elsewhere.
  Process c(d, "c");
  auto on_c_stub = c.PublicStub();
  Subscriber on_c(*on_c_stub, room, 80);
  auto publish_c = c.InternalStub();
  Publish(*publish_c, room, "e81", ProductEvent("p", "x"));
  REQUIRE(on_c.WaitForSequence(81));
  c.Kill();
  CHECK_FALSE(on_c.Wait(absl::Seconds(30)).ok());
  for (int i = 82; i <= 90; ++i)
    Publish(*publish_b, room, absl::StrCat("e", i), ProductEvent("p", "x"));
  Subscriber after_crash(*on_b_stub, room, on_c.LastSequence());
  REQUIRE(after_crash.WaitForSequence(90));
  CheckInOrder(after_crash, 81, 90);
  CHECK(on_b.WaitForSequence(90));
  CheckInOrder(on_b, 0, 90);
}
