#pragma once

// E-mails about the account itself, from the user service's events: a password reset's link,
// an address confirmation's link, and the notice that the password was changed. Unlike
// notifications they have no inbox entry and ignore notification settings (they are about the
// account's safety), they are sent only while they matter (a reset link while it works, a notice
// within kPasswordNoticeSendWithin), and their text is erased once the e-mail is done with
// (notification_emails.sensitive).

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "notify/notification.h"
#include "rooms/event_sink_service.h"

namespace shopcast::realtime_push::notify {

inline constexpr char kUserEventPrefix[] = "user.";

// How long after a password change its notice is still worth sending (the relay may be down
// for a while; a notice days late tells the owner nothing they can still act on in time).
inline constexpr absl::Duration kPasswordNoticeSendWithin = absl::Hours(72);

// The reset e-mail's text (pure): a greeting, `link`, how long it works, and what to do if the
// reader did not ask.
EmailText PasswordResetEmail(absl::string_view display_name, absl::string_view link,
                             absl::Duration valid_for);

// The address-confirmation e-mail's text (pure): a greeting, `link`, how long it works, what
// confirming brings, and what to do if the reader did not sign up.
EmailText EmailVerificationEmail(absl::string_view display_name, absl::string_view link,
                                 absl::Duration valid_for);

// The password-changed notice's text (pure): when (UTC), how (`reset`: through a reset link,
// else in the account's settings), that every session was signed out, and `forgot_link` to take
// the account back if the reader did not make the change.
EmailText PasswordChangedEmail(absl::string_view display_name, absl::Time changed_at, bool reset,
                               absl::string_view forgot_link);

// The EventSink consumer of "user." events. user.password_reset_requested queues its e-mail to
// the event's address with the link `<web_base_url>/reset-password#token=<token>` (the token
// in the fragment, which browsers never send to a server or in a Referer); an event whose link
// has already expired is dropped. Without e-mail (`mail_on` false: no SMTP relay configured)
// the event is dropped too, so no link waits in the outbox for a sender that never comes.
// user.email_verification_requested queues the confirmation e-mail the same way, with the link
// `<web_base_url>/verify-email#token=<token>`.
// user.password_changed queues the notice (PasswordChangedEmail) to the event's address, with
// `<web_base_url>/forgot-password` for an owner who did not make the change, unless it is
// older than kPasswordNoticeSendWithin. Without e-mail it is dropped as well. Other user events
// are ignored.
rooms::EventConsumer AccountMailConsumer(std::string web_base_url, bool mail_on);

}  // namespace shopcast::realtime_push::notify
