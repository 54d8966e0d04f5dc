// Changing a password: the current one proves the caller, the change ends every session.
#include "absl/strings/str_cat.h"
#include "accounts.h"
#include "google/protobuf/util/time_util.h"
#include "shopcast/ids/ids.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "validation.h"

namespace shopcast::user {

v1::PasswordChanged PasswordChangedEvent(const UserRow& user, v1::PasswordChanged::How how,
                                         absl::Time at) {
  v1::PasswordChanged event;
  event.set_user_id(user.id);
  event.set_email(user.email);
  event.set_display_name(user.display_name);
  event.set_how(how);
  *event.mutable_changed_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(at));
  return event;
}

absl::StatusOr<Tokens> Accounts::ChangePassword(const auth::Caller& caller,
                                                absl::string_view current_password,
                                                absl::string_view new_password,
                                                absl::string_view client_address) {
  if (current_password.empty() || current_password.size() > kMaxPasswordBytes) {
    return InvalidArgument("current_password", "PASSWORD_INVALID",
                           "the current password is missing or too long");
  }
  ASSIGN_OR_RETURN(UserRow user, store_.GetById(caller.user_id));
  if (absl::Status s = CheckPassword(new_password, user.username); !s.ok()) {
    return InvalidArgument("new_password", ReasonOf(s), s.message());
  }
  if (new_password == current_password) {
    return InvalidArgument("new_password", "PASSWORD_UNCHANGED",
                           "the new password must differ from the current one");
  }
  // A stolen access token must not become a way to guess the password: the same lanes as
  // logins, so guesses here and at Login share one allowance.
  ASSIGN_OR_RETURN(PasswordLanes lanes, LanesFor(user.id, client_address));
  RETURN_IF_ERROR(CheckLanes(lanes));
  ASSIGN_OR_RETURN(bool matched, hasher_.Verify(current_password, user.password_hash));
  if (!matched) {
    RETURN_IF_ERROR(CountFailure(lanes));
    log::Info("password_change_refused").Kv("user_id", user.id);
    return InvalidArgument("current_password", "CURRENT_PASSWORD_WRONG",
                           "the current password is wrong");
  }
  ASSIGN_OR_RETURN(std::string new_hash, hasher_.Hash(new_password));
  PasswordChange change;
  change.user_id = user.id;
  change.old_hash = user.password_hash;
  change.new_hash = std::move(new_hash);
  change.revoke_before = RevocationCutoff();
  change.now = clock_();
  const std::string refresh_token = ids::NewSecret(32);
  change.refresh_hash = ids::HashSecret(refresh_token);
  change.family_id = ids::NewId("rtf");
  change.refresh_expires_at = clock_() + options_.refresh_ttl;
  const v1::PasswordChanged event =
      PasswordChangedEvent(user, v1::PasswordChanged::HOW_CHANGED, change.now);
  change.event = &event;
  RETURN_IF_ERROR(store_.ChangePassword(change));
  log::Info("password_changed").Kv("user_id", user.id);
  // Issued after the commit: stamped no earlier than the cutoff it recorded, so not void.
  ASSIGN_OR_RETURN(auth::IssuedToken access, IssueAccess(user.id, change.family_id, clock_()));
  return Tokens{std::move(access.token), access.expires_at, refresh_token,
                change.refresh_expires_at};
}

}  // namespace shopcast::user
