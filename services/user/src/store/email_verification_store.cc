// The user store's side of e-mail address confirmation: tokens stored as hashes, the hourly
// limit, and the confirmation itself.
#include "store/email_verification_store.h"

#include "google/protobuf/util/time_util.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.pb.h"
#include "store/user_events.h"

namespace shopcast::user {
namespace {

std::string S(absl::string_view v) { return std::string(v.data(), v.size()); }

absl::Status TokenInvalid() {
  return Error(absl::StatusCode::kFailedPrecondition, "VERIFICATION_TOKEN_INVALID",
               "this confirmation link is not valid (it may have been used already); ask for a "
               "new one");
}

}  // namespace

void MailVerification(pqxx::work& tx, const UserRow& user, const VerificationMail& mail) {
  tx.exec_prepared0("insert_verification", mail.token_hash, user.id, user.email,
                    absl::ToUnixMicros(mail.created_at), absl::ToUnixMicros(mail.expires_at));
  v1::EmailVerificationRequested event;
  event.set_user_id(user.id);
  event.set_email(user.email);
  event.set_display_name(user.display_name);
  event.set_verification_token(mail.token);
  *event.mutable_expires_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(mail.expires_at));
  EnqueueUserEvent(tx, "user.email_verification_requested", user.id, event);
}

absl::StatusOr<VerificationAsk> UserStore::RequestEmailVerification(absl::string_view user_id,
                                                                    const VerificationMail& mail,
                                                                    int max_per_hour) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<VerificationAsk> {
    VerificationAsk ask;
    pqxx::result locked = tx.exec_prepared("lock_user_for_verification", S(user_id));
    if (locked.empty()) return NotFound("USER_NOT_FOUND", "no such user");
    if (locked[0][1].as<bool>()) {
      ask.already_verified = true;
      return ask;
    }
    tx.exec_prepared0("forget_old_verifications", S(user_id), absl::ToUnixMicros(mail.created_at));
    const pqxx::row recent = tx.exec_prepared1(
        "recent_verifications", S(user_id), absl::ToUnixMicros(mail.created_at - absl::Hours(1)));
    if (recent[0].as<int64_t>() >= max_per_hour) {
      // The oldest of the hour leaves the window first.
      const absl::Time oldest = absl::FromUnixMicros(recent[1].as<int64_t>());
      ask.retry_after = std::max(oldest + absl::Hours(1) - mail.created_at, absl::Seconds(1));
      return ask;
    }
    UserRow user;
    user.id = S(user_id);
    user.email = locked[0][0].as<std::string>();
    user.display_name = locked[0][2].as<std::string>();
    MailVerification(tx, user, mail);
    return ask;
  });
}

absl::StatusOr<std::string> UserStore::VerifyEmail(absl::string_view token_hash, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    const int64_t now_us = absl::ToUnixMicros(now);
    pqxx::result r = tx.exec_prepared("lock_verification", S(token_hash), now_us);
    if (r.empty()) return TokenInvalid();
    const std::string user_id = r[0][0].as<std::string>();
    const bool expired = r[0][1].as<bool>();
    const bool spent = r[0][2].as<bool>();
    const bool current_address = r[0][3].as<bool>();
    const bool verified = r[0][4].as<bool>();
    if (!current_address) return TokenInvalid();
    if (spent) {
      if (verified) return user_id;  // the same link opened again
      return TokenInvalid();
    }
    if (expired) {
      return Error(absl::StatusCode::kFailedPrecondition, "VERIFICATION_TOKEN_EXPIRED",
                   "this confirmation link has expired; ask for a new one");
    }
    tx.exec_prepared0("mark_email_verified", user_id, now_us);
    tx.exec_prepared0("spend_verifications", user_id, now_us);
    return user_id;
  });
}

}  // namespace shopcast::user
