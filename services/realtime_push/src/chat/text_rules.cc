#include "chat/text_rules.h"

#include "absl/strings/ascii.h"
#include "rooms/ids.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"

namespace shopcast::realtime_push::chat {

absl::StatusOr<std::string> NormalizeChatText(absl::string_view text) {
  if (text.size() > kMaxChatBytes) {
    return InvalidArgument("text", "MESSAGE_TOO_LONG", "a chat message is at most 500 characters");
  }
  if (text::CodePointCount(text) < 0) {
    return InvalidArgument("text", "MESSAGE_INVALID", "a chat message must be valid UTF-8");
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) {
    return InvalidArgument("text", "MESSAGE_EMPTY", "a chat message must not be empty");
  }
  // Newline is the one control character a message may hold (multi-line messages); tab is
  // refused because CheckUserText's multi-line mode would let it through.
  if (trimmed.find('\t') != absl::string_view::npos) {
    return InvalidArgument("text", "MESSAGE_INVALID",
                           "a chat message must not contain control characters");
  }
  text::TextRules rules;
  rules.multiline = true;
  switch (text::CheckUserText(trimmed, rules)) {
    case text::TextProblem::kNone:
      break;
    case text::TextProblem::kInvisibleOnly:
      return InvalidArgument("text", "MESSAGE_EMPTY", "a chat message must show something");
    case text::TextProblem::kInvalidUtf8:
    case text::TextProblem::kControl:
    case text::TextProblem::kBidiControl:
      return InvalidArgument("text", "MESSAGE_INVALID",
                             "a chat message must not contain control characters");
  }
  if (text::CodePointCount(trimmed) > kMaxChatChars) {
    return InvalidArgument("text", "MESSAGE_TOO_LONG", "a chat message is at most 500 characters");
  }
  return std::string(trimmed);
}

absl::Status ValidateClientMessageId(absl::string_view id) {
  if (!rooms::IsPrintableAscii(id, 1, 64)) {
    return InvalidArgument("client_message_id", "CLIENT_MESSAGE_ID_INVALID",
                           "client_message_id must be 1..64 printable ASCII");
  }
  return absl::OkStatus();
}

absl::Status ValidateUserId(absl::string_view id, absl::string_view field) {
  if (!rooms::IsPrintableAscii(id, 1, 64)) {
    return InvalidArgument(field, "USER_ID_INVALID", "expected a usr_ user id");
  }
  return absl::OkStatus();
}

absl::Status ValidateMessageId(absl::string_view id) {
  if (!ids::IsValidId(id, "msg")) {
    return InvalidArgument("message_id", "MESSAGE_ID_INVALID", "expected a msg_ message id");
  }
  return absl::OkStatus();
}

}  // namespace shopcast::realtime_push::chat
