#pragma once

// SQL of e-mail address confirmation (see V011__email_verification_and_reuse_revocation.sql).

#include <string>
#include <utility>
#include <vector>

namespace shopcast::user::sql {

// The account's address, whether it is confirmed, and its display name, its row locked:
// serialises one account's requests, so two at once cannot both pass the hourly limit.
inline constexpr char kLockUserForVerification[] =
    "SELECT email, email_verified_at IS NOT NULL, display_name FROM users WHERE id = $1 FOR UPDATE";
// How many confirmation e-mails the account was sent after $2 (µs since the epoch), and when
// the oldest of them was (µs).
inline constexpr char kRecentVerifications[] = R"~(
SELECT count(*), COALESCE((extract(epoch FROM min(created_at)) * 1000000)::bigint, 0)
FROM email_verifications
WHERE user_id = $1 AND created_at > to_timestamp($2::double precision / 1000000))~";
// The account's links that expired by $2 (µs): a link still valid keeps working (and a spent one
// still answers "confirmed" when opened again) until then, whatever newer links were sent.
inline constexpr char kForgetOldVerifications[] =
    "DELETE FROM email_verifications WHERE user_id = $1 AND expires_at <= "
    "to_timestamp($2::double precision / 1000000)";
inline constexpr char kInsertVerification[] = R"~(
INSERT INTO email_verifications (token_hash, user_id, email, created_at, expires_at)
VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000000),
        to_timestamp($5::double precision / 1000000)))~";

// The confirmation a presented token names, its row locked: its user, whether it has expired at
// $2 (µs), whether it is spent, whether it was sent to the account's current address, whether
// that address is confirmed.
inline constexpr char kLockVerification[] = R"~(
SELECT v.user_id, v.expires_at <= to_timestamp($2::double precision / 1000000),
       v.spent_at IS NOT NULL, v.email = u.email, u.email_verified_at IS NOT NULL
FROM email_verifications v JOIN users u ON u.id = v.user_id
WHERE v.token_hash = $1 FOR UPDATE OF v)~";
inline constexpr char kSpendVerifications[] =
    "UPDATE email_verifications SET spent_at = to_timestamp($2::double precision / 1000000) "
    "WHERE user_id = $1 AND spent_at IS NULL";
// Confirmed as of $2 (µs) unless it already was.
inline constexpr char kMarkEmailVerified[] = R"~(
UPDATE users SET email_verified_at = to_timestamp($2::double precision / 1000000)
WHERE id = $1 AND email_verified_at IS NULL)~";

inline std::vector<std::pair<std::string, std::string>> EmailVerificationStatements() {
  return {
      {"lock_user_for_verification", kLockUserForVerification},
      {"recent_verifications", kRecentVerifications},
      {"forget_old_verifications", kForgetOldVerifications},
      {"insert_verification", kInsertVerification},
      {"lock_verification", kLockVerification},
      {"spend_verifications", kSpendVerifications},
      {"mark_email_verified", kMarkEmailVerified},
  };
}

}  // namespace shopcast::user::sql
