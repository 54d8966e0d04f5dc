// The user store's side of password resets: tokens stored as hashes, the hourly limit, and the
// reset itself with everything a password change ends.
#include "absl/strings/str_cat.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "store/revocation_store.h"
#include "store/user_events.h"
#include "store/user_store.h"

namespace shopcast::user {
namespace {

std::string S(absl::string_view v) { return std::string(v.data(), v.size()); }

// The reset a token names, as of `now`: its user, or why it cannot be used.
absl::StatusOr<std::string> UsableReset(const pqxx::result& r) {
  if (r.empty() || r[0][2].as<bool>()) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESET_TOKEN_INVALID",
                 "this password-reset link is not valid (it may have been used already); ask "
                 "for a new one");
  }
  if (r[0][1].as<bool>()) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESET_TOKEN_EXPIRED",
                 "this password-reset link has expired; ask for a new one");
  }
  return r[0][0].as<std::string>();
}

}  // namespace

absl::StatusOr<bool> UserStore::CreatePasswordReset(const NewPasswordReset& reset) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    if (tx.exec_prepared("lock_user_for_reset", reset.user_id).empty()) return false;
    const int64_t now_us = absl::ToUnixMicros(reset.created_at);
    tx.exec_prepared0("forget_old_resets", reset.user_id,
                      absl::ToUnixMicros(reset.created_at - absl::Hours(24)));
    const int64_t recent =
        tx.exec_prepared1("count_recent_resets", reset.user_id,
                          absl::ToUnixMicros(reset.created_at - absl::Hours(1)))[0]
            .as<int64_t>();
    if (recent >= reset.max_per_hour) return false;
    tx.exec_prepared0("insert_reset", reset.token_hash, reset.user_id, now_us,
                      absl::ToUnixMicros(reset.expires_at));
    EnqueueUserEvent(tx, "user.password_reset_requested", reset.user_id, *reset.event);
    return true;
  });
}

absl::StatusOr<std::string> UserStore::CheckPasswordReset(absl::string_view token_hash,
                                                          absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return UsableReset(tx.exec_prepared("select_reset", S(token_hash), absl::ToUnixMicros(now)));
  });
}

absl::StatusOr<std::string> UserStore::ResetPassword(const PasswordResetUse& use) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    const int64_t now_us = absl::ToUnixMicros(use.now);
    ASSIGN_OR_RETURN(std::string user_id,
                     UsableReset(tx.exec_prepared("lock_reset", use.token_hash, now_us)));
    tx.exec_prepared0("update_password_hash", user_id, use.new_hash);
    tx.exec_prepared0("spend_resets", user_id, now_us);
    // The link reached the account's address (the only one it has ever had): that proves it.
    tx.exec_prepared0("mark_email_verified", user_id, now_us);
    tx.exec_prepared("revoke_user", user_id);
    InsertRevocation(tx, user_id, use.revoke_before, "password_reset");
    EnqueueUserEvent(tx, "user.password_changed", user_id, *use.event);
    return user_id;
  });
}

}  // namespace shopcast::user
