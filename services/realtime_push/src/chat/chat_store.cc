#include "chat/chat_store.h"

#include <pqxx/binarystring>
#include <pqxx/result>
#include <pqxx/transaction>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::chat {
namespace {

std::string S(absl::string_view s) { return std::string(s); }

// A fact for the caller: the RPC edge sends it as ErrorInfo.metadata[key] (server/status.h).
void SetErrorMetadata(absl::Status& s, absl::string_view key, absl::string_view value) {
  s.SetPayload(absl::StrCat("type.shopcast.dev/", key), absl::Cord(value));
}

absl::Status RoomNotFound() {
  return NotFound("ROOM_NOT_FOUND", "no such room (a room opens when its stream is created)");
}

// The room's host, or ROOM_NOT_FOUND.
absl::StatusOr<std::string> HostOf(pqxx::work& tx, absl::string_view stream_id) {
  pqxx::result r = tx.exec_prepared("rp_chat_room_host", S(stream_id));
  if (r.empty()) return RoomNotFound();
  return r[0][0].as<std::string>();
}

absl::Status RequireModerator(const Actor& actor, absl::string_view host_id) {
  if (actor.admin || actor.user_id == host_id) return absl::OkStatus();
  return PermissionDenied("NOT_STREAM_OWNER", "only the stream's host or an admin may do this");
}

// Moderation of `user_id` by `actor` in a room that exists.
absl::Status CheckModeration(pqxx::work& tx, absl::string_view stream_id, absl::string_view user_id,
                             const Actor& actor) {
  ASSIGN_OR_RETURN(std::string host, HostOf(tx, stream_id));
  RETURN_IF_ERROR(RequireModerator(actor, host));
  if (user_id == host) {
    return InvalidArgument("user_id", "CANNOT_MUTE_HOST", "the stream's host cannot be muted");
  }
  return absl::OkStatus();
}

// Refuses a banned or muted author; the mute's end travels as metadata.
absl::Status CheckAllowedToChat(pqxx::work& tx, const SendInput& in, absl::Time now) {
  if (!tx.exec_prepared("rp_chat_select_ban", in.stream_id, in.author_id).empty()) {
    return PermissionDenied("USER_BANNED", "you are banned from this chat");
  }
  pqxx::result mute =
      tx.exec_prepared("rp_chat_select_mute", in.stream_id, in.author_id, PgTime(now));
  if (mute.empty()) return absl::OkStatus();
  absl::Status s = PermissionDenied("USER_MUTED", "you are muted in this chat");
  if (!mute[0][0].is_null()) {
    SetErrorMetadata(s, "muted_until",
                     absl::FormatTime(absl::RFC3339_full, FromMicros(mute[0][0].as<int64_t>()),
                                      absl::UTCTimeZone()));
  }
  return s;
}

// Takes one token from the author's bucket (created full), under its row lock.
absl::Status TakeRateToken(pqxx::work& tx, const RateLimit& limit, absl::string_view user_id,
                           absl::Time now) {
  tx.exec_prepared0("rp_chat_ensure_bucket", S(user_id), static_cast<double>(limit.burst),
                    PgTime(now));
  pqxx::result row = tx.exec_prepared("rp_chat_lock_bucket", S(user_id));
  Bucket stored{row[0][0].as<double>(), FromMicros(row[0][1].as<int64_t>())};
  TakeResult take = TakeToken(limit, stored, now);
  if (!take.allowed) {
    const int64_t ms = absl::ToInt64Milliseconds(take.retry_after);
    absl::Status s = Error(absl::StatusCode::kResourceExhausted, "CHAT_RATE_LIMITED",
                           absl::StrCat("too many messages; retry in ", ms, " ms"));
    SetErrorMetadata(s, "retry_after_ms", absl::StrCat(ms));
    return s;
  }
  tx.exec_prepared0("rp_chat_save_bucket", S(user_id), take.after.tokens,
                    PgTime(take.after.updated_at));
  return absl::OkStatus();
}

pb::ChatMessage Parse(const pqxx::field& f) {
  pb::ChatMessage m;
  m.ParseFromString(pqxx::binarystring(f).str());
  return m;
}

}  // namespace

absl::StatusOr<Sent> ChatStore::Send(const SendInput& in, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Sent> {
    pqxx::result room = tx.exec_prepared("rp_chat_lock_room", in.stream_id);
    if (room.empty()) return RoomNotFound();
    // A retry answers the first send, whatever has changed since (mute, close, the bucket).
    pqxx::result first =
        tx.exec_prepared("rp_chat_by_client_id", in.stream_id, in.author_id, in.client_message_id);
    if (!first.empty()) return Sent{Parse(first[0][1]), first[0][0].as<int64_t>(), {}};
    if (room[0][1].as<bool>()) {
      return Error(absl::StatusCode::kFailedPrecondition, "ROOM_CLOSED", "the room is closed");
    }
    RETURN_IF_ERROR(CheckAllowedToChat(tx, in, now));
    RETURN_IF_ERROR(TakeRateToken(tx, limit_, in.author_id, now));

    Sent sent;
    pb::ChatMessage& m = sent.message;
    m.set_id(ids::NewId("msg"));
    pb::UserBadge* author = m.mutable_author();
    author->set_user_id(in.author_id);
    author->set_display_name(in.author_name);
    author->set_is_host(in.author_id == room[0][0].as<std::string>());
    m.set_text(in.text);
    ToProto(now, m.mutable_sent_at());
    m.set_client_message_id(in.client_message_id);
    pb::RoomEvent event;
    *event.mutable_chat_message() = m;
    ToProto(now, event.mutable_occurred_at());
    ASSIGN_OR_RETURN(rooms::Appended appended, rooms::tx::Append(tx, in.stream_id, m.id(), event));
    const std::string bytes = m.SerializeAsString();
    tx.exec_prepared0("rp_chat_insert_message", in.stream_id, m.id(), appended.seq, in.author_id,
                      in.client_message_id, pqxx::binarystring(bytes.data(), bytes.size()));
    sent.seq = appended.seq;
    sent.appended = std::move(appended);
    return sent;
  });
}

absl::StatusOr<std::optional<rooms::Appended>> ChatStore::Delete(absl::string_view stream_id,
                                                                 absl::string_view message_id,
                                                                 const Actor& actor) {
  using Result = absl::StatusOr<std::optional<rooms::Appended>>;
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> Result {
    pqxx::result room = tx.exec_prepared("rp_chat_lock_room", S(stream_id));
    if (room.empty()) return RoomNotFound();
    pqxx::result msg = tx.exec_prepared("rp_chat_lock_message", S(stream_id), S(message_id));
    if (msg.empty()) return NotFound("MESSAGE_NOT_FOUND", "no such chat message in this room");
    if (msg[0][0].as<std::string>() != actor.user_id) {
      RETURN_IF_ERROR(RequireModerator(actor, room[0][0].as<std::string>()));
    }
    if (msg[0][1].as<bool>()) return std::optional<rooms::Appended>();
    tx.exec_prepared0("rp_chat_mark_deleted", S(stream_id), S(message_id), actor.user_id);
    pb::RoomEvent event;
    event.mutable_chat_message_deleted()->set_message_id(S(message_id));
    event.mutable_chat_message_deleted()->set_deleted_by(actor.user_id);
    ToProto(absl::Now(), event.mutable_occurred_at());
    // History stays moderatable after the stream ends, so the event goes into a closed room too.
    rooms::AppendOptions options;
    options.allow_closed = true;
    ASSIGN_OR_RETURN(
        rooms::Appended appended,
        rooms::tx::Append(tx, stream_id, absl::StrCat("delete:", message_id), event, options));
    return std::optional<rooms::Appended>(std::move(appended));
  });
}

absl::Status ChatStore::Mute(absl::string_view stream_id, absl::string_view user_id,
                             std::optional<absl::Time> until, const Actor& actor) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckModeration(tx, stream_id, user_id, actor));
    tx.exec_prepared0("rp_chat_upsert_mute", S(stream_id), S(user_id),
                      until ? PgTime(*until) : std::string(), actor.user_id);
    return absl::OkStatus();
  });
}

absl::Status ChatStore::Unmute(absl::string_view stream_id, absl::string_view user_id,
                               const Actor& actor) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::string host, HostOf(tx, stream_id));
    RETURN_IF_ERROR(RequireModerator(actor, host));
    tx.exec_prepared0("rp_chat_delete_mute", S(stream_id), S(user_id));
    return absl::OkStatus();
  });
}

absl::Status ChatStore::Ban(absl::string_view stream_id, absl::string_view user_id,
                            const Actor& actor, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckModeration(tx, stream_id, user_id, actor));
    tx.exec_prepared0("rp_chat_insert_ban", S(stream_id), S(user_id), actor.user_id, PgTime(now));
    return absl::OkStatus();
  });
}

absl::Status ChatStore::Unban(absl::string_view stream_id, absl::string_view user_id,
                              const Actor& actor) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::string host, HostOf(tx, stream_id));
    RETURN_IF_ERROR(RequireModerator(actor, host));
    tx.exec_prepared0("rp_chat_delete_ban", S(stream_id), S(user_id));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<HistoryEntry>> ChatStore::List(absl::string_view stream_id,
                                                          int64_t before_seq, int limit) {
  using Result = absl::StatusOr<std::vector<HistoryEntry>>;
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> Result {
    RETURN_IF_ERROR(HostOf(tx, stream_id).status());
    std::vector<HistoryEntry> out;
    for (const auto& row : tx.exec_prepared("rp_chat_list", S(stream_id), before_seq, limit)) {
      HistoryEntry e{Parse(row[1]), row[0].as<int64_t>()};
      if (row[2].as<bool>()) {
        e.message.set_deleted(true);
        e.message.clear_text();
      }
      out.push_back(std::move(e));
    }
    return out;
  });
}

}  // namespace shopcast::realtime_push::chat
