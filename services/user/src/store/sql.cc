#include "store/sql.h"

#include "store/email_verification_sql.h"
#include "store/follower_contacts_sql.h"
#include "store/password_reset_sql.h"
#include "store/revocation_sql.h"

namespace shopcast::user::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  std::vector<std::pair<std::string, std::string>> all = {
      {"insert_user", kInsertUser},
      {"insert_preferences", kInsertPreferences},
      {"lookalike_taken", kLookalikeTaken},
      {"users_without_lookalike", kUsersWithoutLookalike},
      {"set_lookalike", kSetLookalike},
      {"select_user_by_id", kSelectUserById},
      {"select_user_by_username", kSelectUserByUsername},
      {"select_user_by_email", kSelectUserByEmail},
      {"update_profile", kUpdateProfile},
      {"update_role", kUpdateRole},
      {"update_password_hash", kUpdatePasswordHash},
      {"insert_refresh_token", kInsertRefreshToken},
      {"lock_refresh_token", kLockRefreshToken},
      {"mark_rotated", kMarkRotated},
      {"revoke_family", kRevokeFamily},
      {"revoke_user", kRevokeUser},
      {"insert_follow", kInsertFollow},
      {"delete_follow", kDeleteFollow},
      {"user_exists", kUserExists},
      {"list_followers", kListFollowers},
      {"list_following", kListFollowing},
      {"select_preferences", kSelectPreferences},
      {"update_preferences", kUpdatePreferences},
      {"throttle_remaining", kThrottleRemaining},
      {"throttle_failure", kThrottleFailure},
      {"throttle_block", kThrottleBlock},
      {"throttle_reset", kThrottleReset},
      {"known_address", kKnownAddress},
      {"remember_address", kRememberAddress},
      {"forget_old_addresses", kForgetOldAddresses},
  };
  for (auto& statement : RevocationStatements()) all.push_back(std::move(statement));
  for (auto& statement : FollowerContactStatements()) all.push_back(std::move(statement));
  for (auto& statement : PasswordResetStatements()) all.push_back(std::move(statement));
  for (auto& statement : EmailVerificationStatements()) all.push_back(std::move(statement));
  return all;
}

}  // namespace shopcast::user::sql
