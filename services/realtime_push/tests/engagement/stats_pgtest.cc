// GetRoomStats against real PostgreSQL: the public counters for anyone, the host-only fields
// (peak and unique viewers, chat counts, watch time, the per-minute series) for the room's
// host or an admin, and the figures still there after the room closed.
#include <catch2/catch.hpp>
#include <pqxx/binarystring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engagement/engagement_client.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"

namespace rp = shopcast::realtime_push::testing;
namespace pb = shopcast::realtime_push::v1;

namespace {

// A chat message as the chat area stores it (it is not this area's to send).
void AddChat(rp::RoomsFixture& f, const std::string& room, int seq, const std::string& author) {
  pb::ChatMessage m;
  m.set_id(absl::StrCat("msg_", seq));
  m.mutable_author()->set_user_id(author);
  m.set_text("hello");
  shopcast::realtime_push::ToProto(absl::Now(), m.mutable_sent_at());
  const std::string bytes = m.SerializeAsString();
  absl::Status s = shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
    tx.exec_params0(
        "INSERT INTO chat_messages (stream_id, message_id, seq, author_id, client_message_id, "
        "message) VALUES ($1, $2, $3, $4, $5, $6)",
        room, m.id(), seq, author, absl::StrCat("c", seq),
        pqxx::binarystring(bytes.data(), bytes.size()));
    return absl::OkStatus();
  });
  REQUIRE(s.ok());
}

// A room with some of everything: 3 reactions, 2 viewers (one left), 3 chat messages by 2 users.
std::string BusyRoom(rp::RoomsFixture& f, pb::RealtimePushService::Stub& stub) {
  const std::string room = f.OpenRoom("usr_host");
  REQUIRE(rp::SetReaction(stub, room, rp::SessionId(1), pb::REACTION_LIKE).ok());
  REQUIRE(rp::SetReaction(stub, room, rp::SessionId(2), pb::REACTION_LIKE).ok());
  REQUIRE(rp::SetReaction(stub, room, "", pb::REACTION_DISLIKE, f.TokenFor("usr_ann")).ok());
  REQUIRE(rp::Join(stub, room, rp::SessionId(1)).ok());
  REQUIRE(rp::Join(stub, room, rp::SessionId(2)).ok());
  REQUIRE(rp::Leave(stub, room, rp::SessionId(2)).ok());
  AddChat(f, room, 1, "usr_ann");
  AddChat(f, room, 2, "usr_bob");
  AddChat(f, room, 3, "usr_ann");
  return room;
}

void CheckPublic(const pb::RoomStats& s) {
  CHECK(s.viewer_count() == 1);
  CHECK(s.total_likes() == 2);
  CHECK(s.total_dislikes() == 1);
  CHECK(s.opened_at().seconds() > 0);
}

void CheckHostOnly(const pb::RoomStats& s) {
  CHECK(s.host_view());
  CHECK(s.peak_viewer_count() == 2);
  CHECK(s.unique_viewers() == 2);
  CHECK(s.chat_message_count() == 3);
  CHECK(s.unique_chatters() == 2);
  CHECK(s.total_watch_time().seconds() + s.total_watch_time().nanos() > 0);
  REQUIRE(s.minutes_size() >= 1);
  CHECK(s.minutes(0).minute().seconds() == s.opened_at().seconds() / 60 * 60);
  int64_t likes = 0, dislikes = 0, chat = 0, peak = 0;
  for (const auto& m : s.minutes()) {
    likes += m.likes();
    dislikes += m.dislikes();
    chat += m.chat_messages();
    peak = std::max(peak, m.viewers());
  }
  CHECK(likes == 2);
  CHECK(dislikes == 1);
  CHECK(chat == 3);
  CHECK(peak == 2);
}

void CheckNoHostOnly(const pb::RoomStats& s) {
  CHECK_FALSE(s.host_view());
  CHECK(s.peak_viewer_count() == 0);
  CHECK(s.unique_viewers() == 0);
  CHECK(s.chat_message_count() == 0);
  CHECK(s.unique_chatters() == 0);
  CHECK_FALSE(s.has_total_watch_time());
  CHECK_FALSE(s.has_average_watch_time());
  CHECK(s.minutes_size() == 0);
}

}  // namespace

TEST_CASE("GetRoomStats: public counters for anyone, host-only fields for the host or an admin") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica().PublicStub();
  const std::string room = BusyRoom(f, *stub);

  pb::RoomStats stats;
  SECTION("the host") {
    REQUIRE(rp::Stats(*stub, room, f.TokenFor("usr_host", "host"), &stats).ok());
    CheckPublic(stats);
    CheckHostOnly(stats);
  }
  SECTION("an admin") {
    REQUIRE(rp::Stats(*stub, room, f.TokenFor("usr_root", "admin"), &stats).ok());
    CheckPublic(stats);
    CheckHostOnly(stats);
  }
  SECTION("an anonymous viewer") {
    REQUIRE(rp::Stats(*stub, room, "", &stats).ok());
    CheckPublic(stats);
    CheckNoHostOnly(stats);
  }
  SECTION("another host, signed in") {
    REQUIRE(rp::Stats(*stub, room, f.TokenFor("usr_other", "host"), &stats).ok());
    CheckPublic(stats);
    CheckNoHostOnly(stats);
  }
}

TEST_CASE("Room stats stay readable after the room closed") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica().PublicStub();
  const std::string room = BusyRoom(f, *stub);
  rp::CloseRoom(f, room);

  pb::RoomStats stats;
  REQUIRE(rp::Stats(*stub, room, f.TokenFor("usr_host", "host"), &stats).ok());
  CHECK_FALSE(stats.open());
  CHECK(stats.closed_at().seconds() >= stats.opened_at().seconds());
  CheckPublic(stats);
  CheckHostOnly(stats);
  // The series ends with the room.
  CHECK(stats.minutes(stats.minutes_size() - 1).minute().seconds() <= stats.closed_at().seconds());
}
