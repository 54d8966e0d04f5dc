#pragma once

// E-mails about the account itself, from the user service's events: a password reset's link.
// Unlike notifications they have no inbox entry and ignore notification settings (the user
// asked for this one), they are sent only while the link works, and their text is erased once
// the e-mail is done with (notification_emails.sensitive).

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "notify/notification.h"
#include "rooms/event_sink_service.h"

namespace shopcast::realtime_push::notify {

inline constexpr char kUserEventPrefix[] = "user.";

// The reset e-mail's text (pure): a greeting, `link`, how long it works, and what to do if the
// reader did not ask.
EmailText PasswordResetEmail(absl::string_view display_name, absl::string_view link,
                             absl::Duration valid_for);

// The EventSink consumer of "user." events. user.password_reset_requested queues its e-mail to
// the event's address with the link `<web_base_url>/reset-password#token=<token>` (the token
// in the fragment, which browsers never send to a server or in a Referer); an event whose link
// has already expired is dropped. Without e-mail (`mail_on` false: no SMTP relay configured)
// the event is dropped too, so no link waits in the outbox for a sender that never comes.
// Other user events are ignored.
rooms::EventConsumer AccountMailConsumer(std::string web_base_url, bool mail_on);

}  // namespace shopcast::realtime_push::notify
