// Every bad chat request refused with the right status and reason, and nothing stored: the
// room's log and chat_messages are as they were afterwards.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "chat_client.h"
#include "rooms/room_log.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/ids/ids.h"

using shopcast::realtime_push::testing::Call;
using shopcast::realtime_push::testing::ChatRows;
using shopcast::realtime_push::testing::HeadOf;
using shopcast::realtime_push::testing::InfoOf;
using shopcast::realtime_push::testing::RoomsFixture;
using shopcast::realtime_push::testing::SendChat;
namespace pb = shopcast::realtime_push::v1;
using Stub = pb::RealtimePushService::Stub;

namespace {

// A refusal: its status and the reason trailer.
struct Outcome {
  grpc::Status status;
  std::string reason;
};

struct Case {
  std::string name;
  std::function<Outcome(Stub&)> call;
  grpc::StatusCode code;
  std::string reason;
};

// A well-formed token for our issuer and audience, signed by a key of the attacker's own but
// naming the real key's kid (taken from `genuine`'s header).
std::string ForgedToken(const std::string& genuine) {
  std::string header;
  REQUIRE(absl::WebSafeBase64Unescape(genuine.substr(0, genuine.find('.')), &header));
  const std::string marker = "\"kid\":\"";
  const size_t at = header.find(marker);
  REQUIRE(at != std::string::npos);
  const size_t from = at + marker.size();
  auto key = shopcast::auth::GenerateSigningKey(header.substr(from, header.find('"', from) - from));
  REQUIRE(key.ok());
  shopcast::auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  auto token = issuer.Issue("usr_ann", shopcast::auth::Role::kAdmin, absl::Now());
  REQUIRE(token.ok());
  return token->token;
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("bad chat requests are refused with a reason and store nothing") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto stub = replica.PublicStub();
  const std::string room = f.OpenRoom("usr_host");
  const std::string closed_room = f.OpenRoom("usr_host");
  REQUIRE(shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
            shopcast::realtime_push::rooms::tx::CloseRoom(tx, closed_room, absl::Now());
            return absl::OkStatus();
          }).ok());
  const std::string ann = f.TokenFor("usr_ann");
  const std::string host = f.TokenFor("usr_host", "host");
  const std::string expired = f.TokenFor("usr_ann", "viewer", "", absl::Now() - absl::Hours(1));
  const std::string forged = ForgedToken(ann);

  // A muted and a banned user, set up through the API.
  {
    pb::MuteUserRequest req;
    req.set_stream_id(room);
    req.set_user_id("usr_muted");
    pb::MuteUserResponse res;
    REQUIRE(Call(*stub, &Stub::MuteUser, host, req, &res).ok());
    pb::BanUserRequest ban;
    ban.set_stream_id(room);
    ban.set_user_id("usr_banned");
    pb::BanUserResponse banned;
    REQUIRE(Call(*stub, &Stub::BanUser, host, ban, &banned).ok());
  }

  using Code = grpc::StatusCode;
  auto send = [&](const std::string& token, const std::string& stream, const std::string& text,
                  const std::string& id) {
    return [=](Stub& s) {
      Outcome o;
      o.status = SendChat(s, token, stream, text, id, nullptr, &o.reason);
      return o;
    };
  };
  auto mute = [&](const std::string& token, const std::string& user, int64_t seconds) {
    return [=](Stub& s) {
      pb::MuteUserRequest req;
      req.set_stream_id(room);
      req.set_user_id(user);
      if (seconds != 0) req.mutable_duration()->set_seconds(seconds);
      pb::MuteUserResponse res;
      Outcome o;
      o.status = Call(s, &Stub::MuteUser, token, req, &res, &o.reason);
      return o;
    };
  };
  auto del = [&](const std::string& token, const std::string& message_id) {
    return [=](Stub& s) {
      pb::DeleteChatMessageRequest req;
      req.set_stream_id(room);
      req.set_message_id(message_id);
      pb::DeleteChatMessageResponse res;
      Outcome o;
      o.status = Call(s, &Stub::DeleteChatMessage, token, req, &res, &o.reason);
      return o;
    };
  };
  auto list = [&](const std::string& stream, int page_size, const std::string& token,
                  int64_t before) {
    return [=](Stub& s) {
      pb::ListChatMessagesRequest req;
      req.set_stream_id(stream);
      req.set_before_sequence(before);
      req.mutable_page()->set_page_size(page_size);
      req.mutable_page()->set_page_token(token);
      pb::ListChatMessagesResponse res;
      Outcome o;
      o.status = Call(s, &Stub::ListChatMessages, "", req, &res, &o.reason);
      return o;
    };
  };

  const std::vector<Case> cases = {
      {"empty text", send(ann, room, "", "c"), Code::INVALID_ARGUMENT, "MESSAGE_EMPTY"},
      {"whitespace only", send(ann, room, " \n\t  \r\n", "c"), Code::INVALID_ARGUMENT,
       "MESSAGE_EMPTY"},
      {"only zero-width spaces", send(ann, room, "\u200b\u200b", "c"), Code::INVALID_ARGUMENT,
       "MESSAGE_EMPTY"},
      {"501 characters", send(ann, room, Repeat("\u00e9", 501), "c"), Code::INVALID_ARGUMENT,
       "MESSAGE_TOO_LONG"},
      {"huge text", send(ann, room, std::string(100000, 'a'), "c"), Code::INVALID_ARGUMENT,
       "MESSAGE_TOO_LONG"},
      {"a C0 control",
       send(ann, room,
            "a\x01"
            "b",
            "c"),
       Code::INVALID_ARGUMENT, "MESSAGE_INVALID"},
      {"a tab inside", send(ann, room, "a\tb", "c"), Code::INVALID_ARGUMENT, "MESSAGE_INVALID"},
      {"a carriage return inside", send(ann, room, "a\rb", "c"), Code::INVALID_ARGUMENT,
       "MESSAGE_INVALID"},
      {"DEL", send(ann, room, "a\x7f", "c"), Code::INVALID_ARGUMENT, "MESSAGE_INVALID"},
      {"a C1 control", send(ann, room, "a\u0085b", "c"), Code::INVALID_ARGUMENT, "MESSAGE_INVALID"},
      {"a right-to-left override", send(ann, room, "gpj\u202eexe", "c"), Code::INVALID_ARGUMENT,
       "MESSAGE_INVALID"},
      // proto3 strings must be UTF-8: the server's parser refuses the request before chat sees
      // it (chat's own check, for any other path, is in chat_rules_test).
      {"invalid UTF-8", send(ann, room, "ok \xff", "c"), Code::INVALID_ARGUMENT,
       "REQUEST_MALFORMED"},
      {"overlong UTF-8", send(ann, room, "\xc0\xaf", "c"), Code::INVALID_ARGUMENT,
       "REQUEST_MALFORMED"},
      {"missing client_message_id", send(ann, room, "hi", ""), Code::INVALID_ARGUMENT,
       "CLIENT_MESSAGE_ID_INVALID"},
      {"65-byte client_message_id", send(ann, room, "hi", std::string(65, 'x')),
       Code::INVALID_ARGUMENT, "CLIENT_MESSAGE_ID_INVALID"},
      {"client_message_id with a space", send(ann, room, "hi", "a b"), Code::INVALID_ARGUMENT,
       "CLIENT_MESSAGE_ID_INVALID"},
      {"unknown stream", send(ann, shopcast::ids::NewId("str"), "hi", "c"), Code::NOT_FOUND,
       "ROOM_NOT_FOUND"},
      {"malformed stream id", send(ann, "room-1", "hi", "c"), Code::INVALID_ARGUMENT,
       "STREAM_ID_INVALID"},
      {"closed room", send(ann, closed_room, "hi", "c"), Code::FAILED_PRECONDITION, "ROOM_CLOSED"},
      {"no token", send("", room, "hi", "c"), Code::UNAUTHENTICATED, "TOKEN_MISSING"},
      {"forged token", send(forged, room, "hi", "c"), Code::UNAUTHENTICATED, "TOKEN_BAD_SIGNATURE"},
      {"expired token", send(expired, room, "hi", "c"), Code::UNAUTHENTICATED, "TOKEN_EXPIRED"},
      {"garbage token", send("not.a.token", room, "hi", "c"), Code::UNAUTHENTICATED,
       "TOKEN_MALFORMED"},
      {"muted", send(f.TokenFor("usr_muted"), room, "hi", "c"), Code::PERMISSION_DENIED,
       "USER_MUTED"},
      {"banned", send(f.TokenFor("usr_banned"), room, "hi", "c"), Code::PERMISSION_DENIED,
       "USER_BANNED"},
      {"a viewer mutes", mute(ann, "usr_bob", 60), Code::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"another host mutes", mute(f.TokenFor("usr_other", "host"), "usr_bob", 60),
       Code::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"mute without a token", mute("", "usr_bob", 60), Code::UNAUTHENTICATED, "TOKEN_MISSING"},
      {"mute the host", mute(host, "usr_host", 60), Code::INVALID_ARGUMENT, "CANNOT_MUTE_HOST"},
      {"mute for 59 s", mute(host, "usr_bob", 59), Code::INVALID_ARGUMENT, "MUTE_DURATION_INVALID"},
      {"mute for 31 days", mute(host, "usr_bob", 31 * 86400), Code::INVALID_ARGUMENT,
       "MUTE_DURATION_INVALID"},
      {"mute nobody", mute(host, "", 60), Code::INVALID_ARGUMENT, "USER_ID_INVALID"},
      {"a viewer bans",
       [&](Stub& s) {
         pb::BanUserRequest req;
         req.set_stream_id(room);
         req.set_user_id("usr_bob");
         pb::BanUserResponse res;
         Outcome o;
         o.status = Call(s, &Stub::BanUser, ann, req, &res, &o.reason);
         return o;
       },
       Code::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"a viewer unmutes",
       [&](Stub& s) {
         pb::UnmuteUserRequest req;
         req.set_stream_id(room);
         req.set_user_id("usr_muted");
         pb::UnmuteUserResponse res;
         Outcome o;
         o.status = Call(s, &Stub::UnmuteUser, ann, req, &res, &o.reason);
         return o;
       },
       Code::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"delete a malformed id", del(host, "42"), Code::INVALID_ARGUMENT, "MESSAGE_ID_INVALID"},
      {"delete an unknown message", del(host, shopcast::ids::NewId("msg")), Code::NOT_FOUND,
       "MESSAGE_NOT_FOUND"},
      {"delete without a token", del("", shopcast::ids::NewId("msg")), Code::UNAUTHENTICATED,
       "TOKEN_MISSING"},
      {"page size -1", list(room, -1, "", 0), Code::INVALID_ARGUMENT, "PAGE_SIZE_INVALID"},
      {"page size 101", list(room, 101, "", 0), Code::INVALID_ARGUMENT, "PAGE_SIZE_INVALID"},
      {"before_sequence -1", list(room, 0, "", -1), Code::INVALID_ARGUMENT, "SEQUENCE_INVALID"},
      {"a made-up page token", list(room, 0, "xyz", 0), Code::INVALID_ARGUMENT,
       "PAGE_TOKEN_INVALID"},
      {"a page token at 0", list(room, 0, "b0", 0), Code::INVALID_ARGUMENT, "PAGE_TOKEN_INVALID"},
      {"history of an unknown stream", list(shopcast::ids::NewId("str"), 0, "", 0), Code::NOT_FOUND,
       "ROOM_NOT_FOUND"},
      {"history of a malformed stream id", list("x", 0, "", 0), Code::INVALID_ARGUMENT,
       "STREAM_ID_INVALID"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Outcome o = c.call(*stub);
    CHECK(o.status.error_code() == c.code);
    CHECK(o.reason == c.reason);
    // Refusals from handlers also carry the reason in ErrorInfo.
    if (c.reason != "REQUEST_MALFORMED") CHECK(InfoOf(o.status).reason() == c.reason);
  }
  CHECK(HeadOf(f, room) == 0);
  CHECK(ChatRows(f, room) == 0);
  CHECK(HeadOf(f, closed_room) == 0);
  CHECK(ChatRows(f, closed_room) == 0);
  // The refusals took no tokens: a full burst is still there.
  // (The default burst is 5 and a token takes a second to come back; the sixth may find one
  // on a slow machine, so only the five are checked.)
  CHECK(SendChat(*stub, ann, room, Repeat("\u00e9", 500), "max").ok());
  for (int i = 0; i < 4; ++i) {
    CHECK(SendChat(*stub, ann, room, "fine", "ok" + std::to_string(i)).ok());
  }
  CHECK(ChatRows(f, room) == 5);
}
