// How long a producer's committed event takes to reach a room's viewer: outbox commit ->
// relay (woken by NOTIFY) -> EventSink on realtime-push -> room log -> fan-out -> Subscribe.
// A measurement, not a timed test: hidden from ctest; run by hand (tools/bench/RESULTS.md):
//   SHOPCAST_TEST_PG_ENV=<dsn file> realtime_push_latency_test '[latency]'
#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>

#include "absl/strings/str_format.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/outbox.h"
#include "shopcast/events/relay.h"
#include "shopcast/events/sink.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "support/app_fixture.h"

namespace rp = shopcast::realtime_push::testing;
namespace vi = shopcast::video_ingest::v1;

TEST_CASE("commit-to-room latency of a producer's events", "[.latency]") {
  rp::RoomsFixture f;
  auto& replica = f.AddReplica();
  // The producer: its own database with an outbox, and a relay delivering to realtime-push.
  auto producer_db = shopcast::testing::TestDatabase::Create();
  REQUIRE(shopcast::db::ApplyMigrations(producer_db.dsn(), {&shopcast::events::OutboxMigrations()})
              .ok());
  auto pool = shopcast::db::Pool::Create(
      shopcast::db::PoolOptions{producer_db.dsn(), 2, absl::Seconds(5), {}, "producer"});
  REQUIRE(pool.ok());
  auto sink = shopcast::events::GrpcSink::ToInternalListener("realtime_push",
                                                             replica.internal_target(), f.Peer());
  REQUIRE(sink.ok());
  shopcast::events::RelayOptions relay_options;
  relay_options.poll_interval = absl::Minutes(1);  // only a commit's NOTIFY wakes it
  shopcast::events::Relay relay(**pool, {{"realtime_push", sink->get()}}, relay_options);
  relay.Start();

  const std::string stream = shopcast::ids::NewId("str");
  auto commit = [&](const std::string& type, const google::protobuf::Message& payload) {
    REQUIRE(shopcast::db::InTransaction(**pool, [&](pqxx::work& tx) -> absl::Status {
              shopcast::events::Enqueue(
                  tx,
                  {"video_ingest", "video_ingest." + type, stream, {"realtime_push"}, &payload});
              return absl::OkStatus();
            }).ok());
    return absl::Now();
  };
  vi::StreamWentLive live;
  live.set_stream_id(stream);
  live.set_host_id("usr_host");
  commit("stream_went_live", live);
  auto stub = replica.PublicStub();
  std::unique_ptr<rp::Subscriber> viewer;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        viewer = std::make_unique<rp::Subscriber>(*stub, stream, 0);
        return viewer->WaitForCount(1, absl::Seconds(1));
      },
      absl::Seconds(30)));

  constexpr int kEvents = 200;
  std::vector<absl::Time> committed;
  vi::StreamReconnecting reconnecting;
  reconnecting.set_stream_id(stream);
  for (int i = 0; i < kEvents; ++i) {
    const int64_t before = viewer->LastSequence();
    committed.push_back(i % 2 ? commit("stream_went_live", live)
                              : commit("stream_reconnecting", reconnecting));
    REQUIRE(viewer->WaitForSequence(before + 1, absl::Seconds(10)));
  }
  relay.Stop();
  const auto received = viewer->Received();
  const auto at = viewer->ReceivedAt();
  std::vector<double> ms;
  for (size_t i = received.size() - kEvents, k = 0; i < received.size(); ++i, ++k) {
    ms.push_back(absl::ToDoubleMilliseconds(at[i] - committed[k]));
  }
  std::sort(ms.begin(), ms.end());
  std::cout << absl::StrFormat(
      "commit-to-room over %d events: p50 %.2f ms, p90 %.2f ms, "
      "p99 %.2f ms, max %.2f ms\n",
      kEvents, ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms[ms.size() * 99 / 100], ms.back());
}
