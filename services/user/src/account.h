#pragma once

// Plain types of the user domain, shared by the store, the domain logic and the RPC layer.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "shopcast/auth/roles.h"

namespace shopcast::user {

struct UserRow {
  std::string id;
  std::string username;
  std::string email;
  std::string password_hash;
  std::string display_name;
  std::string bio;
  std::string avatar_url;
  auth::Role role = auth::Role::kViewer;
  absl::Time created_at;
  int64_t follower_count = 0;
  int64_t following_count = 0;
  // The owner has proven `email` (V011): notification e-mails go only to such addresses.
  bool email_verified = false;
};

struct NewUser {
  std::string username;  // normalised
  std::string email;     // normalised
  std::string password_hash;
  std::string display_name;
  auth::Role role = auth::Role::kViewer;
  std::string username_lookalike;  // text::LookalikeKey(username)
  // Confirmed from the start (an operator vouches for the address); else Register mails a link.
  bool email_verified = false;
};

struct ProfileUpdate {
  std::optional<std::string> display_name;
  std::optional<std::string> bio;
  std::optional<std::string> avatar_url;
};

struct Preferences {
  bool followed_host_live = true;
  bool outbid = true;
  bool order_updates = true;
  bool marketing = false;
};

struct PreferencesUpdate {
  std::optional<bool> followed_host_live;
  std::optional<bool> outbid;
  std::optional<bool> order_updates;
  std::optional<bool> marketing;
};

// A position in a newest-first follow list: the last row's follow time and user id.
struct FollowCursor {
  int64_t created_micros = INT64_MAX;
  std::string user_id;
};

struct FollowPage {
  std::vector<UserRow> users;
  std::optional<FollowCursor> next;  // absent on the last page
};

enum class FollowDirection { kFollowers, kFollowing };

// A follower as a notifier needs them (UserInternalService.ListFollowerContacts).
struct FollowerContact {
  std::string user_id;
  std::string display_name;
  std::string email;
  Preferences preferences;
};

// Followers in user-id order, and the id to resume after ("" when there are no more).
struct FollowerContactPage {
  std::vector<FollowerContact> followers;
  std::string next_after_user_id;
};

}  // namespace shopcast::user
