// The user store's side of stale-authority handling: the revocation log, what tokens are
// issued from, and account deletion.
#include "store/revocation_store.h"

#include <optional>
#include <string>

#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "store/user_events.h"
#include "store/user_store.h"

namespace shopcast::user {
namespace {

std::string S(absl::string_view v) { return std::string(v.data(), v.size()); }

}  // namespace

void InsertRevocation(pqxx::work& tx, absl::string_view user_id, absl::Time not_before,
                      absl::string_view reason) {
  tx.exec_prepared("lock_revocations");
  tx.exec_prepared("insert_revocation", S(user_id), absl::ToUnixSeconds(not_before),
                   reason == "account_deleted", S(reason), std::optional<std::string>());
}

void InsertSessionRevocation(pqxx::work& tx, absl::string_view user_id,
                             absl::string_view session_id, absl::Time not_before,
                             absl::string_view reason) {
  tx.exec_prepared("lock_revocations");
  tx.exec_prepared("insert_revocation", S(user_id), absl::ToUnixSeconds(not_before), false,
                   S(reason), std::optional<std::string>(S(session_id)));
}

absl::StatusOr<IssueState> UserStore::GetIssueState(absl::string_view id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<IssueState> {
    pqxx::result r = tx.exec_prepared("select_issue_state", S(id));
    if (r.empty()) return NotFound("USER_NOT_FOUND", "no such user");
    return IssueState{static_cast<auth::Role>(r[0][0].as<int>()),
                      absl::FromUnixSeconds(r[0][1].as<int64_t>()), r[0][2].as<std::string>()};
  });
}

absl::Status UserStore::DeleteUser(absl::string_view id, absl::Time revoked_at) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result gone = tx.exec_prepared("delete_user", S(id));
    if (gone.affected_rows() == 0) return NotFound("USER_NOT_FOUND", "no such user");
    InsertRevocation(tx, id, revoked_at, "account_deleted");
    return absl::OkStatus();
  });
}

absl::Status UserStore::ChangePassword(const PasswordChange& c) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared("replace_password_hash", c.user_id, c.new_hash, c.old_hash)
            .affected_rows() == 0) {
      if (tx.exec_prepared("user_exists", c.user_id).empty()) {
        return NotFound("USER_NOT_FOUND", "no such user");
      }
      return Error(absl::StatusCode::kAborted, "PASSWORD_CHANGED_CONCURRENTLY",
                   "the password was changed meanwhile; sign in again with the new one");
    }
    tx.exec_prepared("revoke_user", c.user_id);
    InsertRevocation(tx, c.user_id, c.revoke_before, "password_changed");
    // A reset link mailed before the change must not undo it.
    tx.exec_prepared0("spend_resets", c.user_id, absl::ToUnixMicros(c.now));
    // After the revocation, so the new session is not part of what it ended.
    tx.exec_prepared("insert_refresh_token", c.refresh_hash, c.family_id, c.user_id,
                     absl::ToUnixMicros(c.refresh_expires_at));
    EnqueueUserEvent(tx, "user.password_changed", c.user_id, *c.event);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<auth::Revocation>> UserStore::ListRevocations(int64_t after, int limit) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<auth::Revocation>> {
        std::vector<auth::Revocation> out;
        for (const pqxx::row& r : tx.exec_prepared("list_revocations", after, limit)) {
          auth::Revocation rev;
          rev.sequence = r[0].as<int64_t>();
          rev.user_id = r[1].as<std::string>();
          rev.not_before =
              r[3].as<bool>() ? absl::InfiniteFuture() : absl::FromUnixSeconds(r[2].as<int64_t>());
          if (!r[4].is_null()) rev.session_id = r[4].as<std::string>();
          out.push_back(std::move(rev));
        }
        return out;
      });
}

}  // namespace shopcast::user
