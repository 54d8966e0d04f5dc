#pragma once

// Every SQL statement of the user service, prepared once per pooled connection.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::user::sql {

// The columns every user read returns, in UserRow order.
#define SHOPCAST_USER_COLUMNS                                                         \
  "u.id, u.username, u.email, u.password_hash, u.display_name, u.bio, u.avatar_url, " \
  "u.role, (extract(epoch FROM u.created_at) * 1000000)::bigint, "                    \
  "(SELECT count(*) FROM follows f WHERE f.followee_id = u.id), "                     \
  "(SELECT count(*) FROM follows f WHERE f.follower_id = u.id), "                     \
  "u.email_verified_at IS NOT NULL"
// How many columns SHOPCAST_USER_COLUMNS are: a statement's own columns follow them.
inline constexpr int kUserColumnCount = 12;

// $8: the address is confirmed as of now (an account an operator creates).
inline constexpr char kInsertUser[] = R"~(
INSERT INTO users (id, username, email, password_hash, display_name, role, username_lookalike,
                   email_verified_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN now() END))~";

// Another account whose username has look-alike key $1 or $2 ($3: an account to leave out).
inline constexpr char kLookalikeTaken[] = R"~(
SELECT 1 FROM users WHERE username_lookalike IN ($1, $2) AND id <> $3 LIMIT 1)~";
inline constexpr char kUsersWithoutLookalike[] =
    "SELECT id, username FROM users WHERE username_lookalike IS NULL ORDER BY id LIMIT $1";
inline constexpr char kSetLookalike[] = "UPDATE users SET username_lookalike = $2 WHERE id = $1";

inline constexpr char kInsertPreferences[] = R"~(
INSERT INTO notification_preferences (user_id) VALUES ($1))~";

inline constexpr char kSelectUserById[] =
    "SELECT " SHOPCAST_USER_COLUMNS " FROM users u WHERE u.id = $1";
inline constexpr char kSelectUserByUsername[] =
    "SELECT " SHOPCAST_USER_COLUMNS " FROM users u WHERE u.username = $1";
inline constexpr char kSelectUserByEmail[] =
    "SELECT " SHOPCAST_USER_COLUMNS " FROM users u WHERE u.email = $1";

inline constexpr char kUpdateProfile[] = R"~(
UPDATE users SET
  display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
  bio          = CASE WHEN $4 THEN $5 ELSE bio END,
  avatar_url   = CASE WHEN $6 THEN $7 ELSE avatar_url END,
  updated_at   = now()
WHERE id = $1)~";

inline constexpr char kUpdateRole[] =
    "UPDATE users SET role = $2, updated_at = now() WHERE id = $1";
inline constexpr char kUpdatePasswordHash[] = "UPDATE users SET password_hash = $2 WHERE id = $1";

inline constexpr char kInsertRefreshToken[] = R"~(
INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000000)))~";

// Locks the presented token's row so two concurrent refreshes of it cannot both succeed.
inline constexpr char kLockRefreshToken[] = R"~(
SELECT family_id, user_id, expires_at <= now(), rotated_at IS NOT NULL, revoked_at IS NOT NULL
FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE)~";

inline constexpr char kMarkRotated[] =
    "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1";
inline constexpr char kRevokeFamily[] = R"~(
UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL)~";
inline constexpr char kRevokeUser[] = R"~(
UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL)~";

inline constexpr char kInsertFollow[] = R"~(
INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING)~";
inline constexpr char kDeleteFollow[] =
    "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2";
inline constexpr char kUserExists[] = "SELECT 1 FROM users WHERE id = $1";

// Keyset pages, newest first. $2/$3 are the last row's (created_at micros, id) of the previous
// page; the first page passes (INT64_MAX, '').
inline constexpr char kListFollowers[] = "SELECT " SHOPCAST_USER_COLUMNS R"~(,
  (extract(epoch FROM f.created_at) * 1000000)::bigint
FROM follows f JOIN users u ON u.id = f.follower_id
WHERE f.followee_id = $1
  AND ((extract(epoch FROM f.created_at) * 1000000)::bigint, f.follower_id) < ($2::bigint, $3::text)
ORDER BY f.created_at DESC, f.follower_id DESC
LIMIT $4)~";
inline constexpr char kListFollowing[] = "SELECT " SHOPCAST_USER_COLUMNS R"~(,
  (extract(epoch FROM f.created_at) * 1000000)::bigint
FROM follows f JOIN users u ON u.id = f.followee_id
WHERE f.follower_id = $1
  AND ((extract(epoch FROM f.created_at) * 1000000)::bigint, f.followee_id) < ($2::bigint, $3::text)
ORDER BY f.created_at DESC, f.followee_id DESC
LIMIT $4)~";

inline constexpr char kSelectPreferences[] = R"~(
SELECT followed_host_live, outbid, order_updates, marketing
FROM notification_preferences WHERE user_id = $1)~";
inline constexpr char kUpdatePreferences[] = R"~(
UPDATE notification_preferences SET
  followed_host_live = CASE WHEN $2 THEN $3 ELSE followed_host_live END,
  outbid             = CASE WHEN $4 THEN $5 ELSE outbid END,
  order_updates      = CASE WHEN $6 THEN $7 ELSE order_updates END,
  marketing          = CASE WHEN $8 THEN $9 ELSE marketing END
WHERE user_id = $1
RETURNING followed_host_live, outbid, order_updates, marketing)~";

// Milliseconds the most blocked of keys $1, $2 and $3 must still wait; 0 when none is.
inline constexpr char kThrottleRemaining[] = R"~(
SELECT COALESCE(max(ceil(extract(epoch FROM (blocked_until - now())) * 1000)), 0)::bigint
FROM login_throttle
WHERE key IN ($1, $2, $3) AND blocked_until > now())~";

// Whether account $1 logged in from address $2 within the last 90 days.
inline constexpr char kKnownAddress[] = R"~(
SELECT 1 FROM login_known_addresses
WHERE user_id = $1 AND address = $2 AND last_success_at > now() - interval '90 days')~";
inline constexpr char kRememberAddress[] = R"~(
INSERT INTO login_known_addresses (user_id, address) VALUES ($1, $2)
ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = now())~";
inline constexpr char kForgetOldAddresses[] = R"~(
DELETE FROM login_known_addresses
WHERE user_id = $1 AND last_success_at <= now() - interval '90 days')~";

// Counts one more attempt for key $1; a key quiet for $2 seconds starts again from one.
inline constexpr char kThrottleFailure[] = R"~(
INSERT INTO login_throttle AS t (key, failures, last_failure) VALUES ($1, 1, now())
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN t.last_failure < now() - make_interval(secs => $2::double precision) THEN 1
                  ELSE t.failures + 1 END,
  last_failure = now()
RETURNING failures)~";
inline constexpr char kThrottleBlock[] = R"~(
UPDATE login_throttle SET blocked_until = now() + make_interval(secs => $2::double precision) WHERE key = $1)~";
inline constexpr char kThrottleReset[] = "DELETE FROM login_throttle WHERE key = $1";

#undef SHOPCAST_USER_COLUMNS

// (name, sql) pairs for the pool to prepare on every connection.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::user::sql
