// Subscribe against real PostgreSQL and real gRPC clients: snapshot then live events, resume
// with no gap and no duplicate while events keep flowing, a slow reader resynced while others
// keep up, a resume beyond retention, two replicas sharing a room, and the bad requests.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"

using shopcast::realtime_push::testing::ProductEvent;
using shopcast::realtime_push::testing::Publish;
using shopcast::realtime_push::testing::RoomsFixture;
using shopcast::realtime_push::testing::Subscriber;
namespace pb = shopcast::realtime_push::v1;

namespace {

// Every durable event after `after` exactly once and in order, across starts and resyncs.
void CheckContiguous(const std::vector<pb::SubscribeResponse>& received, int64_t after) {
  int64_t last = after;
  for (const auto& m : received) {
    if (m.has_started() && !m.started().resumed()) last = m.started().snapshot().sequence();
    if (m.has_resync()) last = m.resync().snapshot().sequence();
    if (m.has_event() && !m.event().ephemeral()) {
      REQUIRE(m.event().sequence() == last + 1);
      last = m.event().sequence();
    }
    for (const pb::RoomEvent& e : m.events().events()) {
      REQUIRE_FALSE(e.ephemeral());
      REQUIRE(e.sequence() == last + 1);
      last = e.sequence();
    }
  }
}

// How many messages of `received` were batches, and the largest batch.
struct BatchCount {
  int batches = 0;
  int largest = 0;
};
BatchCount CountBatches(const std::vector<pb::SubscribeResponse>& received) {
  BatchCount c;
  for (const auto& m : received) {
    if (!m.has_events()) continue;
    ++c.batches;
    c.largest = std::max(c.largest, m.events().events_size());
  }
  return c;
}

}  // namespace

TEST_CASE("a new subscriber gets a snapshot, then every event live in order") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto internal = replica.InternalStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  Publish(*internal, room, "e1", ProductEvent("prd_a", "before"));

  Subscriber sub(*stub, room, 0);
  REQUIRE(sub.WaitForCount(1));
  pb::SubscribeResponse first = sub.Received()[0];
  REQUIRE(first.has_started());
  CHECK_FALSE(first.started().resumed());
  CHECK(first.started().snapshot().sequence() == 1);
  CHECK(first.started().snapshot().products(0).title() == "before");

  for (int i = 2; i <= 50; ++i) {
    CHECK(Publish(*internal, room, absl::StrCat("e", i), ProductEvent("prd_a", "x")) == i);
  }
  REQUIRE(sub.WaitForSequence(50));
  CheckContiguous(sub.Received(), 0);
  CHECK(sub.Sequences().size() == 49);
  // A repeated publish is a no-op: same sequence, nothing delivered again.
  CHECK(Publish(*internal, room, "e7", ProductEvent("prd_a", "x")) == 7);
  Publish(*internal, room, "e51", ProductEvent("prd_a", "x"));
  REQUIRE(sub.WaitForSequence(51));
  CHECK(sub.Sequences().size() == 50);
}

TEST_CASE("a reconnect with after_sequence misses and repeats nothing while events flow") {
  RoomsFixture f;
  // Room enough that a reader delayed by a loaded machine is never resynced: this test is
  // about resuming, and a resync (its own test below) would skip events on purpose.
  auto& replica = f.AddReplica([](shopcast::realtime_push::Config& c) {
    c.feed_ring = 4096;
    c.max_subscriber_lag = 2048;
  });
  auto internal = replica.InternalStub(f.Peer());
  const std::string room = f.OpenRoom();
  std::atomic<bool> stop{false};
  std::atomic<int> published{0};
  std::thread publisher([&] {
    auto stub = replica.InternalStub(f.Peer());
    for (int i = 1; i <= 400 && !stop; ++i) {
      Publish(*stub, room, absl::StrCat("e", i), ProductEvent("prd_a", "x"));
      published = i;
    }
  });
  std::vector<int64_t> all;
  int64_t last = 0;
  // Three reconnects in the middle of the flow, each resuming where the last one stopped.
  for (int round = 0; round < 4; ++round) {
    auto stub = replica.PublicStub();
    Subscriber sub(*stub, room, last);
    const int64_t target = std::min<int64_t>(400, last + 60);
    REQUIRE(shopcast::testing::WaitUntil([&] { return published >= target; }, absl::Seconds(60)));
    REQUIRE(sub.WaitForSequence(target));
    sub.Cancel();
    sub.Wait();
    auto received = sub.Received();
    REQUIRE(received[0].has_started());
    if (round > 0) CHECK(received[0].started().resumed());
    CheckContiguous(received, last);
    for (const auto& m : received) REQUIRE_FALSE(m.has_resync());
    for (int64_t s : sub.Sequences()) all.push_back(s);
    last = sub.LastSequence();
  }
  publisher.join();
  auto stub = replica.PublicStub();
  Subscriber tail(*stub, room, last);
  REQUIRE(tail.WaitForSequence(400));
  CheckContiguous(tail.Received(), last);
  for (int64_t s : tail.Sequences()) all.push_back(s);
  // Before the first subscriber's snapshot: events 1..k are in its snapshot, not its stream.
  REQUIRE_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) REQUIRE(all[i] == all[i - 1] + 1);
  CHECK(all.back() == 400);
}

TEST_CASE("a reader that falls behind is resynced — the room and other readers keep pace") {
  RoomsFixture f;
  auto& replica = f.AddReplica([](shopcast::realtime_push::Config& c) {
    c.feed_ring = 64;
    c.max_subscriber_lag = 32;
  });
  auto internal = replica.InternalStub(f.Peer());
  const std::string room = f.OpenRoom();
  auto fast_stub = replica.PublicStub();
  auto slow_stub = replica.PublicStub(16 * 1024);  // a small window: it fills up quickly
  Subscriber fast(*fast_stub, room, 0);
  Subscriber slow(*slow_stub, room, 0, /*paused=*/true);
  REQUIRE(fast.WaitForCount(1));
  // 1.5 MB of events: far beyond what the slow reader's window and socket buffers hold.
  const int kEvents = 1500;
  for (int i = 1; i <= kEvents; ++i) {
    Publish(*internal, room, absl::StrCat("e", i), ProductEvent("prd_a", "x", 1, 1000));
  }
  REQUIRE(fast.WaitForSequence(kEvents));
  CheckContiguous(fast.Received(), 0);
  slow.Resume();
  REQUIRE(slow.WaitForSequence(kEvents, absl::Seconds(60)));
  auto received = slow.Received();
  CheckContiguous(received, 0);
  bool resynced = false;
  for (const auto& m : received) {
    if (m.has_resync()) {
      resynced = true;
      CHECK(m.resync().reason() == pb::Resync::REASON_TOO_SLOW);
    }
  }
  CHECK(resynced);
  // It skipped what it could not keep up with instead of receiving everything late.
  CHECK(slow.Sequences().size() < static_cast<size_t>(kEvents));
}

TEST_CASE("resuming from before the retained log starts from a snapshot instead") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto internal = replica.InternalStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  for (int i = 1; i <= 20; ++i)
    Publish(*internal, room, absl::StrCat("e", i), ProductEvent("p", "x"));
  REQUIRE(replica.log().Purge(5, absl::Now() - absl::Hours(1)).ok());

  Subscriber old(*stub, room, 3);
  REQUIRE(old.WaitForCount(1));
  CHECK_FALSE(old.Received()[0].started().resumed());
  CHECK(old.Received()[0].started().snapshot().sequence() == 20);

  Subscriber recent(*stub, room, 15);
  REQUIRE(recent.WaitForSequence(20));
  CHECK(recent.Received()[0].started().resumed());
  CHECK(recent.Sequences() == std::vector<int64_t>{16, 17, 18, 19, 20});
}

TEST_CASE("two replicas serve one room: a subscriber on one sees what the other published") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  auto publish_a = a.InternalStub(f.Peer());
  auto publish_b = b.InternalStub(f.Peer());
  auto stub_b = b.PublicStub();
  auto stub_a = a.PublicStub();
  const std::string room = f.OpenRoom();
  Subscriber on_b(*stub_b, room, 0);
  Subscriber on_a(*stub_a, room, 0);
  REQUIRE(on_b.WaitForCount(1));
  REQUIRE(on_a.WaitForCount(1));
  for (int i = 1; i <= 100; ++i) {
    Publish(i % 2 ? *publish_a : *publish_b, room, absl::StrCat("e", i), ProductEvent("p", "x"));
  }
  REQUIRE(on_b.WaitForSequence(100));
  REQUIRE(on_a.WaitForSequence(100));
  CheckContiguous(on_b.Received(), 0);
  CheckContiguous(on_a.Received(), 0);
  CHECK(on_b.Sequences().size() == 100);
}

TEST_CASE("ephemeral counts reach live subscribers on every replica and are never logged") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  auto publish_a = a.InternalStub(f.Peer());
  auto stub_b = b.PublicStub();
  const std::string room = f.OpenRoom();
  Publish(*publish_a, room, "e1", ProductEvent("p", "x"));
  Subscriber sub(*stub_b, room, 0);
  REQUIRE(sub.WaitForCount(1));
  pb::RoomEvent count;
  count.mutable_viewer_count()->set_viewer_count(42);
  CHECK(Publish(*publish_a, room, "v1", count) == 1);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        for (const auto& m : sub.Received()) {
          if (m.has_event() && m.event().has_viewer_count()) return true;
        }
        return false;
      },
      absl::Seconds(30)));
  for (const auto& m : sub.Received()) {
    if (m.has_event() && m.event().has_viewer_count()) {
      CHECK(m.event().ephemeral());
      CHECK(m.event().viewer_count().viewer_count() == 42);
      CHECK(m.event().sequence() == 1);
    }
  }
  CHECK(a.log().GetRoom(room)->head_seq == 1);
}

TEST_CASE("Subscribe and Publish refuse bad requests with a reason") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  auto internal = replica.InternalStub(f.Peer());
  const std::string room = f.OpenRoom();

  auto status_of = [&](const std::string& id, int64_t after) {
    Subscriber s(*stub, id, after);
    return s.Wait();
  };
  CHECK(status_of("", 0).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status_of("str_not-an-id", 0).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status_of(room, -1).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status_of(shopcast::ids::NewId("str"), 0).error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(status_of(room, 5).error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  for (int bad : {-1, 1025}) {
    Subscriber s(*stub, room, 0, false, bad);
    grpc::Status st = s.Wait();
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(st.error_message(), "max_events_per_message"));
  }

  auto publish_status = [&](const std::string& id, const std::string& event_id,
                            const pb::RoomEvent& e) {
    pb::PublishRequest req;
    req.set_stream_id(id);
    req.set_event_id(event_id);
    *req.mutable_event() = e;
    pb::PublishResponse res;
    grpc::ClientContext ctx;
    return internal->Publish(&ctx, req, &res).error_code();
  };
  CHECK(publish_status(room, "", ProductEvent("p", "x")) == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(publish_status(room, std::string(65, 'e'), ProductEvent("p", "x")) ==
        grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(publish_status(room, "has space", ProductEvent("p", "x")) ==
        grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(publish_status(room, "e1", pb::RoomEvent()) == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(publish_status(shopcast::ids::NewId("str"), "e1", ProductEvent("p", "x")) ==
        grpc::StatusCode::NOT_FOUND);
  CHECK(replica.log().GetRoom(room)->head_seq == 0);

  // Publish is internal: the public listener does not serve it, and the internal one wants a
  // service certificate.
  auto public_channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(replica.host().grpc_port()),
                          grpc::InsecureChannelCredentials());
  auto on_public = pb::RealtimePushInternalService::NewStub(public_channel);
  pb::PublishRequest req;
  req.set_stream_id(room);
  req.set_event_id("e1");
  *req.mutable_event() = ProductEvent("p", "x");
  pb::PublishResponse res;
  grpc::ClientContext ctx;
  CHECK(on_public->Publish(&ctx, req, &res).error_code() == grpc::StatusCode::UNIMPLEMENTED);
  CHECK(replica.log().GetRoom(room)->head_seq == 0);
}

TEST_CASE("each Subscribe call is logged and counted once, by its reactor, with its request id") {
  std::string captured;
  shopcast::log::CaptureForTesting(&captured);
  // Stops the capture however the test ends (before `captured` goes).
  struct StopCapture {
    ~StopCapture() { shopcast::log::CaptureForTesting(nullptr); }
  } stop_capture;
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  auto internal = replica.InternalStub(f.Peer());
  const std::string room = f.OpenRoom();

  {  // Served, then cancelled by the client: CANCELLED, at info like any cancelled call.
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-request-id", "req-sub-live");
    pb::SubscribeRequest req;
    req.set_stream_id(room);
    auto reader = stub->Subscribe(&ctx, req);
    pb::SubscribeResponse first;
    REQUIRE(reader->Read(&first));
    CHECK(first.has_started());
    Publish(*internal, room, "e1", ProductEvent("prd_a", "x"));
    pb::SubscribeResponse event;
    REQUIRE(reader->Read(&event));
    CHECK(event.event().sequence() == 1);
    auto echoed = ctx.GetServerInitialMetadata().find("x-request-id");
    REQUIRE(echoed != ctx.GetServerInitialMetadata().end());
    CHECK(std::string(echoed->second.data(), echoed->second.size()) == "req-sub-live");
    ctx.TryCancel();
    while (reader->Read(&event)) {
    }
    CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  }
  {  // Refused: its code and reason.
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-request-id", "req-sub-ahead");
    pb::SubscribeRequest req;
    req.set_stream_id(room);
    req.set_after_sequence(99);
    auto reader = stub->Subscribe(&ctx, req);
    pb::SubscribeResponse ignored;
    while (reader->Read(&ignored)) {
    }
    CHECK(reader->Finish().error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  }

  auto handled = [&replica] {
    double n = 0;
    for (const auto& family : replica.host().metrics().Collect()) {
      if (family.name != "grpc_server_handled_total") continue;
      for (const auto& m : family.metric) {
        for (const auto& l : m.label) {
          if (l.name == "grpc_method" && l.value == "Subscribe") n += m.counter.value;
        }
      }
    }
    return n;
  };
  // The reactor records its call at OnDone, just after the client saw the status, and logs
  // before it counts.
  REQUIRE(shopcast::testing::WaitUntil([&] { return handled() >= 2; }, absl::Seconds(30)));
  shopcast::log::CaptureForTesting(nullptr);  // nothing writes to `captured` from here on
  CHECK(handled() == 2);
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(captured, '\n')) {
    if (absl::StrContains(line, "\"event\":\"rpc\"") &&
        absl::StrContains(line, "\"method\":\"Subscribe\"")) {
      lines.emplace_back(line);
    }
  }
  REQUIRE(lines.size() == 2);  // not a second line per call from the interceptor
  // The calls ended one after the other, but their records need not be in that order.
  if (absl::StrContains(lines[1], "req-sub-live")) std::swap(lines[0], lines[1]);
  CHECK(absl::StrContains(lines[0], "\"request_id\":\"req-sub-live\""));
  CHECK(absl::StrContains(lines[0], "\"code\":\"CANCELLED\""));
  CHECK(absl::StrContains(lines[0], "\"level\":\"info\""));
  CHECK(absl::StrContains(lines[1], "\"request_id\":\"req-sub-ahead\""));
  CHECK(absl::StrContains(lines[1], "\"code\":\"FAILED_PRECONDITION\""));
  CHECK(absl::StrContains(lines[1], "\"reason\":\"SEQUENCE_AHEAD\""));
  CHECK(absl::StrContains(lines[1], "\"level\":\"warn\""));
}

TEST_CASE("an idle subscription gets keep-alives and no events it did not ask for") {
  RoomsFixture f;
  auto& replica =
      f.AddReplica([](shopcast::realtime_push::Config& c) { c.keep_alive = absl::Seconds(1); });
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  Subscriber sub(*stub, room, 0);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        int keep_alives = 0;
        for (const auto& m : sub.Received()) keep_alives += m.has_keep_alive() ? 1 : 0;
        return keep_alives >= 2;
      },
      absl::Seconds(30)));
  CHECK(sub.Sequences().empty());
  CHECK_FALSE(sub.finished());
}

namespace {

double StartsFrom(shopcast::realtime_push::testing::Replica& replica, const std::string& from) {
  for (const auto& family : replica.host().metrics().Collect()) {
    if (family.name != "shopcast_realtime_push_subscribe_starts_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "from" && l.value == from) return m.counter.value;
      }
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("a crowd joining a watched room starts from memory and misses nothing after it") {
  RoomsFixture f;
  auto& replica = f.AddReplica([](shopcast::realtime_push::Config& c) {
    c.subscribe_cache_ttl = absl::Minutes(1);  // nothing here outlives the cache
  });
  auto internal = replica.InternalStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  Publish(*internal, room, "e1", ProductEvent("prd_a", "first"));

  Subscriber first(*stub, room, 0);
  REQUIRE(first.WaitForCount(1));
  CHECK(StartsFrom(replica, "database") == 1);
  // Published after the cached snapshot was read: later subscribers get the same snapshot
  // and this as an event.
  Publish(*internal, room, "e2", ProductEvent("prd_b", "second"));
  REQUIRE(first.WaitForSequence(2));

  std::vector<std::unique_ptr<Subscriber>> crowd;
  for (int i = 0; i < 20; ++i) crowd.push_back(std::make_unique<Subscriber>(*stub, room, 0));
  for (auto& s : crowd) {
    REQUIRE(s->WaitForSequence(2));
    const pb::SubscribeResponse started = s->Received()[0];
    REQUIRE(started.has_started());
    CHECK(started.started().snapshot().sequence() == 1);
    CHECK(started.started().snapshot().products(0).title() == "first");
    CheckContiguous(s->Received(), 0);
  }
  // Resuming from an event the feed still holds needs no read either.
  Subscriber resumed(*stub, room, 1);
  REQUIRE(resumed.WaitForSequence(2));
  CHECK(resumed.Received()[0].started().resumed());
  CHECK(resumed.Sequences() == std::vector<int64_t>{2});
  CHECK(StartsFrom(replica, "memory") == 21);
  CHECK(StartsFrom(replica, "database") == 1);

  // Asking beyond what the replica has seen goes to the database, which refuses it.
  Subscriber ahead(*stub, room, 99);
  grpc::Status st = ahead.Wait();
  CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(StartsFrom(replica, "database") == 1);  // refused before it counted as a start
}

TEST_CASE("many rooms published at once reach every subscriber in order, woken on any thread") {
  // Small rooms' wake-ups are queued and walked by whichever gRPC callback thread runs next (a
  // write completing, a Publish arriving) as well as by the posted drainer (wake_queue.h): with
  // publishers on several threads, a room is woken from several threads at once, and each
  // subscriber must still get every event once, in order.
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto internal = replica.InternalStub(f.Peer());
  auto stub = replica.PublicStub();
  constexpr int kRooms = 12;
  constexpr int kPerRoom = 4;
  constexpr int kEvents = 30;
  constexpr int kPublishers = 3;
  std::vector<std::string> rooms;
  for (int r = 0; r < kRooms; ++r) rooms.push_back(f.OpenRoom());
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int r = 0; r < kRooms; ++r) {
    for (int s = 0; s < kPerRoom; ++s) {
      subs.push_back(std::make_unique<Subscriber>(*stub, rooms[r], 0));
    }
  }
  for (auto& s : subs) REQUIRE(s->WaitForCount(1));  // started

  std::atomic<int> wrong_sequences{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      // Each publisher owns every kPublishers-th room and interleaves its rooms' events.
      for (int i = 1; i <= kEvents; ++i) {
        for (int r = p; r < kRooms; r += kPublishers) {
          const int64_t seq = Publish(*internal, rooms[r], absl::StrCat("e", r, "_", i),
                                      ProductEvent("prd_a", absl::StrCat(i)));
          if (seq != i) wrong_sequences.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : publishers) t.join();
  CHECK(wrong_sequences.load() == 0);
  for (auto& s : subs) {
    REQUIRE(s->WaitForSequence(kEvents));
    CheckContiguous(s->Received(), 0);
    CHECK(s->Sequences().size() == static_cast<size_t>(kEvents));
  }
}

TEST_CASE("a subscriber asking for batches gets the events it is due several to a message") {
  RoomsFixture f;
  // A ring smaller than the backlog: a resume from the start catches up from the log in pages.
  auto& replica = f.AddReplica([](shopcast::realtime_push::Config& c) {
    c.feed_ring = 64;
    c.max_subscriber_lag = 48;
  });
  auto internal = replica.InternalStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  // A live subscriber keeps the room's feed loaded: its ring holds the last 64 events.
  Subscriber live(*stub, room, 0);
  REQUIRE(live.WaitForCount(1));
  for (int i = 1; i <= 300; ++i) {
    REQUIRE(Publish(*internal, room, absl::StrCat("e", i), ProductEvent("prd_a", "x")) == i);
  }
  REQUIRE(live.WaitForSequence(300));

  SECTION("from the log: a catch-up page goes out in batches of at most the size asked") {
    Subscriber sub(*stub, room, 1, false, 16);
    REQUIRE(sub.WaitForSequence(300));
    auto received = sub.Received();
    REQUIRE(received[0].has_started());
    CHECK(received[0].started().resumed());
    CheckContiguous(received, 1);
    CHECK(sub.Sequences().size() == 299);
    // The first page (2..257) goes out 16 at a time, then the ring's rest (258..300) too.
    REQUIRE(received.size() > 1);
    CHECK(received[1].events().events_size() == 16);
    const BatchCount c = CountBatches(received);
    CHECK(c.largest == 16);
    CHECK(received.size() < 30);  // 299 events in far fewer messages

    // Then live: what is published next still arrives, in order, once.
    for (int i = 301; i <= 310; ++i) {
      Publish(*internal, room, absl::StrCat("e", i), ProductEvent("prd_a", "x"));
    }
    REQUIRE(sub.WaitForSequence(310));
    CheckContiguous(sub.Received(), 1);
    CHECK(sub.Sequences().size() == 309);
  }
  SECTION("from the ring: the events after the resume point go out together") {
    Subscriber sub(*stub, room, 260, false, 8);
    REQUIRE(sub.WaitForSequence(300));
    auto received = sub.Received();
    CheckContiguous(received, 260);
    CHECK(sub.Sequences().size() == 40);
    const BatchCount c = CountBatches(received);
    CHECK(c.largest == 8);
    CHECK(received.size() <= 1 + 5 + 2);  // started, then 40 events 8 at a time (give or take)
  }
  SECTION("a subscriber that did not ask gets one event per message") {
    Subscriber sub(*stub, room, 1);
    REQUIRE(sub.WaitForSequence(300));
    CheckContiguous(sub.Received(), 1);
    CHECK(CountBatches(sub.Received()).batches == 0);
    CHECK(sub.Received().size() == 300);
  }
  CHECK(CountBatches(live.Received()).batches == 0);
}

TEST_CASE("a batch stops at 64 KiB of events: large events go a few at a time") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto internal = replica.InternalStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  Subscriber live(*stub, room, 0);
  REQUIRE(live.WaitForCount(1));
  // Events of ~20 KB: three fit in 64 KiB, four do not.
  for (int i = 1; i <= 10; ++i) {
    REQUIRE(Publish(*internal, room, absl::StrCat("e", i), ProductEvent("prd_a", "x", i, 20000)) ==
            i);
  }
  REQUIRE(live.WaitForSequence(10));

  Subscriber sub(*stub, room, 1, false, 64);
  REQUIRE(sub.WaitForSequence(10));
  auto received = sub.Received();
  CheckContiguous(received, 1);
  CHECK(sub.Sequences().size() == 9);
  const BatchCount c = CountBatches(received);
  CHECK(c.largest == 3);
  for (const auto& m : received) CHECK(m.ByteSizeLong() <= 64 * 1024 + 64);
}
