// Presence through whole App replicas against real PostgreSQL: join, heartbeat and leave for
// anonymous sessions and signed-in users, the host as the uncounted broadcaster, sessions that
// stop heartbeating swept out on any replica, peak, unique viewers and watch time, and a rush
// of joins pushed as a few coalesced viewer counts.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "engagement/engagement_client.h"
#include "shopcast/testing/wait.h"

namespace rp = shopcast::realtime_push::testing;
namespace pb = shopcast::realtime_push::v1;
using shopcast::testing::WaitUntil;

namespace {

// Long leases: nothing expires while the test runs, however slow the machine.
void LongLease(shopcast::realtime_push::Config& c) {
  c.heartbeat_interval = absl::Seconds(10);
  c.presence_lease = absl::Minutes(10);
  c.presence_sweep_interval = absl::Milliseconds(100);
  c.counts_push_interval = absl::Milliseconds(100);
}

// Short leases: a session left alone lapses within a second.
void ShortLease(shopcast::realtime_push::Config& c) {
  c.heartbeat_interval = absl::Milliseconds(200);
  c.presence_lease = absl::Milliseconds(600);
  c.presence_sweep_interval = absl::Milliseconds(100);
  c.counts_push_interval = absl::Milliseconds(100);
}

int64_t LastViewers(const rp::Subscriber& s) {
  auto events = rp::ViewerEvents(s);
  int64_t version = -1, viewers = -1;
  for (const auto& e : events) {
    if (e.version() > version) {
      version = e.version();
      viewers = e.viewer_count();
    }
  }
  return viewers;
}

}  // namespace

TEST_CASE("JoinRoom, Heartbeat and LeaveRoom count viewers, the host as the broadcaster") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica(LongLease).PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  const std::string ann = f.TokenFor("usr_ann");
  rp::Subscriber watcher(*stub, room, 0);
  REQUIRE(watcher.WaitForCount(1));

  pb::JoinRoomResponse join;
  REQUIRE(rp::Join(*stub, room, rp::SessionId(1), "", &join).ok());
  CHECK(join.viewer_count() == 1);
  CHECK(join.heartbeat_interval().seconds() == 10);
  CHECK(join.lease_ttl().seconds() == 600);
  REQUIRE(rp::Join(*stub, room, rp::SessionId(2), ann, &join).ok());
  CHECK(join.viewer_count() == 2);
  // Joining again is idempotent.
  REQUIRE(rp::Join(*stub, room, rp::SessionId(1), "", &join).ok());
  CHECK(join.viewer_count() == 2);
  // The same session id signed in is another participant (the user's), anonymous is not them.
  REQUIRE(rp::Join(*stub, room, rp::SessionId(9), f.TokenFor("usr_host", "host"), &join).ok());
  CHECK(join.viewer_count() == 2);  // the broadcaster is not a viewer
  CHECK(rp::QueryInt(f,
                     "SELECT role FROM room_presence WHERE stream_id = $1 AND user_id = "
                     "'usr_host'",
                     room) == 1);

  pb::HeartbeatResponse beat;
  REQUIRE(rp::Heartbeat(*stub, room, rp::SessionId(1), "", &beat).ok());
  CHECK(beat.viewer_count() == 2);
  REQUIRE(rp::Heartbeat(*stub, room, rp::SessionId(2), ann, &beat).ok());
  // Ann's session is hers: the same id anonymously never joined.
  rp::Outcome out = rp::Heartbeat(*stub, room, rp::SessionId(2), "", &beat);
  CHECK(out.code() == grpc::StatusCode::NOT_FOUND);
  CHECK(out.reason == "SESSION_NOT_FOUND");

  REQUIRE(rp::Leave(*stub, room, rp::SessionId(1)).ok());
  REQUIRE(rp::Leave(*stub, room, rp::SessionId(1)).ok());  // idempotent
  out = rp::Heartbeat(*stub, room, rp::SessionId(1));
  CHECK(out.code() == grpc::StatusCode::NOT_FOUND);
  CHECK(out.reason == "SESSION_NOT_FOUND");
  REQUIRE(WaitUntil([&] { return LastViewers(watcher) == 1; }, absl::Seconds(30)));

  // Back again: the same participant row, a second interval.
  REQUIRE(rp::Join(*stub, room, rp::SessionId(1), "", &join).ok());
  CHECK(join.viewer_count() == 2);
  REQUIRE(WaitUntil([&] { return LastViewers(watcher) == 2; }, absl::Seconds(30)));
  CHECK(rp::QueryInt(f, "SELECT count(*) FROM room_presence WHERE stream_id = $1", room) == 3);
  for (const auto& e : rp::ViewerEvents(watcher)) CHECK(e.peak_viewer_count() <= 2);
}

TEST_CASE("Sessions that stop heartbeating expire, swept by any replica") {
  rp::RoomsFixture f;
  auto& a = f.AddReplica(ShortLease);
  auto& b = f.AddReplica(ShortLease);
  auto sa = a.PublicStub();
  auto sb = b.PublicStub();
  const std::string room = f.OpenRoom();
  rp::Subscriber watcher(*sa, room, 0);
  REQUIRE(watcher.WaitForCount(1));

  REQUIRE(rp::Join(*sa, room, rp::SessionId(1)).ok());
  REQUIRE(rp::Join(*sb, room, rp::SessionId(2), f.TokenFor("usr_ann")).ok());
  REQUIRE(rp::Join(*sb, room, rp::SessionId(3)).ok());
  // A heartbeat may or may not land within the short lease on a busy machine; either answer is
  // right, and the session lapses after it anyway.
  (void)rp::Heartbeat(*sa, room, rp::SessionId(3));

  const char* kActive =
      "SELECT count(*) FROM room_presence WHERE stream_id = $1 AND active_since IS NOT NULL";
  REQUIRE(WaitUntil([&] { return rp::QueryInt(f, kActive, room) == 0; }, absl::Seconds(30)));
  REQUIRE(WaitUntil([&] { return LastViewers(watcher) == 0; }, absl::Seconds(30)));
  pb::RoomStats stats;
  REQUIRE(rp::Stats(*sb, room, f.TokenFor("usr_host", "host"), &stats).ok());
  CHECK(stats.viewer_count() == 0);
  CHECK(stats.peak_viewer_count() >= 1);  // a slow machine may lapse one before the next joins
  CHECK(stats.unique_viewers() == 3);
  // Each expired session ended at its last heartbeat.
  CHECK(rp::QueryInt(f,
                     "SELECT count(*) FROM room_presence WHERE stream_id = $1 AND "
                     "left_at = last_seen_at",
                     room) == 3);

  rp::Outcome out = rp::Heartbeat(*sb, room, rp::SessionId(1));
  CHECK(out.code() == grpc::StatusCode::NOT_FOUND);
  CHECK(out.reason == "SESSION_NOT_FOUND");
  // Joining again counts the session anew.
  pb::JoinRoomResponse join;
  REQUIRE(rp::Join(*sb, room, rp::SessionId(1), "", &join).ok());
  CHECK(join.viewer_count() == 1);
}

TEST_CASE("Peak, unique viewers and watch time are kept per participant") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica(LongLease).PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  const std::string ann = f.TokenFor("usr_ann");
  const std::string host = f.TokenFor("usr_host", "host");

  REQUIRE(rp::Join(*stub, room, rp::SessionId(1)).ok());
  REQUIRE(rp::Join(*stub, room, rp::SessionId(2)).ok());
  // Ann in two tabs: two sessions, one unique viewer.
  REQUIRE(rp::Join(*stub, room, rp::SessionId(3), ann).ok());
  REQUIRE(rp::Join(*stub, room, rp::SessionId(4), ann).ok());
  REQUIRE(rp::Leave(*stub, room, rp::SessionId(1)).ok());
  REQUIRE(rp::Leave(*stub, room, rp::SessionId(3), ann).ok());
  REQUIRE(rp::Join(*stub, room, rp::SessionId(5)).ok());

  pb::RoomStats stats;
  REQUIRE(rp::Stats(*stub, room, host, &stats).ok());
  CHECK(stats.host_view());
  CHECK(stats.viewer_count() == 3);
  CHECK(stats.peak_viewer_count() == 4);
  CHECK(stats.unique_viewers() == 4);  // sessions 1, 2, 5 and ann
  const int64_t total_us =
      stats.total_watch_time().seconds() * 1000000 + stats.total_watch_time().nanos() / 1000;
  const int64_t average_us =
      stats.average_watch_time().seconds() * 1000000 + stats.average_watch_time().nanos() / 1000;
  CHECK(total_us > 0);
  CHECK(average_us == total_us / 5);
  // The participants' rows: joined, left and how long, as the seeds' stream viewers keep them.
  CHECK(rp::QueryInt(f,
                     "SELECT count(*) FROM room_presence WHERE stream_id = $1 AND "
                     "left_at IS NOT NULL AND watched_us > 0 AND active_since IS NULL",
                     room) == 2);
  CHECK(rp::QueryInt(f,
                     "SELECT count(*) FROM room_presence WHERE stream_id = $1 AND "
                     "joined_at IS NOT NULL AND active_since IS NOT NULL",
                     room) == 3);
}

TEST_CASE("A rush of joins on two replicas is pushed as a few coalesced viewer counts") {
  rp::RoomsFixture f;
  auto long_lease = [](shopcast::realtime_push::Config& c) {
    c.heartbeat_interval = absl::Seconds(10);
    c.presence_lease = absl::Minutes(10);
  };  // the default push interval, 250 ms
  auto& a = f.AddReplica(long_lease);
  auto& b = f.AddReplica(long_lease);
  const std::string room = f.OpenRoom();
  auto watch_stub = a.PublicStub();
  rp::Subscriber watcher(*watch_stub, room, 0);
  REQUIRE(watcher.WaitForCount(1));

  constexpr int kThreads = 4;
  constexpr int kJoins = 120;
  const auto started = std::chrono::steady_clock::now();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = (t % 2 == 0 ? a : b).PublicStub();
      for (int i = t; i < kJoins; i += kThreads) {
        if (!rp::Join(*stub, room, rp::SessionId(i)).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  REQUIRE(WaitUntil([&] { return LastViewers(watcher) == kJoins; }, absl::Seconds(30)));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto events = rp::ViewerEvents(watcher);
  INFO("viewer events " << events.size() << " in " << elapsed << " s");
  CHECK(events.size() <= static_cast<size_t>(4 * elapsed + 2));
}
