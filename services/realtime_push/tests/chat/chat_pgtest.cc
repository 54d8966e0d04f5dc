// Chat against real PostgreSQL and whole App replicas: messages reach subscribers on another
// replica, retries are idempotent, the flood limit is one bucket for all replicas, and the
// host's moderation (deletions, mutes, bans) is visible to everyone and binding.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "chat_client.h"
#include "rooms/room_log.h"
#include "shopcast/testing/wait.h"

using shopcast::realtime_push::testing::Call;
using shopcast::realtime_push::testing::ChatRows;
using shopcast::realtime_push::testing::HeadOf;
using shopcast::realtime_push::testing::InfoOf;
using shopcast::realtime_push::testing::RoomsFixture;
using shopcast::realtime_push::testing::SendChat;
using shopcast::realtime_push::testing::Subscriber;
using shopcast::testing::WaitUntil;
namespace pb = shopcast::realtime_push::v1;
using Stub = pb::RealtimePushService::Stub;

namespace {

// Chat payloads the subscriber received, in order.
std::vector<pb::RoomEvent> ChatEvents(const Subscriber& sub) {
  std::vector<pb::RoomEvent> out;
  for (const auto& m : sub.Received()) {
    if (m.has_event() && (m.event().has_chat_message() || m.event().has_chat_message_deleted())) {
      out.push_back(m.event());
    }
  }
  return out;
}

pb::ListChatMessagesResponse History(Stub& stub, const std::string& room, int page_size = 0,
                                     const std::string& token = "") {
  pb::ListChatMessagesRequest req;
  req.set_stream_id(room);
  req.mutable_page()->set_page_size(page_size);
  req.mutable_page()->set_page_token(token);
  pb::ListChatMessagesResponse res;
  grpc::Status s = Call(stub, &Stub::ListChatMessages, "", req, &res);
  REQUIRE(s.ok());
  return res;
}

grpc::Status Delete(Stub& stub, const std::string& token, const std::string& room,
                    const std::string& message_id) {
  pb::DeleteChatMessageRequest req;
  req.set_stream_id(room);
  req.set_message_id(message_id);
  pb::DeleteChatMessageResponse res;
  return Call(stub, &Stub::DeleteChatMessage, token, req, &res);
}

grpc::Status Mute(Stub& stub, const std::string& token, const std::string& room,
                  const std::string& user, int64_t seconds, pb::MuteUserResponse* res) {
  pb::MuteUserRequest req;
  req.set_stream_id(room);
  req.set_user_id(user);
  if (seconds > 0) req.mutable_duration()->set_seconds(seconds);
  return Call(stub, &Stub::MuteUser, token, req, res);
}

template <typename Req, typename Res>
grpc::Status Moderate(Stub& stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Res*),
                      const std::string& token, const std::string& room, const std::string& user) {
  Req req;
  req.set_stream_id(room);
  req.set_user_id(user);
  Res res;
  return Call(stub, method, token, req, &res);
}

}  // namespace

TEST_CASE("a chat message reaches a subscriber on another replica with its author's badge") {
  RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  auto stub_a = a.PublicStub();
  auto stub_b = b.PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  Subscriber sub(*stub_b, room, 0);
  REQUIRE(sub.WaitForCount(1));

  pb::SendChatResponse sent;
  REQUIRE(
      SendChat(*stub_a, f.TokenFor("usr_ann", "viewer", "Ann"), room, "  hello\nall  ", "c1", &sent)
          .ok());
  CHECK(sent.sequence() == 1);
  CHECK(sent.message().text() == "hello\nall");
  REQUIRE(sub.WaitForSequence(1));
  std::vector<pb::RoomEvent> events = ChatEvents(sub);
  REQUIRE(events.size() == 1);
  const pb::ChatMessage& m = events[0].chat_message();
  CHECK(m.id() == sent.message().id());
  CHECK(m.text() == "hello\nall");
  CHECK(m.author().user_id() == "usr_ann");
  CHECK(m.author().display_name() == "Ann");
  CHECK_FALSE(m.author().is_host());
  CHECK(m.client_message_id() == "c1");

  REQUIRE(SendChat(*stub_b, f.TokenFor("usr_host", "host", "Hoster"), room, "welcome", "h1").ok());
  REQUIRE(sub.WaitForSequence(2));
  events = ChatEvents(sub);
  REQUIRE(events.size() == 2);
  CHECK(events[1].chat_message().author().is_host());

  // A late joiner's snapshot and the history hold the same messages.
  Subscriber late(*stub_a, room, 0);
  REQUIRE(late.WaitForCount(1));
  const pb::RoomSnapshot snap = late.Received()[0].started().snapshot();
  REQUIRE(snap.recent_chat_size() == 2);
  CHECK(snap.recent_chat(0).text() == "hello\nall");
  CHECK(snap.recent_chat(1).text() == "welcome");
  pb::ListChatMessagesResponse history = History(*stub_a, room);
  REQUIRE(history.messages_size() == 2);
  CHECK(history.messages(0).sequence() == 2);
  CHECK(history.messages(1).message().author().display_name() == "Ann");
  CHECK(history.page().next_page_token().empty());
}

TEST_CASE("a retried send answers the first message and appends nothing") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  Subscriber sub(*stub, room, 0);
  REQUIRE(sub.WaitForCount(1));
  const std::string token = f.TokenFor("usr_ann");

  pb::SendChatResponse first, again;
  REQUIRE(SendChat(*stub, token, room, "one", "same-id", &first).ok());
  // The retry may even differ in text: the first send stands.
  REQUIRE(SendChat(*stub, token, room, "one, edited", "same-id", &again).ok());
  CHECK(again.sequence() == first.sequence());
  CHECK(again.message().id() == first.message().id());
  CHECK(again.message().text() == "one");
  // The same client id from another user is another message.
  REQUIRE(SendChat(*stub, f.TokenFor("usr_bob"), room, "two", "same-id").ok());
  REQUIRE(sub.WaitForSequence(2));
  CHECK(ChatEvents(sub).size() == 2);
  CHECK(HeadOf(f, room) == 2);
  CHECK(ChatRows(f, room) == 2);
}

TEST_CASE("the flood limit allows a burst, refuses with retry_after_ms, then allows again") {
  RoomsFixture f;
  auto& replica = f.AddReplica([](shopcast::realtime_push::Config& c) {
    c.chat_rate_burst = 3;
    c.chat_rate_interval = absl::Milliseconds(500);
  });
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  const std::string token = f.TokenFor("usr_ann");
  int sent = 0;
  grpc::Status refused;
  for (int i = 0; i < 50; ++i) {
    grpc::Status s = SendChat(*stub, token, room, "hi", absl::StrCat("m", i));
    if (!s.ok()) {
      refused = s;
      break;
    }
    ++sent;
  }
  // At least the burst went through (a slow machine may earn a token or two meanwhile).
  CHECK(sent >= 3);
  REQUIRE(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto info = InfoOf(refused);
  CHECK(info.reason() == "CHAT_RATE_LIMITED");
  int64_t retry_ms = 0;
  REQUIRE(absl::SimpleAtoi(info.metadata().at("retry_after_ms"), &retry_ms));
  CHECK(retry_ms >= 1);
  CHECK(retry_ms <= 500);
  CHECK(ChatRows(f, room) == sent);
  // A token comes back.
  CHECK(WaitUntil([&] { return SendChat(*stub, token, room, "again", "late").ok(); },
                  absl::Seconds(30)));
  CHECK(ChatRows(f, room) == sent + 1);
}

TEST_CASE("every replica draws from the same bucket") {
  RoomsFixture f;
  auto no_refill = [](shopcast::realtime_push::Config& c) {
    c.chat_rate_burst = 4;
    c.chat_rate_interval = absl::Hours(1);
  };
  auto stub_a = f.AddReplica(no_refill).PublicStub();
  auto stub_b = f.AddReplica(no_refill).PublicStub();
  const std::string room = f.OpenRoom();
  const std::string other_room = f.OpenRoom();
  const std::string token = f.TokenFor("usr_ann");
  // Four across two replicas and two rooms, then nothing anywhere.
  REQUIRE(SendChat(*stub_a, token, room, "1", "m1").ok());
  REQUIRE(SendChat(*stub_b, token, room, "2", "m2").ok());
  REQUIRE(SendChat(*stub_a, token, other_room, "3", "m3").ok());
  REQUIRE(SendChat(*stub_b, token, other_room, "4", "m4").ok());
  grpc::Status a = SendChat(*stub_a, token, room, "5", "m5");
  grpc::Status b = SendChat(*stub_b, token, other_room, "6", "m6");
  CHECK(a.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(b.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  // A retry of a stored message is not a new message: it costs nothing and still answers.
  CHECK(SendChat(*stub_b, token, room, "1", "m1").ok());
  // Someone else has their own bucket.
  CHECK(SendChat(*stub_a, f.TokenFor("usr_bob"), room, "hi", "b1").ok());
  CHECK(ChatRows(f, room) == 3);
}

TEST_CASE("the host or an admin deletes anyone's message, an author their own, nobody else") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  Subscriber sub(*stub, room, 0);
  REQUIRE(sub.WaitForCount(1));
  const std::string ann = f.TokenFor("usr_ann");
  const std::string bob = f.TokenFor("usr_bob");
  pb::SendChatResponse m1, m2, m3;
  REQUIRE(SendChat(*stub, ann, room, "first", "a1", &m1).ok());
  REQUIRE(SendChat(*stub, ann, room, "second", "a2", &m2).ok());
  REQUIRE(SendChat(*stub, ann, room, "third", "a3", &m3).ok());

  grpc::Status not_yours = Delete(*stub, bob, room, m1.message().id());
  CHECK(not_yours.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(InfoOf(not_yours).reason() == "NOT_STREAM_OWNER");
  CHECK(HeadOf(f, room) == 3);

  REQUIRE(Delete(*stub, f.TokenFor("usr_host", "host"), room, m1.message().id()).ok());
  REQUIRE(Delete(*stub, ann, room, m2.message().id()).ok());
  REQUIRE(Delete(*stub, f.TokenFor("usr_root", "admin"), room, m3.message().id()).ok());
  // Idempotent: nothing more is appended.
  REQUIRE(Delete(*stub, ann, room, m2.message().id()).ok());
  CHECK(HeadOf(f, room) == 6);
  REQUIRE(sub.WaitForSequence(6));
  std::vector<pb::RoomEvent> events = ChatEvents(sub);
  REQUIRE(events.size() == 6);
  CHECK(events[3].chat_message_deleted().message_id() == m1.message().id());
  CHECK(events[3].chat_message_deleted().deleted_by() == "usr_host");
  CHECK(events[4].chat_message_deleted().deleted_by() == "usr_ann");
  CHECK(events[5].chat_message_deleted().deleted_by() == "usr_root");

  pb::ListChatMessagesResponse history = History(*stub, room);
  REQUIRE(history.messages_size() == 3);
  for (const auto& e : history.messages()) {
    CHECK(e.message().deleted());
    CHECK(e.message().text().empty());
  }
  Subscriber late(*stub, room, 0);
  REQUIRE(late.WaitForCount(1));
  CHECK(late.Received()[0].started().snapshot().recent_chat_size() == 0);
}

TEST_CASE(
    "a muted user cannot chat until the mute ends or is lifted, and the host cannot be muted") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  const std::string host = f.TokenFor("usr_host", "host");
  const std::string ann = f.TokenFor("usr_ann");

  pb::MuteUserResponse muted;
  REQUIRE(Mute(*stub, host, room, "usr_ann", 60, &muted).ok());
  REQUIRE(muted.has_muted_until());
  grpc::Status s = SendChat(*stub, ann, room, "hi", "a1");
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(InfoOf(s).reason() == "USER_MUTED");
  CHECK_FALSE(InfoOf(s).metadata().at("muted_until").empty());

  // The minute passing, without waiting for it: the stored end moves into the past.
  REQUIRE(shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
            tx.exec_params0(
                "UPDATE chat_mutes SET muted_until = now() - interval '1 second' "
                "WHERE stream_id = $1",
                room);
            return absl::OkStatus();
          }).ok());
  CHECK(SendChat(*stub, ann, room, "hi", "a1").ok());

  // Until the room closes, then lifted.
  REQUIRE(Mute(*stub, host, room, "usr_ann", 0, &muted).ok());
  CHECK_FALSE(muted.has_muted_until());
  s = SendChat(*stub, ann, room, "hi", "a2");
  CHECK(InfoOf(s).reason() == "USER_MUTED");
  CHECK(InfoOf(s).metadata().count("muted_until") == 0);
  REQUIRE(Moderate(*stub, &Stub::UnmuteUser, host, room, "usr_ann").ok());
  REQUIRE(Moderate(*stub, &Stub::UnmuteUser, host, room, "usr_ann").ok());
  CHECK(SendChat(*stub, ann, room, "hi", "a2").ok());

  s = Mute(*stub, host, room, "usr_host", 60, &muted);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(InfoOf(s).reason() == "CANNOT_MUTE_HOST");
  // An admin may mute too.
  REQUIRE(Mute(*stub, f.TokenFor("usr_root", "admin"), room, "usr_ann", 60, &muted).ok());
  CHECK(InfoOf(SendChat(*stub, ann, room, "hi", "a3")).reason() == "USER_MUTED");
}

TEST_CASE("a banned user cannot chat in that room until unbanned") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  const std::string other_room = f.OpenRoom("usr_host");
  const std::string host = f.TokenFor("usr_host", "host");
  const std::string ann = f.TokenFor("usr_ann");

  REQUIRE(Moderate(*stub, &Stub::BanUser, host, room, "usr_ann").ok());
  REQUIRE(Moderate(*stub, &Stub::BanUser, host, room, "usr_ann").ok());
  grpc::Status s = SendChat(*stub, ann, room, "hi", "a1");
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(InfoOf(s).reason() == "USER_BANNED");
  CHECK(SendChat(*stub, ann, other_room, "hi", "a1").ok());
  REQUIRE(Moderate(*stub, &Stub::UnbanUser, host, room, "usr_ann").ok());
  CHECK(SendChat(*stub, ann, room, "hi", "a1").ok());
}

TEST_CASE("history pages newest first with a token, and from before_sequence") {
  RoomsFixture f;
  auto& replica = f.AddReplica([](shopcast::realtime_push::Config& c) { c.chat_rate_burst = 100; });
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom();
  for (int i = 1; i <= 25; ++i) {
    REQUIRE(SendChat(*stub, f.TokenFor(absl::StrCat("usr_", i % 3)), room, absl::StrCat("m", i),
                     absl::StrCat("c", i))
                .ok());
  }
  pb::ListChatMessagesResponse page = History(*stub, room, 10);
  std::vector<int64_t> seqs;
  while (true) {
    for (const auto& e : page.messages()) seqs.push_back(e.sequence());
    if (page.page().next_page_token().empty()) break;
    page = History(*stub, room, 10, page.page().next_page_token());
  }
  REQUIRE(seqs.size() == 25);
  for (size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == 25 - static_cast<int64_t>(i));
  CHECK(History(*stub, room).messages_size() == 20);

  pb::ListChatMessagesRequest req;
  req.set_stream_id(room);
  req.set_before_sequence(4);
  pb::ListChatMessagesResponse res;
  REQUIRE(Call(*stub, &Stub::ListChatMessages, "", req, &res).ok());
  REQUIRE(res.messages_size() == 3);
  CHECK(res.messages(0).message().text() == "m3");
}

TEST_CASE(
    "concurrent sends on two replicas: retries store once, the bucket gives exactly its burst") {
  RoomsFixture f;
  auto no_refill = [](shopcast::realtime_push::Config& c) {
    c.chat_rate_burst = 10;
    c.chat_rate_interval = absl::Hours(1);
  };
  auto& a = f.AddReplica(no_refill);
  auto& b = f.AddReplica(no_refill);
  const std::string room = f.OpenRoom();
  const std::string token = f.TokenFor("usr_ann");
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::atomic<int> ok{0};
  std::atomic<int> limited{0};
  std::vector<int64_t> first_seq(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = (t % 2 == 0 ? a : b).PublicStub();
      // Every thread first sends the same message: one stored, all answered with it.
      pb::SendChatResponse same;
      if (SendChat(*stub, token, room, "same", "shared", &same).ok())
        first_seq[t] = same.sequence();
      for (int i = 0; i < kEach; ++i) {
        grpc::Status s = SendChat(*stub, token, room, "x", absl::StrCat("t", t, "-", i));
        if (s.ok()) ++ok;
        if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++limited;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(first_seq[t] == first_seq[0]);
  CHECK(first_seq[0] > 0);
  // The shared message took one token; nine are left for the 40 others.
  CHECK(ok == 9);
  CHECK(limited == kThreads * kEach - 9);
  CHECK(ChatRows(f, room) == 10);
  CHECK(HeadOf(f, room) == 10);
}
