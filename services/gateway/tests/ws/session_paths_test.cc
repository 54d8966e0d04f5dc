// The WebSocket session's less travelled paths, driven as a browser (or a hostile client) drives
// them, against a real realtime-push process: the per-socket frame budget, the per-user chat and
// like limits (the gateway's own token buckets), notifications (a go-live fan-out from the real
// user service's follower list), access tokens expiring on an open socket, and frames a client
// should never send.

#include <catch2/catch.hpp>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "limits/token_buckets.h"
#include "prometheus/registry.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "user_fixture.h"
#include "ws_support.h"

namespace shopcast::gateway::ws::testing {
namespace {

using google::protobuf::util::TimeUtil;
using shopcast::testing::WaitUntil;

constexpr char kNotificationGauge[] = "shopcast_gateway_ws_notification_subscriptions";

// Generous limits unless a test narrows one action.
RateLimitOptions Limits(std::map<RateAction, BucketSpec> narrow = {}) {
  RateLimitOptions o = DefaultRateLimitOptions();
  for (auto& b : o.buckets) b = BucketSpec{1000, 1000};
  for (const auto& [action, spec] : narrow) o.buckets[static_cast<size_t>(action)] = spec;
  return o;
}

struct World {
  explicit World(
      WsOptions options = {}, RateLimitOptions limit_options = Limits(),
      std::function<PushSetup(const realtime_push::testing::Deployment&)> setup = nullptr)
      : push(std::move(setup)), limits(MakeRateLimits(std::move(limit_options), &registry)) {
    options.drain_close_after = absl::Milliseconds(100);
    hub = MakeWebSocketHub(options, push.channel(), &push.access(), limits.get(), &registry);
    listener = std::make_unique<TestListener>(hub);
  }
  ~World() {
    hub->Drain();
    hub->WaitDrained(absl::Seconds(30));
    listener.reset();
    hub.reset();
  }
  int port() const { return listener->port(); }

  PushWorld push;
  prometheus::Registry registry;
  std::shared_ptr<RateLimits> limits;
  std::shared_ptr<WebSocketHub> hub;
  std::unique_ptr<TestListener> listener;
};

// The value of metric `name` (the series with `label`=`value`, or the first one).
double Metric(prometheus::Registry& registry, const std::string& name,
              const std::string& label = "", const std::string& value = "") {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = label.empty();
      for (const auto& l : m.label) match = match || (l.name == label && l.value == value);
      if (!match) continue;
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

std::function<bool(const v1::ServerFrame&)> IsReason(const std::string& reason) {
  return [reason](const v1::ServerFrame& f) {
    return f.has_error() && f.error().error_info().reason() == reason;
  };
}

bool IsWelcome(const v1::ServerFrame& f) { return f.has_welcome(); }

// Sends `frame` and waits for its answer; the answering frame.
v1::ServerFrame Ask(WsClient& c, const v1::ClientFrame& frame) {
  const size_t from = c.Frames().size();
  c.Send(frame);
  const int i = c.WaitFor(AckOrError(frame.frame_id()), absl::Seconds(30), from);
  INFO("no answer to " << frame.DebugString());
  REQUIRE(i >= 0);
  return c.Frames()[i];
}

void Follow(WsClient& c, const std::string& room, bool skip_presence = false) {
  const v1::ServerFrame a = Ask(c, SubscribeFrame("sub-" + room, room, 0, skip_presence));
  INFO(a.DebugString());
  REQUIRE(a.has_ack());
  REQUIRE(c.WaitFor(IsRoomStarted(room)) >= 0);
}

void SignIn(WsClient& c, const std::string& token) {
  const v1::ServerFrame a = Ask(c, AuthenticateFrame("auth-" + ids::NewUniqueId("f"), token));
  INFO(a.DebugString());
  REQUIRE(a.has_ack());
}

v1::ClientFrame LikeFrame(const std::string& frame_id, const std::string& stream_id) {
  v1::ClientFrame f;
  f.set_frame_id(frame_id);
  f.mutable_like()->set_stream_id(stream_id);
  f.mutable_like()->set_reaction(rp::REACTION_LIKE);
  return f;
}

v1::ClientFrame NotificationsFrame(const std::string& frame_id, bool enabled) {
  v1::ClientFrame f;
  f.set_frame_id(frame_id);
  f.mutable_subscribe_notifications()->set_enabled(enabled);
  return f;
}

v1::ClientFrame UnsubscribeFrame(const std::string& frame_id, const std::string& stream_id) {
  v1::ClientFrame f;
  f.set_frame_id(frame_id);
  f.mutable_unsubscribe_room()->set_stream_id(stream_id);
  return f;
}

int64_t RetryAfterMs(const v1::ServerFrame& f) {
  const auto& md = f.error().error_info().metadata();
  auto it = md.find("retry_after_ms");
  int64_t ms = -1;
  if (it == md.end() || !absl::SimpleAtoi(it->second, &ms)) return -1;
  return ms;
}

// The user ids (empty: anonymous) of the sessions realtime-push counts in `room` right now.
std::multiset<std::string> PresentUsers(PushWorld& push, const std::string& room) {
  pqxx::connection conn(push.dsn());
  pqxx::nontransaction tx(conn);
  std::multiset<std::string> out;
  for (const auto& row : tx.exec_params(
           "SELECT user_id FROM room_presence WHERE stream_id = $1 AND active_since IS NOT NULL",
           room)) {
    out.insert(row[0].as<std::string>());
  }
  return out;
}

// ---- 1. the per-socket frame budget -------------------------------------------------------

TEST_CASE(
    "a socket flooding frames gets FRAME_RATE_LIMITED answers naming each dropped frame with a "
    "retry time, then is closed with 1008, while a calm socket on the same room is untouched",
    "[integration]") {
  WsOptions options;
  options.client_frames_per_second = 5;
  options.client_frame_burst = 10;
  options.max_bad_frames = 4;
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient calm(w.port());
  WsClient flood(w.port());
  Follow(calm, room, /*skip_presence=*/true);
  Follow(flood, room, /*skip_presence=*/true);

  // Thirty frames at once: the burst is answered, the rest dropped with an error each (until
  // the fourth such error is fatal and the rest are never read).
  for (int i = 0; i < 30; ++i) flood.Send(NotificationsFrame(absl::StrCat("f", i), false));
  const int fatal =
      flood.WaitFor([](const v1::ServerFrame& f) { return f.has_error() && f.error().fatal(); });
  REQUIRE(fatal >= 0);
  int code = 0;
  REQUIRE(flood.WaitClosed(absl::Seconds(30), &code));
  CHECK(code == 1008);

  std::set<std::string> answered;
  int acks = 0, limited = 0;
  for (const v1::ServerFrame& f : flood.Frames()) {
    if (f.has_ack() && f.ack().frame_id()[0] == 'f') {
      ++acks;
      CHECK(answered.insert(f.ack().frame_id()).second);
    }
    if (!f.has_error()) continue;
    INFO(f.DebugString());
    // Every refusal names the frame it dropped, says why, and when to try again.
    CHECK(f.error().code() == "RESOURCE_EXHAUSTED");
    CHECK(f.error().error_info().reason() == "FRAME_RATE_LIMITED");
    CHECK(f.error().frame_id().size() > 1);
    CHECK(answered.insert(f.error().frame_id()).second);
    CHECK(RetryAfterMs(f) > 0);
    CHECK(RetryAfterMs(f) <= 200);  // one token at 5 per second
    ++limited;
  }
  CHECK(limited == 4);
  CHECK(acks >= 9);  // the burst (one token went on the subscribe)
  CHECK(flood.Frames()[fatal].error().frame_id() != "");
  CHECK(Metric(w.registry, "shopcast_gateway_ws_bad_frames_total") == 4);

  // The calm socket still gets the room and answers.
  const int64_t seq = w.push.Publish(room);
  REQUIRE(calm.WaitFor(IsEvent(room, seq)) >= 0);
  const v1::ServerFrame ack = Ask(calm, NotificationsFrame("calm", false));
  CHECK(ack.has_ack());
  CHECK_FALSE(calm.closed());
  CHECK(calm.WaitFor([](const v1::ServerFrame& f) { return f.has_error(); },
                     absl::ZeroDuration()) == -1);
}

TEST_CASE(
    "a client that bursts past its frame budget once and waits the retry time it was told "
    "carries on",
    "[integration]") {
  WsOptions options;
  options.client_frames_per_second = 5;
  options.client_frame_burst = 10;
  options.max_bad_frames = 8;
  World w(options);
  WsClient c(w.port());
  REQUIRE(c.WaitFor(IsWelcome) >= 0);
  for (int i = 0; i < 15; ++i) c.Send(NotificationsFrame(absl::StrCat("b", i), false));
  // Every frame of the burst is answered, one way or the other.
  for (int i = 0; i < 15; ++i) REQUIRE(c.WaitFor(AckOrError(absl::StrCat("b", i))) >= 0);
  const int e = c.WaitFor(IsReason("FRAME_RATE_LIMITED"));
  REQUIRE(e >= 0);
  const int64_t wait_ms = RetryAfterMs(c.Frames()[e]);
  REQUIRE(wait_ms > 0);
  // The client does as told (its own pacing, not the test's).
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  const v1::ServerFrame again = Ask(c, NotificationsFrame("after", false));
  INFO(again.DebugString());
  CHECK(again.has_ack());
  CHECK_FALSE(c.closed());
}

// ---- 1b. per-user limits on chat and likes ------------------------------------------------

TEST_CASE(
    "chat and likes beyond the user's buckets get RESOURCE_EXHAUSTED/RATE_LIMITED with "
    "retry_after_ms, across all the user's sockets and not for other users",
    "[integration]") {
  // Slow refills (a token every 5 s): a loaded machine's round trips never refill a bucket
  // between the takes that must be refused.
  World w({}, Limits({{RateAction::kChat, {2, 0.2}}, {RateAction::kReaction, {3, 0.2}}}));
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  const std::string ada = ids::NewId("usr");
  const std::string bob = ids::NewId("usr");
  WsClient ada_phone(w.port());
  WsClient ada_laptop(w.port(), {.protocol = "shopcast.v1.proto"});
  WsClient bob_phone(w.port());
  SignIn(ada_phone, w.push.Token(ada, "Ada"));
  SignIn(ada_laptop, w.push.Token(ada, "Ada"));
  SignIn(bob_phone, w.push.Token(bob, "Bob"));

  CHECK(Ask(ada_phone, ChatFrame("c1", room, "one")).has_ack());
  CHECK(Ask(ada_laptop, ChatFrame("c2", room, "two")).has_ack());
  // Ada's bucket is empty, whichever socket she uses.
  for (WsClient* c : {&ada_phone, &ada_laptop}) {
    const v1::ServerFrame e = Ask(*c, ChatFrame(absl::StrCat("c3-", c->binary()), room, "three"));
    INFO(e.DebugString());
    REQUIRE(e.has_error());
    CHECK(e.error().code() == "RESOURCE_EXHAUSTED");
    CHECK(e.error().error_info().reason() == "RATE_LIMITED");
    CHECK(RetryAfterMs(e) > 0);
    CHECK(RetryAfterMs(e) <= 5000);
    CHECK_FALSE(e.error().fatal());
  }
  // Bob's is his own; likes have their own bucket.
  CHECK(Ask(bob_phone, ChatFrame("b1", room, "hi")).has_ack());
  for (int i = 0; i < 3; ++i) {
    const v1::ServerFrame l = Ask(ada_phone, LikeFrame(absl::StrCat("l", i), room));
    INFO(l.DebugString());
    CHECK(l.has_ack());
  }
  const v1::ServerFrame too_many = Ask(ada_laptop, LikeFrame("l3", room));
  REQUIRE(too_many.has_error());
  CHECK(too_many.error().error_info().reason() == "RATE_LIMITED");
  CHECK(RetryAfterMs(too_many) > 0);
  CHECK(Metric(w.registry, "shopcast_gateway_rate_limited_total", "action", "chat") == 2);
  CHECK(Metric(w.registry, "shopcast_gateway_rate_limited_total", "action", "reaction") == 1);

  // After the time it was told, Ada chats again.
  const v1::ServerFrame refused = Ask(ada_phone, ChatFrame("c4", room, "four"));
  REQUIRE(refused.has_error());
  std::this_thread::sleep_for(std::chrono::milliseconds(RetryAfterMs(refused)));
  const v1::ServerFrame ok = Ask(ada_phone, ChatFrame("c5", room, "five"));
  INFO(ok.DebugString());
  CHECK(ok.has_ack());
  // Nobody was disconnected for it.
  CHECK_FALSE(ada_phone.closed());
  CHECK_FALSE(ada_laptop.closed());
}

// ---- 2. notifications ---------------------------------------------------------------------

TEST_CASE(
    "notifications: a follower signed in on /ws/v1 gets the go-live notification realtime-push "
    "fans out from the user service's follower list, anonymous sockets are refused, the "
    "upstream call ends with the socket, and after realtime-push restarts the client can "
    "subscribe again",
    "[integration]") {
  std::unique_ptr<user::testing::UserServiceFixture> users;
  World w({}, Limits(), [&](const realtime_push::testing::Deployment& d) {
    auto tls = auth::LoadServiceTls(d.TlsOf("user"));
    REQUIRE(tls.ok());
    users = std::make_unique<user::testing::UserServiceFixture>(user::AccountsOptions{}, *tls);
    PushSetup setup;
    setup.env = {"SHOPCAST_REALTIME_PUSH_USER_INTERNAL_ADDR=127.0.0.1:" +
                     std::to_string(users->internal_grpc_port()),
                 "SHOPCAST_REALTIME_PUSH_FANOUT_INTERVAL=200ms"};
    setup.key = users->key();  // tokens signed with the user service's key
    return setup;
  });
  const std::string host = users->MakeUser("nightowl");
  const std::string fan = users->MakeFollowers(host, 1).at(0);

  WsClient anon(w.port());
  const v1::ServerFrame refused = Ask(anon, NotificationsFrame("n0", true));
  REQUIRE(refused.has_error());
  CHECK(refused.error().code() == "UNAUTHENTICATED");
  CHECK(refused.error().error_info().reason() == "LOGIN_REQUIRED");
  CHECK(Metric(w.registry, kNotificationGauge) == 0);

  auto browser = std::make_unique<WsClient>(w.port());
  SignIn(*browser, w.push.Token(fan, "Fan"));
  REQUIRE(Ask(*browser, NotificationsFrame("n1", true)).ack().done());
  const int unread = browser->WaitFor([](const v1::ServerFrame& f) {
    return f.body_case() == v1::ServerFrame::kUnreadNotifications;
  });
  REQUIRE(unread >= 0);
  CHECK(browser->Frames()[unread].unread_notifications() == 0);
  CHECK(Metric(w.registry, kNotificationGauge) == 1);
  // Asking twice is one upstream call.
  REQUIRE(Ask(*browser, NotificationsFrame("n2", true)).ack().done());
  CHECK(Metric(w.registry, kNotificationGauge) == 1);

  // The host goes live: video-ingest's event reaches realtime-push, which fans out.
  const std::string room = w.push.OpenRoom(host);
  const int got = browser->WaitFor([](const v1::ServerFrame& f) { return f.has_notification(); },
                                   absl::Seconds(60));
  REQUIRE(got >= 0);
  const rp::Notification n = browser->Frames()[got].notification();
  CHECK(n.kind() == rp::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE);
  CHECK(n.user_id() == fan);
  CHECK(n.stream_id() == room);
  CHECK(n.link() == "/live/" + room);

  // realtime-push restarts: the socket is told its notifications ended, and subscribing again
  // (once realtime-push is back) starts a new call with the unread count.
  w.push.Restart();
  const int ended = browser->WaitFor([](const v1::ServerFrame& f) {
    return f.has_error() && f.error().frame_id().empty() &&
           f.error().error_info().metadata().count("subscription") == 1;
  });
  REQUIRE(ended >= 0);
  CHECK(browser->Frames()[ended].error().error_info().metadata().at("subscription") ==
        "notifications");
  CHECK(browser->Frames()[ended].error().code() == "UNAVAILABLE");
  CHECK(WaitUntil([&] { return Metric(w.registry, kNotificationGauge) == 0; }, absl::Seconds(30)));
  int again = -1;
  for (int attempt = 0; attempt < 60 && again < 0; ++attempt) {
    const size_t from = browser->Frames().size();
    REQUIRE(Ask(*browser, NotificationsFrame(absl::StrCat("again", attempt), true)).ack().done());
    const int next = browser->WaitFor(
        [](const v1::ServerFrame& f) {
          return f.body_case() == v1::ServerFrame::kUnreadNotifications || f.has_error();
        },
        absl::Seconds(30), from);
    REQUIRE(next >= 0);
    if (browser->Frames()[next].has_error()) {
      // realtime-push not reachable yet: the client retries a little later.
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      continue;
    }
    again = next;
  }
  REQUIRE(again >= 0);
  CHECK(browser->Frames()[again].unread_notifications() == 1);
  CHECK(Metric(w.registry, kNotificationGauge) == 1);

  // enabled: false ends the call.
  REQUIRE(Ask(*browser, NotificationsFrame("off", false)).ack().done());
  CHECK(WaitUntil([&] { return Metric(w.registry, kNotificationGauge) == 0; }, absl::Seconds(30)));
  REQUIRE(Ask(*browser, NotificationsFrame("on", true)).ack().done());
  CHECK(Metric(w.registry, kNotificationGauge) == 1);

  // So does the socket closing. (A tab opened after the restart: the restarted child process
  // inherited the descriptors of the sockets open before it, so closing one of those sends no
  // FIN until that process exits.)
  auto tab = std::make_unique<WsClient>(w.port());
  SignIn(*tab, w.push.Token(fan, "Fan"));
  REQUIRE(Ask(*tab, NotificationsFrame("t1", true)).ack().done());
  REQUIRE(tab->WaitFor([](const v1::ServerFrame& f) {
    return f.body_case() == v1::ServerFrame::kUnreadNotifications;
  }) >= 0);
  CHECK(Metric(w.registry, kNotificationGauge) == 2);
  tab.reset();
  CHECK(WaitUntil([&] { return Metric(w.registry, kNotificationGauge) == 1; }, absl::Seconds(30)));
  CHECK(WaitUntil([&] { return w.hub->SocketCount() == 2; }, absl::Seconds(30)));
}

TEST_CASE(
    "a socket whose sign-in is revoked (signed out elsewhere) stops receiving the user's "
    "notifications at once (TOKEN_REVOKED), keeps its rooms, and signs in again with another token",
    "[integration]") {
  World w;
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  const std::string ada = ids::NewId("usr");
  WsClient c(w.port());
  REQUIRE(Ask(c, AuthenticateFrame(
                     "a1", w.push.TokenExpiringAt(ada, absl::Now() + absl::Minutes(10), "Ada")))
              .has_ack());
  Follow(c, room);
  REQUIRE(Ask(c, NotificationsFrame("n1", true)).ack().done());
  CHECK(Metric(w.registry, kNotificationGauge) == 1);

  // Ada logs out everywhere: the gateway's revocation list learns it.
  w.push.access().RevokeUser(ada);
  const int revoked = c.WaitFor([](const v1::ServerFrame& f) {
    return f.has_error() && f.error().frame_id().empty() &&
           f.error().error_info().reason() == "TOKEN_REVOKED";
  });
  REQUIRE(revoked >= 0);
  CHECK(c.Frames()[revoked].error().code() == "UNAUTHENTICATED");
  CHECK_FALSE(c.Frames()[revoked].error().fatal());
  CHECK(WaitUntil([&] { return Metric(w.registry, kNotificationGauge) == 0; }, absl::Seconds(30)));
  const v1::ServerFrame chat = Ask(c, ChatFrame("c1", room, "still here?"));
  REQUIRE(chat.has_error());
  CHECK(chat.error().error_info().reason() == "TOKEN_REVOKED");
  // The room goes on for the now anonymous socket.
  const int64_t seq = w.push.Publish(room);
  CHECK(c.WaitFor(IsEvent(room, seq)) >= 0);
  // Someone signs in on it again: their notifications flow.
  const std::string bob = ids::NewId("usr");
  REQUIRE(Ask(c, AuthenticateFrame(
                     "a2", w.push.TokenExpiringAt(bob, absl::Now() + absl::Minutes(10), "Bob")))
              .has_ack());
  REQUIRE(Ask(c, NotificationsFrame("n2", true)).ack().done());
  CHECK(WaitUntil([&] { return Metric(w.registry, kNotificationGauge) == 1; }, absl::Seconds(30)));
}

// ---- 3. tokens expiring on an open socket -------------------------------------------------

TEST_CASE(
    "a socket whose access token expires is downgraded to anonymous at once (TOKEN_EXPIRED, "
    "notifications stopped, presence moved), keeps its rooms and counts, refuses chat with "
    "TOKEN_EXPIRED, and chats again after authenticating with a fresh token",
    "[integration]") {
  World w;
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  const std::string ada = ids::NewId("usr");
  WsClient viewer(w.port());
  Follow(viewer, room);
  WsClient c(w.port());
  // A token that expires a few seconds from now (as if the app missed its refresh).
  const absl::Time expires = absl::Now() + absl::Seconds(10);
  const v1::ServerFrame auth =
      Ask(c, AuthenticateFrame("a1", w.push.TokenExpiringAt(ada, expires, "Ada")));
  REQUIRE(auth.has_ack());
  CHECK(TimeUtil::TimestampToSeconds(auth.ack().authenticated().token_expires_at()) ==
        absl::ToUnixSeconds(expires));
  Follow(c, room);
  REQUIRE(Ask(c, NotificationsFrame("n1", true)).ack().done());
  CHECK(Ask(c, ChatFrame("c1", room, "before")).has_ack());
  REQUIRE(WaitUntil(
      [&] {
        return PresentUsers(w.push, room) == std::multiset<std::string>{"", ada};
      },
      absl::Seconds(30)));
  CHECK(Metric(w.registry, kNotificationGauge) == 1);

  // The client sends nothing: the server notices the expiry by itself.
  const int expired = c.WaitFor([](const v1::ServerFrame& f) {
    return f.has_error() && f.error().frame_id().empty() &&
           f.error().error_info().reason() == "TOKEN_EXPIRED";
  });
  REQUIRE(expired >= 0);
  CHECK(absl::Now() >= absl::FromUnixSeconds(absl::ToUnixSeconds(expires)));  // exp: seconds
  CHECK(c.Frames()[expired].error().code() == "UNAUTHENTICATED");
  CHECK_FALSE(c.Frames()[expired].error().fatal());
  CHECK(WaitUntil([&] { return Metric(w.registry, kNotificationGauge) == 0; }, absl::Seconds(30)));
  // Presence moved to the anonymous session: one viewer still, counted once.
  CHECK(WaitUntil(
      [&] {
        return PresentUsers(w.push, room) == std::multiset<std::string>{"", ""};
      },
      absl::Seconds(30)));
  CHECK(w.push.ViewerCount(room) == 2);

  // Writing now says why it is refused.
  for (const v1::ClientFrame& f :
       {ChatFrame("c2", room, "after"), LikeFrame("l2", room), NotificationsFrame("n2", true)}) {
    const v1::ServerFrame e = Ask(c, f);
    INFO(e.DebugString());
    REQUIRE(e.has_error());
    CHECK(e.error().code() == "UNAUTHENTICATED");
    CHECK(e.error().error_info().reason() == "TOKEN_EXPIRED");
  }
  // The room goes on: events and counts.
  const int64_t seq = w.push.Publish(room);
  CHECK(c.WaitFor(IsEvent(room, seq)) >= 0);
  const size_t before_third = c.Frames().size();
  WsClient third(w.port());
  Follow(third, room);
  CHECK(c.WaitFor(
            [](const v1::ServerFrame& f) {
              return f.has_room_event() && f.room_event().has_viewer_count() &&
                     f.room_event().viewer_count().viewer_count() == 3;
            },
            absl::Seconds(30), before_third) >= 0);
  CHECK_FALSE(c.closed());

  // A fresh token signs the socket in again: chat works, presence is Ada's again.
  SignIn(c, w.push.Token(ada, "Ada"));
  const v1::ServerFrame sent = Ask(c, ChatFrame("c3", room, "back again"));
  INFO(sent.DebugString());
  REQUIRE(sent.has_ack());
  const int seen = viewer.WaitFor(IsEvent(room, sent.ack().chat_sent().sequence()));
  REQUIRE(seen >= 0);
  CHECK(viewer.Frames()[seen].room_event().chat_message().author().user_id() == ada);
  CHECK(WaitUntil(
      [&] {
        return PresentUsers(w.push, room) == std::multiset<std::string>{"", "", ada};
      },
      absl::Seconds(30)));
  REQUIRE(Ask(c, NotificationsFrame("n3", true)).ack().done());
  CHECK(Metric(w.registry, kNotificationGauge) == 1);
}

TEST_CASE(
    "authenticate with a forged, expired or oversized token is refused, the socket keeps its "
    "identity and its room feed",
    "[integration]") {
  World w;
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  const std::string ada = ids::NewId("usr");
  WsClient c(w.port());
  Follow(c, room);

  std::string forged = w.push.Token(ids::NewId("usr"));
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  const std::vector<std::pair<std::string, std::string>> bad = {
      {forged, ""},
      // Long expired: the verifier itself refuses it.
      {w.push.TokenExpiringAt(ada, absl::Now() - absl::Minutes(10)), "TOKEN_EXPIRED"},
      // Expired seconds ago (inside the verifier's clock-skew leeway): a signed-in socket would
      // be downgraded at once, so it is refused too.
      {w.push.TokenExpiringAt(ada, absl::Now() - absl::Seconds(3)), "TOKEN_EXPIRED"},
      {std::string(9000, 'x'), "TOKEN_MALFORMED"},
  };
  auto refused_each = [&](const std::string& round) {
    for (size_t i = 0; i < bad.size(); ++i) {
      const v1::ServerFrame e = Ask(c, AuthenticateFrame(absl::StrCat(round, i), bad[i].first));
      INFO(round << " " << i << ": " << e.DebugString());
      REQUIRE(e.has_error());
      CHECK(e.error().code() == "UNAUTHENTICATED");
      if (!bad[i].second.empty()) CHECK(e.error().error_info().reason() == bad[i].second);
      CHECK_FALSE(e.error().fatal());
      const int64_t seq = w.push.Publish(room);
      CHECK(c.WaitFor(IsEvent(room, seq)) >= 0);
    }
  };
  refused_each("anon");
  const v1::ServerFrame chat = Ask(c, ChatFrame("c0", room, "still anonymous?"));
  REQUIRE(chat.has_error());
  CHECK(chat.error().error_info().reason() == "LOGIN_REQUIRED");

  SignIn(c, w.push.Token(ada, "Ada"));
  refused_each("ada");
  const v1::ServerFrame sent = Ask(c, ChatFrame("c1", room, "still Ada"));
  INFO(sent.DebugString());
  REQUIRE(sent.has_ack());
  CHECK(sent.ack().chat_sent().message().author().user_id() == ada);
  CHECK_FALSE(c.closed());
}

TEST_CASE(
    "frames sent right behind an authenticate wait for it and are handled after it, in order, as "
    "the signed-in user, even while the token check is slow",
    "[integration]") {
  WsOptions options;
  options.client_frame_burst = 100;  // the cap on held frames (16) is what is tested here
  World w(options);
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  const std::string ada = ids::NewId("usr");
  WsClient c(w.port());
  REQUIRE(c.WaitFor(IsWelcome) >= 0);

  // The check blocks (a key fetch) while the client goes on sending, as an app does.
  w.push.access().Hold();
  c.Send(AuthenticateFrame("a1", w.push.Token(ada, "Ada")));
  REQUIRE(WaitUntil([&] { return w.push.access().waiting() == 1; }, absl::Seconds(30)));
  c.Send(NotificationsFrame("n1", true));
  c.Send(SubscribeFrame("s1", room, 0, false));
  c.Send(ChatFrame("c1", room, "right behind my sign-in"));
  // More than the socket may keep waiting (16): the surplus is refused at once, the rest kept.
  for (int i = 0; i < 18; ++i) c.Send(NotificationsFrame(absl::StrCat("f", i), true));
  const int pending = c.WaitFor(IsReason("AUTHENTICATION_PENDING"));
  REQUIRE(pending >= 0);
  CHECK(c.Frames()[pending].error().code() == "RESOURCE_EXHAUSTED");
  // Nothing held was answered before the sign-in.
  for (const v1::ServerFrame& f : c.Frames()) {
    CHECK_FALSE(((f.has_ack() && f.ack().frame_id() == "n1") ||
                 (f.has_error() && f.error().frame_id() == "n1")));
  }
  w.push.access().Release();

  const int auth = c.WaitFor(AckOrError("a1"));
  const int notes = c.WaitFor(AckOrError("n1"));
  const int sub = c.WaitFor(AckOrError("s1"));
  const int chat = c.WaitFor(AckOrError("c1"));
  REQUIRE(auth >= 0);
  REQUIRE(notes >= 0);
  REQUIRE(sub >= 0);
  REQUIRE(chat >= 0);
  const std::vector<v1::ServerFrame> frames = c.Frames();
  INFO(frames[notes].DebugString() << frames[chat].DebugString());
  CHECK(frames[auth].has_ack());
  // Each is handled after the sign-in (subscribe and chat then wait on realtime-push, so their
  // answers may cross each other, as they may on any socket).
  CHECK(auth < notes);
  CHECK(auth < sub);
  CHECK(auth < chat);
  CHECK(frames[notes].has_ack());
  CHECK(frames[sub].has_ack());
  REQUIRE(frames[chat].has_ack());
  CHECK(frames[chat].ack().chat_sent().message().author().user_id() == ada);
  CHECK_FALSE(c.closed());
}

// ---- 4. what a hostile client may send ----------------------------------------------------

TEST_CASE(
    "frames of the wrong kind are refused without closing, an oversized binary frame closes "
    "with 1009 while the room goes on for the others",
    "[integration]") {
  World w;
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient json(w.port());
  WsClient proto(w.port(), {.protocol = "shopcast.v1.proto"});
  WsClient big(w.port(), {.protocol = "shopcast.v1.proto"});
  Follow(json, room, true);
  Follow(proto, room, true);
  Follow(big, room, true);

  // A valid ClientFrame, in the other subprotocol's opcode.
  std::string bytes;
  REQUIRE(HeartbeatFrame().SerializeToString(&bytes));
  json.SendRaw(bytes, /*binary_frame=*/true);
  int e = json.WaitFor(IsReason("FRAME_TYPE_MISMATCH"));
  REQUIRE(e >= 0);
  CHECK(json.Frames()[e].error().code() == "INVALID_ARGUMENT");
  CHECK_FALSE(json.Frames()[e].error().fatal());
  proto.SendRaw(R"({"frameId":"h","heartbeat":{}})", /*binary_frame=*/false);
  e = proto.WaitFor(IsReason("FRAME_TYPE_MISMATCH"));
  REQUIRE(e >= 0);
  proto.SendRaw("\xff\xff\xff", /*binary_frame=*/true);
  e = proto.WaitFor(IsReason("FRAME_MALFORMED"));
  REQUIRE(e >= 0);
  // A frame id beyond 64 characters.
  e = json.WaitFor(IsReason("FRAME_ID_INVALID"), absl::ZeroDuration());
  CHECK(e == -1);
  json.Send(SubscribeFrame(std::string(65, 'i'), room));
  CHECK(json.WaitFor(IsReason("FRAME_ID_INVALID")) >= 0);

  big.SendRaw(std::string(17 * 1024, '\x0a'), /*binary_frame=*/true);
  int code = 0;
  REQUIRE(big.WaitClosed(absl::Seconds(30), &code));
  CHECK(code == 1009);
  CHECK(WaitUntil([&] { return w.hub->SocketCount() == 2; }, absl::Seconds(30)));

  const int64_t seq = w.push.Publish(room);
  for (WsClient* c : {&json, &proto}) {
    CHECK(c->WaitFor(IsEvent(room, seq)) >= 0);
    CHECK_FALSE(c->closed());
  }
}

TEST_CASE(
    "unsubscribing a room not followed, heartbeats with no room, chat to an unknown room: "
    "clear refusals, no presence counted, the socket stays",
    "[integration]") {
  World w;
  const std::string room = w.push.OpenRoom(ids::NewId("usr"));
  WsClient c(w.port());
  REQUIRE(c.WaitFor(IsWelcome) >= 0);

  for (const std::string& id : {room, std::string("str_nope"), std::string()}) {
    const v1::ServerFrame e = Ask(c, UnsubscribeFrame("u-" + id, id));
    INFO(e.DebugString());
    REQUIRE(e.has_error());
    CHECK(e.error().code() == "NOT_FOUND");
    CHECK(e.error().error_info().reason() == "ROOM_NOT_SUBSCRIBED");
  }
  // A heartbeat is answered whether or not a room is followed; it joins nobody.
  c.Send(HeartbeatFrame());
  REQUIRE(c.WaitFor([](const v1::ServerFrame& f) { return f.has_heartbeat_ack(); }) >= 0);
  CHECK(w.push.ViewerCount(room) == 0);

  // Followed, then left: the viewer is counted, then not; heartbeats after that join nobody.
  Follow(c, room);
  REQUIRE(WaitUntil([&] { return w.push.ViewerCount(room) == 1; }, absl::Seconds(30)));
  const v1::ServerFrame left = Ask(c, UnsubscribeFrame("u1", room));
  REQUIRE(left.has_ack());
  CHECK(left.ack().done());
  const int ended = c.WaitFor(IsRoomEnded(room));
  REQUIRE(ended >= 0);
  CHECK(c.Frames()[ended].room_ended().reason() == v1::ROOM_END_REASON_UNSUBSCRIBED);
  REQUIRE(WaitUntil([&] { return w.push.ViewerCount(room) == 0; }, absl::Seconds(30)));
  const size_t acks_before = c.Frames().size();
  c.Send(HeartbeatFrame());
  REQUIRE(c.WaitFor([](const v1::ServerFrame& f) { return f.has_heartbeat_ack(); },
                    absl::Seconds(30), acks_before) >= 0);
  CHECK(PresentUsers(w.push, room).empty());
  // A second unsubscribe is refused like the first.
  CHECK(Ask(c, UnsubscribeFrame("u2", room)).error().error_info().reason() ==
        "ROOM_NOT_SUBSCRIBED");

  // Chat to a room that does not exist: realtime-push's refusal, passed on.
  SignIn(c, w.push.Token(ids::NewId("usr")));
  const v1::ServerFrame e = Ask(c, ChatFrame("c1", ids::NewId("str"), "anyone?"));
  INFO(e.DebugString());
  REQUIRE(e.has_error());
  CHECK(e.error().code() == "NOT_FOUND");
  CHECK(e.error().error_info().reason() == "ROOM_NOT_FOUND");
  CHECK_FALSE(c.closed());
}

TEST_CASE(
    "one socket follows at most max_rooms_per_socket rooms: the next is TOO_MANY_ROOMS, "
    "re-subscribing a followed room or a refused room takes no slot, leaving one frees it",
    "[integration]") {
  WsOptions options;
  options.max_rooms_per_socket = 3;
  World w(options);
  const std::string host = ids::NewId("usr");
  std::vector<std::string> rooms;
  for (int i = 0; i < 4; ++i) rooms.push_back(w.push.OpenRoom(host));
  WsClient c(w.port());

  // Rooms that do not exist are refused and do not count.
  for (int i = 0; i < 3; ++i) {
    const v1::ServerFrame e = Ask(c, SubscribeFrame(absl::StrCat("x", i), ids::NewId("str")));
    REQUIRE(e.has_error());
    CHECK(e.error().error_info().reason() == "ROOM_NOT_FOUND");
  }
  for (int i = 0; i < 3; ++i) Follow(c, rooms[i], true);
  const v1::ServerFrame full = Ask(c, SubscribeFrame("s4", rooms[3], 0, true));
  INFO(full.DebugString());
  REQUIRE(full.has_error());
  CHECK(full.error().code() == "RESOURCE_EXHAUSTED");
  CHECK(full.error().error_info().reason() == "TOO_MANY_ROOMS");
  CHECK_FALSE(full.error().fatal());
  // Again for a room already followed: a restart, not a new room.
  const v1::ServerFrame restart = Ask(c, SubscribeFrame("s2-again", rooms[1], 0, true));
  CHECK(restart.has_ack());
  // Leaving one frees its slot.
  REQUIRE(Ask(c, UnsubscribeFrame("u0", rooms[0])).has_ack());
  const size_t from = c.Frames().size();
  const v1::ServerFrame fourth = Ask(c, SubscribeFrame("s4-again", rooms[3], 0, true));
  INFO(fourth.DebugString());
  REQUIRE(fourth.has_ack());
  REQUIRE(c.WaitFor(IsRoomStarted(rooms[3]), absl::Seconds(30), from) >= 0);
  // Events reach exactly the rooms followed.
  const int64_t s0 = w.push.Publish(rooms[0]);
  const int64_t s3 = w.push.Publish(rooms[3]);
  CHECK(c.WaitFor(IsEvent(rooms[3], s3)) >= 0);
  CHECK(c.WaitFor(IsEvent(rooms[0], s0), absl::ZeroDuration()) == -1);
  CHECK_FALSE(c.closed());
}

}  // namespace
}  // namespace shopcast::gateway::ws::testing
