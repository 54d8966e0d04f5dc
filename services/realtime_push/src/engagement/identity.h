#pragma once

// Who reacts or is present in a room: a signed-in user (from the access token) or an anonymous
// viewer known only by the session id its client made up. Pure: no grpc or database.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::realtime_push::engagement {

// Session ids are 16..64 printable ASCII (random per browser tab / app screen).
inline constexpr size_t kMinSessionId = 16;
inline constexpr size_t kMaxSessionId = 64;

// INVALID_ARGUMENT SESSION_ID_INVALID unless `session_id` has that form.
absl::Status ValidateSessionId(absl::string_view session_id);

struct Participant {
  std::string user_id;     // "" for an anonymous viewer
  std::string session_id;  // always set for presence; may be "" for a signed-in reaction

  bool anonymous() const { return user_id.empty(); }
  // One reaction per identity per room: the user, or the anonymous session.
  std::string ReactionIdentity() const;
};

// The reacting identity: the user when signed in (session_id is then optional and ignored),
// else the session, which must be valid.
absl::StatusOr<Participant> ForReaction(absl::string_view user_id, absl::string_view session_id);

// The present participant: a valid session_id always, with the user when signed in, so one user
// watching in two tabs is two sessions but one unique viewer.
absl::StatusOr<Participant> ForPresence(absl::string_view user_id, absl::string_view session_id);

}  // namespace shopcast::realtime_push::engagement
