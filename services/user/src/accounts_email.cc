// Confirming an account's e-mail address: Register mails a single-use link (through
// realtime-push); opening it proves the address, and only proven addresses get notification
// e-mails.
#include "accounts.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "validation.h"

namespace shopcast::user {

VerificationMail Accounts::NewVerificationMail() const {
  VerificationMail mail;
  mail.token = ids::NewSecret(kEmailLinkTokenBytes);
  mail.token_hash = ids::HashSecret(mail.token);
  mail.created_at = clock_();
  mail.expires_at = mail.created_at + options_.email_verification_ttl;
  return mail;
}

absl::Status Accounts::VerifyEmail(absl::string_view verification_token) {
  if (!IsEmailLinkToken(verification_token)) {
    return InvalidArgument("verification_token", "VERIFICATION_TOKEN_INVALID",
                           "this confirmation link is not valid; ask for a new one");
  }
  ASSIGN_OR_RETURN(std::string user_id,
                   store_.VerifyEmail(ids::HashSecret(verification_token), clock_()));
  log::Info("email_verified").Kv("user_id", user_id);
  return absl::OkStatus();
}

absl::StatusOr<bool> Accounts::RequestEmailVerification(const auth::Caller& caller) {
  ASSIGN_OR_RETURN(VerificationAsk ask,
                   store_.RequestEmailVerification(caller.user_id, NewVerificationMail(),
                                                   options_.email_verifications_per_hour));
  if (ask.retry_after > absl::ZeroDuration()) {
    log::Info("email_verification_limited").Kv("user_id", caller.user_id);
    return Throttled("VERIFICATION_EMAIL_THROTTLED", absl::ToInt64Milliseconds(ask.retry_after),
                     "confirmation e-mails are limited to a few an hour");
  }
  if (!ask.already_verified) log::Info("email_verification_sent").Kv("user_id", caller.user_id);
  return ask.already_verified;
}

}  // namespace shopcast::user
