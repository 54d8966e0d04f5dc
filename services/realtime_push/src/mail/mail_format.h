#pragma once

// The RFC 5322 text of a MailMessage, as handed to the SMTP transport: pure, no I/O.
//
// The result has CRLF line ends, ends with one, and keeps the subject's and body's lines within
// 76 characters (addresses may make From and To longer, within RFC 5322's 998). It is not
// dot-stuffed:
// doubling a '.' at the start of a line (RFC 5321 4.5.2) is the transport's job, and libcurl
// does it for every SMTP upload (and sends the final CRLF.CRLF itself).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "mail/mailer.h"

namespace shopcast::realtime_push::mail {

// Largest body accepted, in bytes before encoding; a notification is a few lines.
inline constexpr size_t kMaxBodyBytes = 256 * 1024;
// Largest subject accepted, in bytes of UTF-8.
inline constexpr size_t kMaxSubjectBytes = 998;

// OK, or INVALID_ARGUMENT naming the field: MAIL_HEADER_INJECTION for CR or LF in a header
// field, MAIL_ADDRESS_INVALID, MAIL_MESSAGE_ID_INVALID, MAIL_TEXT_INVALID (not UTF-8, a control
// character, too long).
absl::Status ValidateMailMessage(const MailMessage& message);

// True for a plain addr-spec: dot-atom local part, '@', a host name of letters, digits and
// hyphens. Quoted local parts, address literals and non-ASCII addresses are not accepted.
bool IsValidAddress(absl::string_view address);

// The whole message, headers and body, dated `date`; fails as ValidateMailMessage does.
absl::StatusOr<std::string> FormatMailMessage(const MailMessage& message, absl::Time date);

// Building blocks, exposed for tests.

// "Thu, 03 Dec 2026 03:29:24 +0000" (RFC 5322 3.3, always UTC, English names).
std::string FormatDate(absl::Time date);
// The Message-ID header's value, "<id@domain>".
std::string MessageIdHeader(const MailMessage& message);
// A Subject value: `text` as is when it is short printable ASCII, otherwise RFC 2047
// "=?UTF-8?B?...?=" words of whole characters, folded with CRLF SP so that no line of the
// header ("Subject: " included) passes 76 characters.
// `text` must be valid UTF-8.
std::string EncodeHeaderText(absl::string_view text);
// "\r\n" and lone "\r" become "\n": the body's line ends, before encoding.
std::string NormalizeLineEnds(absl::string_view text);
// Quoted-printable (RFC 2045 6.7) of `text` whose line ends are "\n": CRLF hard breaks, soft
// breaks keeping lines within 76 characters, trailing blanks and non-ASCII bytes escaped. A
// last line without a line end gets one (SMTP data is whole lines).
std::string EncodeQuotedPrintable(absl::string_view text);

}  // namespace shopcast::realtime_push::mail
