// Engagement RPCs refuse bad input with the right status and reason, and store nothing: bad
// session ids, malformed and unknown streams, bad reactions, forged tokens, closed rooms, a
// heartbeat of a session that never joined; someone else asking for host-only stats gets the
// public subset (the contract), not an error.
#include <catch2/catch.hpp>
#include <functional>

#include "engagement/engagement_client.h"
#include "shopcast/ids/ids.h"

namespace rp = shopcast::realtime_push::testing;
namespace pb = shopcast::realtime_push::v1;

TEST_CASE("Engagement RPCs refuse bad input with a reason and store nothing") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica().PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  const std::string closed = f.OpenRoom("usr_host");
  rp::CloseRoom(f, closed);
  const std::string unknown = shopcast::ids::NewId("str");
  const std::string ok_session = rp::SessionId(1);
  const std::string forged = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c3JfeCJ9.c2lnbmF0dXJl";

  struct Case {
    const char* name;
    std::function<rp::Outcome()> call;
    grpc::StatusCode code;
    const char* reason;  // "" = any TOKEN_* reason (the verifier's own)
  };
  auto& s = *stub;
  const std::vector<Case> cases = {
      {"reaction: empty stream id",
       [&] { return rp::SetReaction(s, "", ok_session, pb::REACTION_LIKE); },
       grpc::StatusCode::INVALID_ARGUMENT, "STREAM_ID_INVALID"},
      {"reaction: malformed stream id",
       [&] { return rp::SetReaction(s, "str_not-an-id", ok_session, pb::REACTION_LIKE); },
       grpc::StatusCode::INVALID_ARGUMENT, "STREAM_ID_INVALID"},
      {"reaction: unknown stream",
       [&] { return rp::SetReaction(s, unknown, ok_session, pb::REACTION_LIKE); },
       grpc::StatusCode::NOT_FOUND, "ROOM_NOT_FOUND"},
      {"reaction: unspecified",
       [&] { return rp::SetReaction(s, room, ok_session, pb::REACTION_UNSPECIFIED); },
       grpc::StatusCode::INVALID_ARGUMENT, "REACTION_INVALID"},
      {"reaction: out of range",
       [&] { return rp::SetReaction(s, room, ok_session, static_cast<pb::Reaction>(42)); },
       grpc::StatusCode::INVALID_ARGUMENT, "REACTION_INVALID"},
      {"reaction: anonymous without session",
       [&] { return rp::SetReaction(s, room, "", pb::REACTION_LIKE); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"reaction: session too short",
       [&] { return rp::SetReaction(s, room, "short", pb::REACTION_LIKE); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"reaction: session too long",
       [&] { return rp::SetReaction(s, room, std::string(65, 'x'), pb::REACTION_LIKE); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"reaction: session with a space",
       [&] { return rp::SetReaction(s, room, "tab 0000000000000001", pb::REACTION_LIKE); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"reaction: session not ASCII",
       [&] {
         return rp::SetReaction(s, room, "tab-\xc3\xa9\xc3\xa9-000000000001", pb::REACTION_LIKE);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"reaction: forged token",
       [&] { return rp::SetReaction(s, room, ok_session, pb::REACTION_LIKE, forged); },
       grpc::StatusCode::UNAUTHENTICATED, ""},
      {"reaction: closed room",
       [&] { return rp::SetReaction(s, closed, ok_session, pb::REACTION_LIKE); },
       grpc::StatusCode::FAILED_PRECONDITION, "ROOM_CLOSED"},
      {"join: no session", [&] { return rp::Join(s, room, ""); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"join: signed in, still needs a session",
       [&] { return rp::Join(s, room, "", f.TokenFor("usr_ann")); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"join: malformed stream id", [&] { return rp::Join(s, "room-1", ok_session); },
       grpc::StatusCode::INVALID_ARGUMENT, "STREAM_ID_INVALID"},
      {"join: unknown stream", [&] { return rp::Join(s, unknown, ok_session); },
       grpc::StatusCode::NOT_FOUND, "ROOM_NOT_FOUND"},
      {"join: forged token", [&] { return rp::Join(s, room, ok_session, forged); },
       grpc::StatusCode::UNAUTHENTICATED, ""},
      {"join: closed room", [&] { return rp::Join(s, closed, ok_session); },
       grpc::StatusCode::FAILED_PRECONDITION, "ROOM_CLOSED"},
      {"heartbeat: never joined", [&] { return rp::Heartbeat(s, room, ok_session); },
       grpc::StatusCode::NOT_FOUND, "SESSION_NOT_FOUND"},
      {"heartbeat: bad session", [&] { return rp::Heartbeat(s, room, "x"); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"heartbeat: unknown stream", [&] { return rp::Heartbeat(s, unknown, ok_session); },
       grpc::StatusCode::NOT_FOUND, "ROOM_NOT_FOUND"},
      {"heartbeat: closed room", [&] { return rp::Heartbeat(s, closed, ok_session); },
       grpc::StatusCode::FAILED_PRECONDITION, "ROOM_CLOSED"},
      {"leave: bad session", [&] { return rp::Leave(s, room, std::string(65, 'y')); },
       grpc::StatusCode::INVALID_ARGUMENT, "SESSION_ID_INVALID"},
      {"leave: unknown stream", [&] { return rp::Leave(s, unknown, ok_session); },
       grpc::StatusCode::NOT_FOUND, "ROOM_NOT_FOUND"},
      {"leave: forged token", [&] { return rp::Leave(s, room, ok_session, forged); },
       grpc::StatusCode::UNAUTHENTICATED, ""},
      {"stats: malformed stream id", [&] { return rp::Stats(s, "str_"); },
       grpc::StatusCode::INVALID_ARGUMENT, "STREAM_ID_INVALID"},
      {"stats: unknown stream", [&] { return rp::Stats(s, unknown); }, grpc::StatusCode::NOT_FOUND,
       "ROOM_NOT_FOUND"},
      {"stats: forged token", [&] { return rp::Stats(s, room, forged); },
       grpc::StatusCode::UNAUTHENTICATED, ""},
      {"stats: a non-bearer authorization", [&] { return rp::Stats(s, room, "x y z"); },
       grpc::StatusCode::UNAUTHENTICATED, ""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    rp::Outcome out = c.call();
    CHECK(out.code() == c.code);
    if (std::string(c.reason).empty()) {
      CHECK(out.reason.rfind("TOKEN_", 0) == 0);
    } else {
      CHECK(out.reason == c.reason);
    }
  }

  for (const std::string& id : {room, closed}) {
    CHECK(rp::QueryInt(f, "SELECT count(*) FROM room_reactions WHERE stream_id = $1", id) == 0);
    CHECK(rp::QueryInt(f, "SELECT count(*) FROM room_presence WHERE stream_id = $1", id) == 0);
    CHECK(rp::QueryInt(f, "SELECT count(*) FROM room_minutes WHERE stream_id = $1", id) == 0);
    CHECK(rp::QueryInt(f,
                       "SELECT coalesce(sum(likes + dislikes + viewers + peak_viewers), 0) "
                       "FROM room_engagement WHERE stream_id = $1",
                       id) == 0);
  }

  // Someone else's host-only stats: the public subset, as the contract says, not an error.
  pb::RoomStats stats;
  rp::Outcome out = rp::Stats(s, room, f.TokenFor("usr_not_host", "host"), &stats);
  CHECK(out.ok());
  CHECK_FALSE(stats.host_view());
  CHECK(stats.minutes_size() == 0);
}
