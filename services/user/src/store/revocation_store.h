#pragma once

// Token revocations inside the user store's transactions (see revocation_store.cc).

#include <pqxx/pqxx>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::user {

// Appends "tokens of `user_id` issued before `not_before` are void" to the log, in `tx`.
// `reason`: role_changed, logout_all or account_deleted.
void InsertRevocation(pqxx::work& tx, absl::string_view user_id, absl::Time not_before,
                      absl::string_view reason);
// Appends "every token of session `session_id` (a refresh-token family) is void", dated by
// the cutoff `not_before`, to the log, in `tx`. `reason`: logout_session, or
// refresh_token_reused (a spent refresh token came back: someone holds a copy).
void InsertSessionRevocation(pqxx::work& tx, absl::string_view user_id,
                             absl::string_view session_id, absl::Time not_before,
                             absl::string_view reason = "logout_session");

}  // namespace shopcast::user
