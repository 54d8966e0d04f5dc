#pragma once

// SQL of chat (chat_messages, chat_mutes in V001; chat_bans, chat_rate_buckets in V005).
// Prepared on every pooled connection under the names in PreparedStatements().

#include <string>
#include <utility>
#include <vector>

namespace shopcast::realtime_push::chat::sql {

// The room row's lock (the same one rooms::tx::Append takes) orders every send to a room, so
// the idempotency check below cannot race a concurrent retry of the same message.
inline constexpr char kLockRoom[] = R"~(
SELECT host_id, closed_at IS NOT NULL FROM rooms WHERE stream_id = $1 FOR UPDATE)~";
inline constexpr char kSelectRoomHost[] = R"~(
SELECT host_id FROM rooms WHERE stream_id = $1)~";

// Sending.
inline constexpr char kSelectByClientId[] = R"~(
SELECT seq, message FROM chat_messages
WHERE stream_id = $1 AND author_id = $2 AND client_message_id = $3)~";
inline constexpr char kSelectBan[] = R"~(
SELECT 1 FROM chat_bans WHERE stream_id = $1 AND user_id = $2)~";
// A mute still in force at $3: its end in microseconds, NULL when until the room closes.
inline constexpr char kSelectMute[] = R"~(
SELECT (extract(epoch FROM muted_until) * 1000000)::bigint FROM chat_mutes
WHERE stream_id = $1 AND user_id = $2 AND (muted_until IS NULL OR muted_until > $3))~";
inline constexpr char kEnsureBucket[] = R"~(
INSERT INTO chat_rate_buckets (user_id, tokens, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO NOTHING)~";
inline constexpr char kLockBucket[] = R"~(
SELECT tokens, (extract(epoch FROM updated_at) * 1000000)::bigint FROM chat_rate_buckets
WHERE user_id = $1 FOR UPDATE)~";
inline constexpr char kSaveBucket[] = R"~(
UPDATE chat_rate_buckets SET tokens = $2, updated_at = $3 WHERE user_id = $1)~";
inline constexpr char kInsertMessage[] = R"~(
INSERT INTO chat_messages (stream_id, message_id, seq, author_id, client_message_id, message)
VALUES ($1, $2, $3, $4, $5, $6))~";

// Moderation.
inline constexpr char kLockMessage[] = R"~(
SELECT author_id, deleted_by IS NOT NULL FROM chat_messages
WHERE stream_id = $1 AND message_id = $2 FOR UPDATE)~";
inline constexpr char kMarkDeleted[] = R"~(
UPDATE chat_messages SET deleted_by = $3 WHERE stream_id = $1 AND message_id = $2)~";
// $3 '' = until the room closes.
inline constexpr char kUpsertMute[] = R"~(
INSERT INTO chat_mutes (stream_id, user_id, muted_until, muted_by)
VALUES ($1, $2, NULLIF($3, '')::timestamptz, $4)
ON CONFLICT (stream_id, user_id)
DO UPDATE SET muted_until = EXCLUDED.muted_until, muted_by = EXCLUDED.muted_by)~";
inline constexpr char kDeleteMute[] = R"~(
DELETE FROM chat_mutes WHERE stream_id = $1 AND user_id = $2)~";
inline constexpr char kInsertBan[] = R"~(
INSERT INTO chat_bans (stream_id, user_id, banned_by, banned_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (stream_id, user_id) DO NOTHING)~";
inline constexpr char kDeleteBan[] = R"~(
DELETE FROM chat_bans WHERE stream_id = $1 AND user_id = $2)~";

// History: newest first below a sequence (chat_messages_seq_idx).
inline constexpr char kListMessages[] = R"~(
SELECT seq, message, deleted_by IS NOT NULL FROM chat_messages
WHERE stream_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::realtime_push::chat::sql
