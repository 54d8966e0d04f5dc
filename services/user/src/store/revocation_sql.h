#pragma once

// SQL of token revocations and account deletion (see V006__create_token_revocations.sql and
// V007__session_revocations.sql).

#include <string>
#include <utility>
#include <vector>

namespace shopcast::user::sql {

// Held until commit by every transaction that writes a revocation: sequence order is then
// commit order, so ListRevocations(after) never skips an entry that commits late.
inline constexpr char kLockRevocations[] =
    "SELECT pg_advisory_xact_lock(hashtext('shopcast.user.token_revocations'))";

inline constexpr char kInsertRevocation[] = R"~(
INSERT INTO token_revocations (user_id, not_before, user_deleted, reason, session_id)
VALUES ($1, $2, $3, $4, $5))~";

// A password change replaces the hash only if it is still the one the caller's current password
// was checked against: of two changes at once, one wins.
inline constexpr char kReplacePasswordHash[] =
    "UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3";

inline constexpr char kListRevocations[] = R"~(
SELECT sequence, user_id, not_before, user_deleted, session_id FROM token_revocations
WHERE sequence > $1 ORDER BY sequence LIMIT $2)~";

// The role and the revocation cutoff of a user, read in one snapshot: a token issued from
// them can never carry a role from before a revocation and an iat from after it. A session's
// logout is not the user's cutoff: it voids that session's tokens whatever their iat. The
// display name rides along as the token's "name" claim (other services show it, e.g. chat).
inline constexpr char kSelectIssueState[] = R"~(
SELECT u.role,
       COALESCE((SELECT max(r.not_before) FROM token_revocations r
                 WHERE r.user_id = u.id AND r.session_id IS NULL), 0),
       u.display_name
FROM users u WHERE u.id = $1)~";

inline constexpr char kSelectRoleForUpdate[] = "SELECT role FROM users WHERE id = $1 FOR UPDATE";

// Cascades to refresh tokens, follows (both directions) and notification preferences.
inline constexpr char kDeleteUser[] = "DELETE FROM users WHERE id = $1";

// (name, sql) pairs for the pool to prepare on every connection.
inline std::vector<std::pair<std::string, std::string>> RevocationStatements() {
  return {
      {"lock_revocations", kLockRevocations},           {"insert_revocation", kInsertRevocation},
      {"list_revocations", kListRevocations},           {"select_issue_state", kSelectIssueState},
      {"select_role_for_update", kSelectRoleForUpdate}, {"delete_user", kDeleteUser},
      {"replace_password_hash", kReplacePasswordHash},
  };
}

}  // namespace shopcast::user::sql
