// The WebSocket hub against a real realtime-push process (its binary, on this run's
// PostgreSQL): sockets reached through a TCP listener that hands upgrades to the acceptor as the
// gateway's HTTP server does.

#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "prometheus/registry.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "ws_support.h"

namespace shopcast::gateway::ws::testing {
namespace {

using shopcast::testing::WaitUntil;

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

struct World {
  explicit World(WsOptions options = {}, int allowed = 1000) : limits(allowed) {
    if (options.drain_close_after == WsOptions{}.drain_close_after) {
      options.drain_close_after = absl::Milliseconds(100);
    }
    hub = MakeWebSocketHub(options, push.channel(), &push.access(), &limits, &registry);
    listener = std::make_unique<TestListener>(hub);
  }
  ~World() {
    // As the gateway stops: sockets drained while the server's I/O still runs.
    hub->Drain();
    hub->WaitDrained(absl::Seconds(30));
    listener.reset();
    hub.reset();
  }
  int port() const { return listener->port(); }

  PushWorld push;
  TestLimits limits;
  prometheus::Registry registry;
  std::shared_ptr<WebSocketHub> hub;
  std::unique_ptr<TestListener> listener;
};

double Metric(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name == name && !family.metric.empty()) {
      const auto& m = family.metric[0];
      return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}

std::function<bool(const v1::ServerFrame&)> AckOrError(const std::string& id) {
  return [id](const v1::ServerFrame& f) {
    return (f.has_ack() && f.ack().frame_id() == id) ||
           (f.has_error() && f.error().frame_id() == id);
  };
}

// Subscribes `c` to `room` from `after` and waits for room_started.
void Follow(WsClient& c, const std::string& room, int64_t after = 0, bool skip_presence = false) {
  c.Send(SubscribeFrame("sub-" + room, room, after, skip_presence));
  REQUIRE(c.WaitFor(IsAckFor("sub-" + room)) >= 0);
  REQUIRE(c.WaitFor(IsRoomStarted(room)) >= 0);
}

TEST_CASE("sockets in one room see the same events in order, fed by one upstream subscription",
          "[integration]") {
  World w;
  const std::string host = ids::NewId("usr");
  const std::string room = w.push.OpenRoom(host);

  WsClient json(w.port());
  WsClient proto(w.port(), {.protocol = "shopcast.v1.proto"});
  REQUIRE(json.WaitFor([](const v1::ServerFrame& f) { return f.has_welcome(); }) == 0);
  REQUIRE(proto.WaitFor([](const v1::ServerFrame& f) { return f.has_welcome(); }) == 0);
  CHECK(json.Frames()[0].welcome().max_client_frame_bytes() == 16 * 1024);
  Follow(json, room);
  Follow(proto, room);
  // The issue's path: the room followed on connect.
  WsClient by_path(w.port(), {.target = "/ws/streams/" + room});
  REQUIRE(by_path.WaitFor(IsRoomStarted(room)) >= 0);

  std::vector<std::unique_ptr<WsClient>> crowd;
  for (int i = 0; i < 20; ++i) {
    crowd.push_back(std::make_unique<WsClient>(w.port()));
    Follow(*crowd.back(), room, 0, /*skip_presence=*/true);
  }

  const int64_t first = w.push.Publish(room);
  int64_t last = first;
  for (int i = 0; i < 29; ++i) last = w.push.Publish(room);
  REQUIRE(last == first + 29);
  for (WsClient* c : {&json, &proto, &by_path}) {
    REQUIRE(c->WaitFor(IsEvent(room, last)) >= 0);
    CHECK(c->Sequences(room) == Range(first, last));
  }
  for (auto& c : crowd) {
    REQUIRE(c->WaitFor(IsEvent(room, last)) >= 0);
    CHECK(c->Sequences(room) == Range(first, last));
  }
  // The same event, whichever subprotocol carried it.
  const int i_json = json.WaitFor(IsEvent(room, first));
  const int i_proto = proto.WaitFor(IsEvent(room, first));
  CHECK(json.Frames()[i_json].room_event().product_created().product().title() ==
        proto.Frames()[i_proto].room_event().product_created().product().title());

  // 23 sockets, one upstream Subscribe.
  CHECK(WaitUntil([&] { return w.hub->UpstreamSubscriptionCount() == 1; }, absl::Seconds(30)));
  CHECK(w.hub->SocketCount() == 23);
  // Presence: the three sockets that did not skip it count as viewers.
  CHECK(WaitUntil([&] { return w.push.ViewerCount(room) == 3; }, absl::Seconds(30)));
}

TEST_CASE(
    "a socket resuming with after_sequence gets exactly what came after, from memory or "
    "from its own catch-up, while events keep flowing",
    "[integration]") {
  WsOptions options;
  options.room_ring_events = 8;  // most resumes below reach past the ring
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient anchor(w.port());  // keeps the room's shared feed alive throughout
  Follow(anchor, room, 0, true);
  int64_t head = 0;
  for (int i = 0; i < 40; ++i) head = w.push.Publish(room);
  REQUIRE(anchor.WaitFor(IsEvent(room, head)) >= 0);

  std::atomic<bool> stop{false};
  std::atomic<int64_t> published{head};
  std::thread publisher([&] {
    while (!stop.load()) published.store(w.push.Publish(room));
  });
  // Resume points: in the ring (head - 3), far behind it (5), and exactly the head.
  std::vector<std::pair<int64_t, std::unique_ptr<WsClient>>> resumed;
  for (int64_t after : {head - 3, int64_t{5}, head, int64_t{1}, head - 7}) {
    auto c = std::make_unique<WsClient>(w.port());
    c->Send(SubscribeFrame("r", room, after, true));
    resumed.emplace_back(after, std::move(c));
  }
  for (auto& [after, c] : resumed) {
    const int started = c->WaitFor(IsRoomStarted(room));
    REQUIRE(started >= 0);
    CHECK(c->Frames()[started].room_started().started().resumed());
  }
  // Let the handovers happen while events flow, then stop.
  REQUIRE(WaitUntil([&] { return published.load() >= head + 30; }, absl::Seconds(60)));
  stop.store(true);
  publisher.join();
  const int64_t final_head = published.load();
  REQUIRE(anchor.WaitFor(IsEvent(room, final_head)) >= 0);
  CHECK(anchor.Sequences(room).back() == final_head);
  for (auto& [after, c] : resumed) {
    INFO("after_sequence " << after);
    REQUIRE(c->WaitFor(IsEvent(room, final_head)) >= 0);
    CHECK(c->Sequences(room) == Range(after + 1, final_head));
  }
  // The catch-ups have handed their sockets over to the shared subscription.
  CHECK(WaitUntil([&] { return w.hub->UpstreamSubscriptionCount() == 1; }, absl::Seconds(30)));
}

TEST_CASE(
    "a crowd joining a room whose snapshot has aged shares one refresh: every socket starts "
    "from a snapshot and misses nothing after it, and no socket needs a Subscribe of its own",
    "[integration]") {
  WsOptions options;
  options.snapshot_max_age = absl::Milliseconds(200);
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient anchor(w.port());
  Follow(anchor, room, 0, true);
  int64_t head = 0;
  for (int i = 0; i < 5; ++i) head = w.push.Publish(room);
  REQUIRE(anchor.WaitFor(IsEvent(room, head)) >= 0);
  // The snapshot the room started from is now older than snapshot_max_age.
  const absl::Time aged = absl::Now() + absl::Milliseconds(250);
  REQUIRE(WaitUntil([&] { return absl::Now() >= aged; }, absl::Seconds(5)));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> published{head};
  std::thread publisher([&] {
    while (!stop.load()) published.store(w.push.Publish(room));
  });
  std::vector<std::unique_ptr<WsClient>> crowd;
  for (int i = 0; i < 30; ++i) {
    crowd.push_back(std::make_unique<WsClient>(w.port()));
    crowd.back()->Send(SubscribeFrame("join", room, 0, true));
  }
  std::vector<int64_t> snapshot_at;
  for (auto& c : crowd) {
    const int started = c->WaitFor(IsRoomStarted(room));
    REQUIRE(started >= 0);
    // A copy: Frames() returns the frames so far by value.
    const auto s = c->Frames()[started].room_started().started();
    REQUIRE(s.has_snapshot());
    snapshot_at.push_back(s.snapshot().sequence());
  }
  REQUIRE(WaitUntil([&] { return published.load() >= head + 20; }, absl::Seconds(60)));
  stop.store(true);
  publisher.join();
  const int64_t final_head = published.load();
  for (size_t i = 0; i < crowd.size(); ++i) {
    INFO("socket " << i << ", snapshot at " << snapshot_at[i]);
    REQUIRE(crowd[i]->WaitFor(IsEvent(room, final_head)) >= 0);
    CHECK(crowd[i]->Sequences(room) == Range(snapshot_at[i] + 1, final_head));
  }
  CHECK(Metric(w.registry, "shopcast_gateway_ws_snapshot_refreshes_total") >= 1);
  CHECK(Metric(w.registry, "shopcast_gateway_ws_catchups_total") == 0);
  CHECK(WaitUntil([&] { return w.hub->UpstreamSubscriptionCount() == 1; }, absl::Seconds(30)));
}

TEST_CASE(
    "viewer counts reach the sockets at most once per counts_interval, and the latest count "
    "always arrives",
    "[integration]") {
  WsOptions options;
  options.counts_interval = absl::Seconds(2);
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient watcher(w.port());
  Follow(watcher, room, 0, /*skip_presence=*/true);
  const absl::Time t0 = absl::Now();
  std::vector<std::unique_ptr<WsClient>> crowd;
  for (int i = 0; i < 12; ++i) {
    crowd.push_back(std::make_unique<WsClient>(w.port()));
    Follow(*crowd.back(), room);  // each a viewer: realtime-push pushes counts as they join
  }
  REQUIRE(WaitUntil([&] { return w.push.ViewerCount(room) == 12; }, absl::Seconds(30)));
  const auto counted = [](int64_t n) {
    return [n](const v1::ServerFrame& f) {
      return f.has_room_event() && f.room_event().has_viewer_count() &&
             f.room_event().viewer_count().viewer_count() == n;
    };
  };
  REQUIRE(watcher.WaitFor(counted(12)) >= 0);
  const absl::Duration elapsed = absl::Now() - t0;
  int count_frames = 0;
  for (const v1::ServerFrame& f : watcher.Frames()) {
    if (f.has_room_event() && f.room_event().has_viewer_count()) ++count_frames;
  }
  INFO(count_frames << " count frames in " << elapsed);
  CHECK(count_frames >= 1);
  CHECK(count_frames <= 2 + static_cast<int>(elapsed / options.counts_interval));
}

TEST_CASE(
    "a socket that stops reading is cut over (TOO_SLOW) while the others keep receiving, "
    "one that stays stuck is closed",
    "[integration]") {
  WsOptions options;
  options.send_queue_max_bytes = 128 * 1024;
  // Kernel buffers well below the queue: once the stuck socket is cut, what is queued for it
  // must not fit into them (Linux lets a receive queue grow past SO_RCVBUF's first window by
  // collapsing it, so with buffers the size of the queue it could drain and not count as stuck).
  options.socket_send_buffer_bytes = 16 * 1024;
  options.stuck_close_after = absl::Seconds(8);
  options.ping_interval = absl::Seconds(60);
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient fast(w.port());
  WsClient slow(w.port(), {.receive_buffer_bytes = 32 * 1024});
  WsClient stuck(w.port(), {.receive_buffer_bytes = 4 * 1024});
  Follow(fast, room, 0, true);
  Follow(slow, room, 0, true);
  Follow(stuck, room, 0, true);
  slow.PauseReading();
  stuck.PauseReading();

  // Publish until both paused sockets have been cut (their queues full), then some more.
  int64_t first = 0, last = 0;
  for (int i = 0; i < 2000 && Metric(w.registry, "shopcast_gateway_ws_slow_cuts_total") < 2; ++i) {
    last = w.push.Publish(room, /*title_bytes=*/8000);
    if (i == 0) first = last;
  }
  REQUIRE(Metric(w.registry, "shopcast_gateway_ws_slow_cuts_total") >= 2);
  slow.ResumeReading();
  for (int i = 0; i < 3; ++i) last = w.push.Publish(room);
  REQUIRE(fast.WaitFor(IsEvent(room, last)) >= 0);
  CHECK(fast.Sequences(room) == Range(first, last));
  CHECK(fast.WaitFor(IsRoomEnded(room), absl::ZeroDuration()) == -1);
  CHECK(Metric(w.registry, "shopcast_gateway_ws_slow_cuts_total") == 2);

  // The slow one reads again: everything up to its cut, in order, then room_ended TOO_SLOW with
  // the last sequence it was sent; resuming from there, it misses nothing.
  const int ended = slow.WaitFor(IsRoomEnded(room));
  INFO("slow got " << slow.Sequences(room).size() << " events; fast "
                   << fast.Sequences(room).size());
  REQUIRE(ended >= 0);
  const v1::RoomEnded cut = slow.Frames()[ended].room_ended();
  CHECK(cut.reason() == v1::ROOM_END_REASON_TOO_SLOW);
  CHECK(cut.last_sequence() < last);
  CHECK(slow.Sequences(room) == Range(first, cut.last_sequence()));
  // Resuming as the protocol says: from the last sequence applied, again after every TOO_SLOW.
  // A catch-up larger than the send queue (a loaded machine lets many 8 KB events pile up
  // between the two cuts) is itself cut after what fits, so it may take several rounds; each
  // delivers more, none repeats or skips an event.
  int64_t resume_from = cut.last_sequence();
  size_t seen = static_cast<size_t>(ended) + 1;
  for (int round = 0; round < 50; ++round) {
    slow.Send(SubscribeFrame(absl::StrCat("again", round), room, resume_from, true));
    const int got = slow.WaitFor(
        [&](const v1::ServerFrame& f) { return IsEvent(room, last)(f) || IsRoomEnded(room)(f); },
        absl::Seconds(30), seen);
    REQUIRE(got >= 0);
    const v1::ServerFrame frame = slow.Frames()[got];
    if (!frame.has_room_ended()) break;
    REQUIRE(frame.room_ended().reason() == v1::ROOM_END_REASON_TOO_SLOW);
    REQUIRE(frame.room_ended().last_sequence() > resume_from);  // progress every round
    resume_from = frame.room_ended().last_sequence();
    seen = static_cast<size_t>(got) + 1;
  }
  REQUIRE(slow.WaitFor(IsEvent(room, last)) >= 0);
  CHECK(slow.Sequences(room) == Range(first, last));

  // The stuck one never reads: closed, and the room goes on.
  CHECK(WaitUntil([&] { return w.hub->SocketCount() == 2; }, absl::Seconds(30)));
  const int64_t after = w.push.Publish(room);
  CHECK(fast.WaitFor(IsEvent(room, after)) >= 0);
  CHECK(slow.WaitFor(IsEvent(room, after)) >= 0);
}

TEST_CASE("anonymous sockets cannot chat or like, a signed-in one can, and others see its chat",
          "[integration]") {
  World w;
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient viewer(w.port());
  WsClient ada(w.port(), {.protocol = "shopcast.v1.proto"});
  Follow(viewer, room);
  Follow(ada, room);

  ada.Send(ChatFrame("c0", room, "hello?"));
  int e = ada.WaitFor(IsErrorFor("c0"));
  REQUIRE(e >= 0);
  CHECK(ada.Frames()[e].error().code() == "UNAUTHENTICATED");
  CHECK(ada.Frames()[e].error().error_info().reason() == "LOGIN_REQUIRED");
  v1::ClientFrame like;
  like.set_frame_id("l0");
  like.mutable_like()->set_stream_id(room);
  like.mutable_like()->set_reaction(rp::REACTION_LIKE);
  ada.Send(like);
  e = ada.WaitFor(IsErrorFor("l0"));
  REQUIRE(e >= 0);
  CHECK(ada.Frames()[e].error().code() == "UNAUTHENTICATED");

  // A forged token leaves the connection anonymous.
  std::string forged = w.push.Token("usr_x");
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  ada.Send(AuthenticateFrame("a0", forged));
  e = ada.WaitFor(IsErrorFor("a0"));
  REQUIRE(e >= 0);
  CHECK(ada.Frames()[e].error().code() == "UNAUTHENTICATED");

  const std::string ada_id = ids::NewId("usr");
  ada.Send(AuthenticateFrame("a1", w.push.Token(ada_id, "Ada")));
  const int a = ada.WaitFor(IsAckFor("a1"));
  REQUIRE(a >= 0);
  CHECK(ada.Frames()[a].ack().authenticated().user_id() == ada_id);

  ada.Send(ChatFrame("c1", room, "<b>hi</b> all"));
  const int sent = ada.WaitFor(AckOrError("c1"));
  REQUIRE(sent >= 0);
  INFO(ada.Frames()[sent].DebugString());
  REQUIRE(ada.Frames()[sent].has_ack());
  const int64_t seq = ada.Frames()[sent].ack().chat_sent().sequence();
  CHECK(seq > 0);
  const int seen = viewer.WaitFor(IsEvent(room, seq));
  REQUIRE(seen >= 0);
  const rp::ChatMessage m = viewer.Frames()[seen].room_event().chat_message();
  CHECK(m.text() == "<b>hi</b> all");
  CHECK(m.author().user_id() == ada_id);
  CHECK(m.author().display_name() == "Ada");

  ada.Send(like);
  const int liked = ada.WaitFor(IsAckFor("l0"), absl::Seconds(30), e + 1);
  REQUIRE(liked >= 0);
  CHECK(ada.Frames()[liked].ack().like_accepted().counts().likes() == 1);
  // Counts reach the room as an ephemeral event.
  CHECK(viewer.WaitFor([&](const v1::ServerFrame& f) {
    return f.has_room_event() && f.room_event().has_reaction_counts() &&
           f.room_event().reaction_counts().likes() == 1;
  }) >= 0);

  // A socket joining now starts from the room's kept snapshot, taken before the like: the
  // latest counts follow it, so it shows the like too (counts are never replayed from the ring).
  WsClient latecomer(w.port());
  Follow(latecomer, room, 0, true);
  CHECK(latecomer.WaitFor([&](const v1::ServerFrame& f) {
    return (f.has_room_started() && f.room_started().started().snapshot().total_likes() == 1) ||
           (f.has_room_event() && f.room_event().has_reaction_counts() &&
            f.room_event().reaction_counts().likes() == 1);
  }) >= 0);
}

TEST_CASE("chat over the edge's rate limit is refused with a retry time", "[integration]") {
  World w({}, /*allowed=*/1);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient c(w.port());
  c.Send(AuthenticateFrame("a", w.push.Token(ids::NewId("usr"))));
  REQUIRE(c.WaitFor(IsAckFor("a")) >= 0);
  c.Send(ChatFrame("c1", room, "one"));
  const int one = c.WaitFor(AckOrError("c1"));
  REQUIRE(one >= 0);
  INFO(c.Frames()[one].DebugString());
  REQUIRE(c.Frames()[one].has_ack());
  c.Send(ChatFrame("c2", room, "two"));
  const int e = c.WaitFor(IsErrorFor("c2"));
  REQUIRE(e >= 0);
  CHECK(c.Frames()[e].error().code() == "RESOURCE_EXHAUSTED");
  CHECK(c.Frames()[e].error().error_info().metadata().at("retry_after_ms") == "1000");
}

TEST_CASE(
    "bad client input: oversized frames close with 1009, malformed ones get error frames "
    "until the socket is closed for abuse, unknown rooms and bad ids are refused",
    "[integration]") {
  WsOptions options;
  options.max_bad_frames = 3;
  World w(options);

  WsClient big(w.port());
  REQUIRE(big.WaitFor([](const v1::ServerFrame& f) { return f.has_welcome(); }) >= 0);
  big.SendRaw(std::string(20 * 1024, 'x'), false);
  int code = 0;
  REQUIRE(big.WaitClosed(absl::Seconds(30), &code));
  CHECK(code == 1009);

  WsClient bad(w.port());
  bad.SendRaw("{not json", false);
  int e = bad.WaitFor([](const v1::ServerFrame& f) { return f.has_error(); });
  REQUIRE(e >= 0);
  CHECK(bad.Frames()[e].error().code() == "INVALID_ARGUMENT");
  CHECK(bad.Frames()[e].error().error_info().reason() == "FRAME_MALFORMED");
  CHECK_FALSE(bad.Frames()[e].error().fatal());
  bad.SendRaw(R"({"frameId":"u","subscribeRoom":{"streamId":"str_x"},"surprise":1})", false);
  bad.SendRaw(std::string("\x0a\x01", 2), true);  // binary on the JSON subprotocol
  e = bad.WaitFor([](const v1::ServerFrame& f) { return f.has_error() && f.error().fatal(); });
  REQUIRE(e >= 0);
  REQUIRE(bad.WaitClosed(absl::Seconds(30), &code));
  CHECK(code == 1008);

  WsClient c(w.port());
  c.Send(SubscribeFrame("s1", "str_nope"));
  e = c.WaitFor(IsErrorFor("s1"));
  REQUIRE(e >= 0);
  CHECK(c.Frames()[e].error().error_info().reason() == "STREAM_ID_INVALID");
  const std::string unknown = ids::NewId("str");
  c.Send(SubscribeFrame("s2", unknown));
  e = c.WaitFor(IsErrorFor("s2"));
  REQUIRE(e >= 0);
  CHECK(c.Frames()[e].error().code() == "NOT_FOUND");
  CHECK(c.Frames()[e].error().error_info().reason() == "ROOM_NOT_FOUND");
  v1::ClientFrame no_id = SubscribeFrame("", unknown);
  c.Send(no_id);
  e = c.WaitFor([](const v1::ServerFrame& f) {
    return f.has_error() && f.error().error_info().reason() == "FRAME_ID_INVALID";
  });
  CHECK(e >= 0);
  CHECK_FALSE(c.closed());
}

TEST_CASE("a socket that sends nothing is closed after the idle timeout, heartbeats keep one",
          "[integration]") {
  WsOptions options;
  options.idle_timeout = absl::Seconds(2);
  World w(options);
  // Before the quiet socket connects: its idle timer starts after this, never before.
  const absl::Time start = absl::Now();
  WsClient quiet(w.port());
  WsClient beating(w.port());
  std::atomic<bool> stop{false};
  std::thread beats([&] {
    while (!stop.load()) {
      beating.Send(HeartbeatFrame());
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the client's cadence
    }
  });
  int code = 0;
  REQUIRE(quiet.WaitClosed(absl::Seconds(30), &code));
  CHECK(code == 4000);
  CHECK(absl::Now() - start >= absl::Seconds(2));
  CHECK_FALSE(beating.closed());
  CHECK(beating.WaitFor([](const v1::ServerFrame& f) {
    return f.has_heartbeat_ack() && f.heartbeat_ack().has_client_time();
  }) >= 0);
  stop.store(true);
  beats.join();
}

TEST_CASE(
    "drain: every socket gets going_away, then is closed with 1001, new upgrades are "
    "refused",
    "[integration]") {
  WsOptions options;
  options.drain_close_after = absl::Milliseconds(500);
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient a(w.port());
  WsClient b(w.port(), {.protocol = "shopcast.v1.proto"});
  Follow(a, room);
  Follow(b, room);
  w.hub->Drain();
  for (WsClient* c : {&a, &b}) {
    const int g = c->WaitFor([](const v1::ServerFrame& f) { return f.has_going_away(); });
    REQUIRE(g >= 0);
    CHECK(c->Frames()[g].going_away().close_after().nanos() == 500'000'000);
    int code = 0;
    REQUIRE(c->WaitClosed(absl::Seconds(30), &code));
    CHECK(code == 1001);
  }
  CHECK(w.hub->WaitDrained(absl::Seconds(30)));
  CHECK_THROWS(WsClient(w.port()));
}

TEST_CASE(
    "the room closing ends its subscriptions with ROOM_CLOSED, realtime-push going away "
    "ends them with UPSTREAM_UNAVAILABLE and a retry time",
    "[integration]") {
  WsOptions options;
  options.upstream_give_up_after = absl::Seconds(2);
  World w(options);
  const std::string host = ids::NewId("usr");
  const std::string closing = w.push.OpenRoom(host);
  const std::string other = w.push.OpenRoom(host);
  WsClient c(w.port());
  Follow(c, closing);
  Follow(c, other);
  const int64_t seq = w.push.Publish(closing);
  REQUIRE(c.WaitFor(IsEvent(closing, seq)) >= 0);
  w.push.EndRoom(closing, host);
  int e = c.WaitFor(IsRoomEnded(closing));
  REQUIRE(e >= 0);
  CHECK(c.Frames()[e].room_ended().reason() == v1::ROOM_END_REASON_ROOM_CLOSED);
  CHECK(c.Frames()[e].room_ended().last_sequence() > seq);  // the ENDED status event came first

  w.push.process().Kill();
  e = c.WaitFor(IsRoomEnded(other), absl::Seconds(60));
  REQUIRE(e >= 0);
  CHECK(c.Frames()[e].room_ended().reason() == v1::ROOM_END_REASON_UPSTREAM_UNAVAILABLE);
  CHECK(c.Frames()[e].room_ended().retry_after().seconds() == 5);
  CHECK_FALSE(c.closed());
}

TEST_CASE(
    "realtime-push restarting: the room's subscription resumes from its last sequence and "
    "sockets see no gap",
    "[integration]") {
  WsOptions options;
  options.upstream_give_up_after = absl::Seconds(60);
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient a(w.port());
  WsClient b(w.port(), {.protocol = "shopcast.v1.proto"});
  Follow(a, room, 0, true);
  Follow(b, room, 0, true);
  const int64_t first = w.push.Publish(room);
  for (int i = 0; i < 4; ++i) w.push.Publish(room);
  w.push.Restart();
  int64_t last = 0;
  for (int i = 0; i < 5; ++i) last = w.push.Publish(room);
  for (WsClient* c : {&a, &b}) {
    REQUIRE(c->WaitFor(IsEvent(room, last), absl::Seconds(60)) >= 0);
    CHECK(c->Sequences(room) == Range(first, last));
    CHECK(c->WaitFor(IsRoomEnded(room), absl::ZeroDuration()) == -1);
  }
  CHECK(Metric(w.registry, "shopcast_gateway_ws_upstream_reconnects_total") >= 1);
  CHECK(w.hub->UpstreamSubscriptionCount() == 1);
}

}  // namespace
}  // namespace shopcast::gateway::ws::testing
