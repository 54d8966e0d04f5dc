#pragma once

// Sending one e-mail. The notification outbox retries failed sends with backoff and must never
// deliver one notification twice, so Send says exactly which failures are safe to retry:
//
//   OK                                  the relay accepted the message (250 after DATA).
//   UNAVAILABLE / SMTP_UNAVAILABLE      not accepted, and worth retrying: a 4xx reply, connection
//                                       refused or lost, a timeout, TLS or credentials refused
//                                       by the relay (the operator fixes those, not the message),
//                                       all before the end of the message was sent.
//   FAILED_PRECONDITION / SMTP_REJECTED not accepted, ever: a 5xx reply (e.g. 550 mailbox
//                                       unavailable). Do not retry.
//   UNKNOWN / SMTP_OUTCOME_UNKNOWN      the whole message was sent but no reply came (connection
//                                       lost or timed out while the relay was deciding): it may
//                                       have been accepted. A retry risks a duplicate, which the
//                                       stable Message-ID lets mail software recognise.
//   INVALID_ARGUMENT                    the message itself is malformed (see mail_format.h).

#include <string>

#include "absl/status/status.h"

namespace shopcast::realtime_push::mail {

inline constexpr char kSmtpRejected[] = "SMTP_REJECTED";
inline constexpr char kSmtpUnavailable[] = "SMTP_UNAVAILABLE";
inline constexpr char kSmtpOutcomeUnknown[] = "SMTP_OUTCOME_UNKNOWN";

struct MailMessage {
  std::string from;     // One addr-spec, "noreply@shopcast.example"; no display name.
  std::string to;       // One addr-spec.
  std::string subject;  // UTF-8; encoded as RFC 2047 words when not plain ASCII.
  std::string body;     // UTF-8 plain text; "\n", "\r\n" or "\r" line ends.
  // Stable per notification (e.g. its id), so a retried send carries the same Message-ID.
  // Without '@' the From domain is appended: "ntf_1" -> <ntf_1@shopcast.example>.
  std::string message_id;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Sends `message` once; blocks until the relay answers or the timeout passes.
  // Thread-safe. The status follows the table at the top of this file.
  virtual absl::Status Send(const MailMessage& message) = 0;
};

// True when a failed Send definitely did not deliver and may be tried again later.
inline bool SafeToRetry(const absl::Status& send_status) {
  return send_status.code() == absl::StatusCode::kUnavailable;
}

}  // namespace shopcast::realtime_push::mail
