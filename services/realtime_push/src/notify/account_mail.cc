#include "notify/account_mail.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "mail/mail_format.h"
#include "rooms/pg_time.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.pb.h"

namespace shopcast::realtime_push::notify {
namespace {

absl::Status BadPayload(const common::v1::Event& event, absl::string_view why) {
  return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                         absl::StrCat("event payload of ", event.type(), ": ", why));
}

bool TokenLooksRight(absl::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// "30 minutes", "2 hours", "1 hour 30 minutes".
std::string Span(absl::Duration d) {
  const int64_t minutes = absl::ToInt64Minutes(d + absl::Seconds(30));
  const int64_t hours = minutes / 60;
  const int64_t rest = minutes % 60;
  auto unit = [](int64_t n, const char* one, const char* many) {
    return absl::StrCat(n, " ", n == 1 ? one : many);
  };
  if (hours == 0) return unit(std::max<int64_t>(rest, 1), "minute", "minutes");
  if (rest == 0) return unit(hours, "hour", "hours");
  return absl::StrCat(unit(hours, "hour", "hours"), " ", unit(rest, "minute", "minutes"));
}

// What a link e-mail's event carries (a password reset's or an address confirmation's).
struct LinkEvent {
  std::string user_id, email, display_name, token;
  absl::Time expires;
};

// Queues the e-mail `render(display_name, link, valid for)` with the link
// `<web_base_url><path>#token=<token>`, sendable until the link expires; nothing when it has.
template <typename Render>
absl::StatusOr<std::vector<rooms::Appended>> QueueLinkEmail(pqxx::work& tx,
                                                            const common::v1::Event& event,
                                                            const LinkEvent& e, absl::Time now,
                                                            absl::string_view url, Render render) {
  if (!mail::IsValidAddress(e.email)) return BadPayload(event, "email invalid");
  if (!TokenLooksRight(e.token)) return BadPayload(event, "token invalid");
  if (e.expires <= now) {
    // Late (the relay or this service was down for the link's whole life): nothing to send.
    log::Info("account_email_link_expired").Kv("user_id", e.user_id).Kv("type", event.type());
    return std::vector<rooms::Appended>{};
  }
  const std::string link = absl::StrCat(url, "#token=", e.token);
  EmailText text = render(e.display_name, link, e.expires - now);
  tx.exec_prepared0("ntf_insert_account_email", ids::NewId("ntf"), e.email, text.subject, text.body,
                    PgTime(now), PgTime(e.expires));
  log::Info("account_email_queued").Kv("user_id", e.user_id).Kv("type", event.type());
  return std::vector<rooms::Appended>{};
}

absl::StatusOr<std::vector<rooms::Appended>> ApplyPasswordReset(pqxx::work& tx,
                                                                const common::v1::Event& event,
                                                                absl::Time now,
                                                                const std::string& web_base_url) {
  user::v1::PasswordResetRequested reset;
  if (!event.payload().UnpackTo(&reset)) return BadPayload(event, "not PasswordResetRequested");
  const LinkEvent e{reset.user_id(), reset.email(), reset.display_name(), reset.reset_token(),
                    TimeOf(reset.expires_at())};
  return QueueLinkEmail(tx, event, e, now, absl::StrCat(web_base_url, "/reset-password"),
                        PasswordResetEmail);
}

absl::StatusOr<std::vector<rooms::Appended>> ApplyEmailVerification(
    pqxx::work& tx, const common::v1::Event& event, absl::Time now,
    const std::string& web_base_url) {
  user::v1::EmailVerificationRequested asked;
  if (!event.payload().UnpackTo(&asked)) return BadPayload(event, "not EmailVerificationRequested");
  const LinkEvent e{asked.user_id(), asked.email(), asked.display_name(),
                    asked.verification_token(), TimeOf(asked.expires_at())};
  return QueueLinkEmail(tx, event, e, now, absl::StrCat(web_base_url, "/verify-email"),
                        EmailVerificationEmail);
}

absl::StatusOr<std::vector<rooms::Appended>> ApplyPasswordChanged(pqxx::work& tx,
                                                                  const common::v1::Event& event,
                                                                  absl::Time now,
                                                                  const std::string& web_base_url) {
  user::v1::PasswordChanged changed;
  if (!event.payload().UnpackTo(&changed)) return BadPayload(event, "not PasswordChanged");
  if (!mail::IsValidAddress(changed.email())) return BadPayload(event, "email invalid");
  if (changed.how() != user::v1::PasswordChanged::HOW_CHANGED &&
      changed.how() != user::v1::PasswordChanged::HOW_RESET) {
    return BadPayload(event, "how unspecified");
  }
  if (!changed.has_changed_at()) return BadPayload(event, "changed_at missing");
  const absl::Time changed_at = TimeOf(changed.changed_at());
  const absl::Time send_before = changed_at + kPasswordNoticeSendWithin;
  if (send_before <= now) {
    log::Info("password_changed_email_late").Kv("user_id", changed.user_id());
    return std::vector<rooms::Appended>{};
  }
  EmailText text = PasswordChangedEmail(changed.display_name(), changed_at,
                                        changed.how() == user::v1::PasswordChanged::HOW_RESET,
                                        absl::StrCat(web_base_url, "/forgot-password"));
  tx.exec_prepared0("ntf_insert_account_email", ids::NewId("ntf"), changed.email(), text.subject,
                    text.body, PgTime(now), PgTime(send_before));
  log::Info("password_changed_email_queued").Kv("user_id", changed.user_id());
  return std::vector<rooms::Appended>{};
}

}  // namespace

EmailText PasswordChangedEmail(absl::string_view display_name, absl::Time changed_at, bool reset,
                               absl::string_view forgot_link) {
  EmailText out;
  out.subject = "Your Shopcast password was changed";
  out.body = display_name.empty() ? "Hi,\n\n" : absl::StrCat("Hi ", display_name, ",\n\n");
  absl::StrAppend(
      &out.body, "The password of your Shopcast account was changed on ",
      absl::FormatTime("%Y-%m-%d at %H:%M UTC", changed_at, absl::UTCTimeZone()),
      reset ? ", with a password-reset link sent to this address" : ", in the account's settings",
      ". Every device that was signed in has been signed out.\n\n"
      "If it was you, there is nothing more to do.\n\n"
      "If it was not you, someone else knows your password or can read this "
      "mailbox. Take your account back now by asking for a reset link here:\n\n",
      forgot_link,
      "\n\nand choose a password you use nowhere else. If this mailbox may be "
      "read by someone else, change its password first.\n");
  return out;
}

EmailText EmailVerificationEmail(absl::string_view display_name, absl::string_view link,
                                 absl::Duration valid_for) {
  EmailText out;
  out.subject = "Confirm your e-mail address for Shopcast";
  out.body = display_name.empty() ? "Hi,\n\n" : absl::StrCat("Hi ", display_name, ",\n\n");
  absl::StrAppend(
      &out.body,
      "Welcome to Shopcast. To confirm that this address is yours, open this link "
      "within ",
      Span(valid_for), ":\n\n", link,
      "\n\nOnce it is confirmed we can tell you when the hosts you follow go live "
      "and how your orders are doing.\n\n"
      "If you did not sign up, ignore this e-mail: nothing more will be sent to you.\n");
  return out;
}

EmailText PasswordResetEmail(absl::string_view display_name, absl::string_view link,
                             absl::Duration valid_for) {
  EmailText out;
  out.subject = "Reset your Shopcast password";
  out.body = display_name.empty() ? "Hi,\n\n" : absl::StrCat("Hi ", display_name, ",\n\n");
  absl::StrAppend(&out.body,
                  "Someone asked to reset the password of your Shopcast account. To choose a new "
                  "one, open this link within ",
                  Span(valid_for), ":\n\n", link,
                  "\n\nThe link works once. Setting a new password signs you out everywhere.\n\n"
                  "If you did not ask, ignore this e-mail: your password stays as it is.\n");
  return out;
}

rooms::EventConsumer AccountMailConsumer(std::string web_base_url, bool mail_on) {
  auto apply = [web_base_url = std::move(web_base_url), mail_on](
                   pqxx::work& tx, const common::v1::Event& event,
                   absl::Time now) -> absl::StatusOr<std::vector<rooms::Appended>> {
    const bool reset = event.type() == "user.password_reset_requested";
    const bool changed = event.type() == "user.password_changed";
    const bool verification = event.type() == "user.email_verification_requested";
    if (!reset && !changed && !verification) return std::vector<rooms::Appended>{};
    if (!mail_on) {
      log::Warn("account_email_off").Kv("event_id", event.id()).Kv("type", event.type());
      return std::vector<rooms::Appended>{};
    }
    if (changed) return ApplyPasswordChanged(tx, event, now, web_base_url);
    if (verification) return ApplyEmailVerification(tx, event, now, web_base_url);
    return ApplyPasswordReset(tx, event, now, web_base_url);
  };
  return rooms::EventConsumer{kUserEventPrefix, std::move(apply)};
}

}  // namespace shopcast::realtime_push::notify
