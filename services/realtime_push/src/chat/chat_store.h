#pragma once

// Chat in realtime-push's PostgreSQL: each message is stored in chat_messages and appended to
// its room's log as a chat_message event in one transaction (so history, snapshots and live
// subscribers agree), after the ban, mute and flood checks, which read and update their rows
// in that same transaction. Moderation (deletions, mutes, bans) likewise. Callers fan the
// returned appends out with FeedHub::OnAppended after these return.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chat/rate_limit.h"
#include "rooms/room_log.h"
#include "shopcast/db/pool.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::chat {

namespace pb = ::shopcast::realtime_push::v1;

// Who asks for a moderation action.
struct Actor {
  std::string user_id;
  bool admin = false;
};

struct SendInput {
  std::string stream_id;
  std::string author_id;
  std::string author_name;
  std::string text;  // already normalized (text_rules.h)
  std::string client_message_id;
};

struct Sent {
  pb::ChatMessage message;
  int64_t seq = 0;
  // Unset for a retry answered from the first send (nothing new to fan out).
  std::optional<rooms::Appended> appended;
};

struct HistoryEntry {
  pb::ChatMessage message;  // text cleared and deleted set when deleted
  int64_t seq = 0;
};

class ChatStore {
 public:
  ChatStore(db::Pool& pool, RateLimit limit) : pool_(pool), limit_(limit) {}

  // NOT_FOUND ROOM_NOT_FOUND, FAILED_PRECONDITION ROOM_CLOSED, PERMISSION_DENIED USER_BANNED /
  // USER_MUTED (metadata muted_until when it ends), RESOURCE_EXHAUSTED CHAT_RATE_LIMITED
  // (metadata retry_after_ms). A repeated (author, client_message_id) answers the first send.
  absl::StatusOr<Sent> Send(const SendInput& in, absl::Time now);
  // The deletion's append, or none if the message was deleted before. NOT_FOUND
  // ROOM_NOT_FOUND / MESSAGE_NOT_FOUND, PERMISSION_DENIED NOT_STREAM_OWNER unless the actor is
  // the author, the room's host or an admin.
  absl::StatusOr<std::optional<rooms::Appended>> Delete(absl::string_view stream_id,
                                                        absl::string_view message_id,
                                                        const Actor& actor);
  // Host or admin only (NOT_STREAM_OWNER); never the host (INVALID_ARGUMENT CANNOT_MUTE_HOST).
  // `until` unset: until the room closes.
  absl::Status Mute(absl::string_view stream_id, absl::string_view user_id,
                    std::optional<absl::Time> until, const Actor& actor);
  absl::Status Unmute(absl::string_view stream_id, absl::string_view user_id, const Actor& actor);
  absl::Status Ban(absl::string_view stream_id, absl::string_view user_id, const Actor& actor,
                   absl::Time now);
  absl::Status Unban(absl::string_view stream_id, absl::string_view user_id, const Actor& actor);
  // Up to `limit` messages below `before_seq`, newest first. NOT_FOUND ROOM_NOT_FOUND.
  absl::StatusOr<std::vector<HistoryEntry>> List(absl::string_view stream_id, int64_t before_seq,
                                                 int limit);

 private:
  db::Pool& pool_;
  const RateLimit limit_;
};

}  // namespace shopcast::realtime_push::chat
