#pragma once

// SQL of password resets (see V010__password_resets.sql).

#include <string>
#include <utility>
#include <vector>

namespace shopcast::user::sql {

// Serialises one account's requests, so two at once cannot both pass the hourly limit.
inline constexpr char kLockUserForReset[] = "SELECT 1 FROM users WHERE id = $1 FOR UPDATE";
inline constexpr char kCountRecentResets[] =
    "SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > "
    "to_timestamp($2::double precision / 1000000)";
inline constexpr char kForgetOldResets[] =
    "DELETE FROM password_resets WHERE user_id = $1 AND created_at <= "
    "to_timestamp($2::double precision / 1000000)";
inline constexpr char kInsertReset[] = R"~(
INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
VALUES ($1, $2, to_timestamp($3::double precision / 1000000),
        to_timestamp($4::double precision / 1000000)))~";

// The reset a presented token names: its user, whether it has expired at $2 (µs since the
// epoch), whether it is spent. Times come as µs, like the other statements of the store.
inline constexpr char kSelectReset[] = R"~(
SELECT user_id, expires_at <= to_timestamp($2::double precision / 1000000), spent_at IS NOT NULL
FROM password_resets WHERE token_hash = $1)~";
inline constexpr char kLockReset[] = R"~(
SELECT user_id, expires_at <= to_timestamp($2::double precision / 1000000), spent_at IS NOT NULL
FROM password_resets WHERE token_hash = $1 FOR UPDATE)~";
inline constexpr char kSpendResets[] =
    "UPDATE password_resets SET spent_at = to_timestamp($2::double precision / 1000000) "
    "WHERE user_id = $1 AND spent_at IS NULL";

inline std::vector<std::pair<std::string, std::string>> PasswordResetStatements() {
  return {
      {"lock_user_for_reset", kLockUserForReset},
      {"count_recent_resets", kCountRecentResets},
      {"forget_old_resets", kForgetOldResets},
      {"insert_reset", kInsertReset},
      {"select_reset", kSelectReset},
      {"lock_reset", kLockReset},
      {"spend_resets", kSpendResets},
  };
}

}  // namespace shopcast::user::sql
