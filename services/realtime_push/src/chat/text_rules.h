#pragma once

// What chat accepts from clients: the message text and the client's idempotency key. Pure
// functions, unit-tested (tests/chat/text_rules_test.cc).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::realtime_push::chat {

inline constexpr int kMaxChatChars = 500;
// Refused unread above this many bytes: 500 code points are at most 2,000 bytes, and the rest
// leaves room for surrounding whitespace.
inline constexpr size_t kMaxChatBytes = 4096;

// The text as stored: surrounding ASCII whitespace trimmed. INVALID_ARGUMENT on `text` with
// MESSAGE_INVALID (not UTF-8; a control character other than newline — tab and CR included —
// or a bidi control), MESSAGE_EMPTY (nothing visible left) or MESSAGE_TOO_LONG (more than
// kMaxChatChars code points, or kMaxChatBytes bytes before trimming).
absl::StatusOr<std::string> NormalizeChatText(absl::string_view text);

// INVALID_ARGUMENT CLIENT_MESSAGE_ID_INVALID unless 1..64 printable ASCII.
absl::Status ValidateClientMessageId(absl::string_view id);

// INVALID_ARGUMENT USER_ID_INVALID unless 1..64 printable ASCII (user ids are opaque here).
absl::Status ValidateUserId(absl::string_view id, absl::string_view field = "user_id");

// INVALID_ARGUMENT MESSAGE_ID_INVALID unless a well-formed msg_ id.
absl::Status ValidateMessageId(absl::string_view id);

}  // namespace shopcast::realtime_push::chat
