// Resetting a forgotten password by e-mail: a single-use token, mailed by realtime-push, sets a
// new password and ends every session.
#include "accounts.h"
#include "google/protobuf/util/time_util.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.pb.h"
#include "validation.h"

namespace shopcast::user {

absl::Status Accounts::RequestPasswordReset(absl::string_view email) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeEmail(email));
  absl::StatusOr<UserRow> user = store_.GetByEmail(normalized);
  if (absl::IsNotFound(user.status())) {
    // Said nowhere but here: the answer is the same as for an account's address.
    log::Info("password_reset_unknown_address");
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(user.status());
  const std::string token = ids::NewSecret(kEmailLinkTokenBytes);
  const absl::Time now = clock_();
  NewPasswordReset reset;
  reset.user_id = user->id;
  reset.token_hash = ids::HashSecret(token);
  reset.created_at = now;
  reset.expires_at = now + options_.password_reset_ttl;
  reset.max_per_hour = options_.password_resets_per_hour;
  v1::PasswordResetRequested event;
  event.set_user_id(user->id);
  event.set_email(user->email);
  event.set_display_name(user->display_name);
  event.set_reset_token(token);
  *event.mutable_expires_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(reset.expires_at));
  reset.event = &event;
  ASSIGN_OR_RETURN(bool created, store_.CreatePasswordReset(reset));
  if (!created) {
    log::Info("password_reset_limited").Kv("user_id", user->id);
    return absl::OkStatus();
  }
  log::Info("password_reset_requested").Kv("user_id", user->id);
  return absl::OkStatus();
}

absl::Status Accounts::ResetPassword(absl::string_view reset_token,
                                     absl::string_view new_password) {
  if (!IsEmailLinkToken(reset_token)) {
    return InvalidArgument("reset_token", "RESET_TOKEN_INVALID",
                           "this password-reset link is not valid; ask for a new one");
  }
  const std::string token_hash = ids::HashSecret(reset_token);
  // Checked before the new password is hashed, so a guessed token costs no Argon2 run.
  ASSIGN_OR_RETURN(std::string user_id, store_.CheckPasswordReset(token_hash, clock_()));
  ASSIGN_OR_RETURN(UserRow user, store_.GetById(user_id));
  if (absl::Status s = CheckPassword(new_password, user.username); !s.ok()) {
    return InvalidArgument("new_password", ReasonOf(s), s.message());
  }
  ASSIGN_OR_RETURN(std::string new_hash, hasher_.Hash(new_password));
  PasswordResetUse use;
  use.token_hash = token_hash;
  use.new_hash = std::move(new_hash);
  use.now = clock_();
  use.revoke_before = RevocationCutoff();
  const v1::PasswordChanged event =
      PasswordChangedEvent(user, v1::PasswordChanged::HOW_RESET, use.now);
  use.event = &event;
  ASSIGN_OR_RETURN(std::string reset_user, store_.ResetPassword(use));
  log::Info("password_reset").Kv("user_id", reset_user);
  return absl::OkStatus();
}

}  // namespace shopcast::user
