#pragma once

// SQL of UserInternalService.ListFollowerContacts (see V008__follower_contacts_index.sql) and
// GetUserContacts.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::user::sql {

// Followers of $1 whose id is greater than $2, in byte order, at most $3, with the contact
// details and preferences a notifier needs (an address only once its owner confirmed it). Served by
// follows_by_followee_follower: an index range scan that stops after $3 rows, however many
// followers the host has. Deleted accounts are gone from follows (ON DELETE CASCADE). Every account
// gets a preferences row when it is created; the defaults stand in should one ever be missing,
// rather than dropping a follower.
inline constexpr char kListFollowerContacts[] = R"~(
SELECT u.id, u.display_name, CASE WHEN u.email_verified_at IS NOT NULL THEN u.email ELSE '' END,
       COALESCE(p.followed_host_live, true), COALESCE(p.outbid, true),
       COALESCE(p.order_updates, true), COALESCE(p.marketing, false)
FROM follows f
JOIN users u ON u.id = f.follower_id
LEFT JOIN notification_preferences p ON p.user_id = f.follower_id
WHERE f.followee_id = $1 AND f.follower_id COLLATE "C" > $2::text COLLATE "C"
ORDER BY f.follower_id COLLATE "C"
LIMIT $3)~";

// The users among the ids in $1 (a text[]), with the same contact details and preferences, for
// a notifier telling users about their own orders and sales. Deleted accounts are gone from
// users; ids that match nothing are simply not returned.
inline constexpr char kGetUserContacts[] = R"~(
SELECT u.id, u.display_name, CASE WHEN u.email_verified_at IS NOT NULL THEN u.email ELSE '' END,
       COALESCE(p.followed_host_live, true), COALESCE(p.outbid, true),
       COALESCE(p.order_updates, true), COALESCE(p.marketing, false)
FROM users u
LEFT JOIN notification_preferences p ON p.user_id = u.id
WHERE u.id = ANY($1::text[]))~";

// (name, sql) pairs for the pool to prepare on every connection.
inline std::vector<std::pair<std::string, std::string>> FollowerContactStatements() {
  return {{"list_follower_contacts", kListFollowerContacts},
          {"get_user_contacts", kGetUserContacts}};
}

}  // namespace shopcast::user::sql
