#include "engagement/identity.h"

#include "absl/strings/str_cat.h"
#include "rooms/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {

absl::Status ValidateSessionId(absl::string_view session_id) {
  if (!rooms::IsPrintableAscii(session_id, kMinSessionId, kMaxSessionId)) {
    return InvalidArgument("session_id", "SESSION_ID_INVALID",
                           "session_id must be 16..64 printable ASCII characters");
  }
  return absl::OkStatus();
}

std::string Participant::ReactionIdentity() const {
  return anonymous() ? absl::StrCat("s:", session_id) : absl::StrCat("u:", user_id);
}

absl::StatusOr<Participant> ForReaction(absl::string_view user_id, absl::string_view session_id) {
  if (!user_id.empty()) return Participant{std::string(user_id), ""};
  RETURN_IF_ERROR(ValidateSessionId(session_id));
  return Participant{"", std::string(session_id)};
}

absl::StatusOr<Participant> ForPresence(absl::string_view user_id, absl::string_view session_id) {
  RETURN_IF_ERROR(ValidateSessionId(session_id));
  return Participant{std::string(user_id), std::string(session_id)};
}

}  // namespace shopcast::realtime_push::engagement
