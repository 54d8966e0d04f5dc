#include "mail/mail_format.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::mail {
namespace {

constexpr char kHeaderInjection[] = "MAIL_HEADER_INJECTION";
constexpr char kAddressInvalid[] = "MAIL_ADDRESS_INVALID";
constexpr char kMessageIdInvalid[] = "MAIL_MESSAGE_ID_INVALID";
constexpr char kTextInvalid[] = "MAIL_TEXT_INVALID";

// "Subject: " comes before the first line of the subject's value.
constexpr size_t kSubjectPrefix = 9;
// RFC 2047 6.x: lines holding encoded-words stay within 76 characters.
constexpr size_t kMaxHeaderLine = 76;
// Bytes of UTF-8 per encoded-word: 39 bytes are 52 base64 characters, and with "=?UTF-8?B?"
// and "?=" the word is 64, so even the first line ("Subject: " + word) stays within 76.
constexpr size_t kBytesPerWord = 39;
// RFC 2045 6.7 (5): encoded lines at most 76 characters, one of them the soft break's '='.
constexpr size_t kMaxQpLine = 76;

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-/=?^_`{|}~", c);
}

// RFC 5322 dot-atom-text: atext runs joined by single dots.
bool IsDotAtom(absl::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = 0;
  for (char c : s) {
    if (c == '.' ? previous == '.' : !IsAtext(c)) return false;
    previous = c;
  }
  return true;
}

// Letters, digits and hyphens in dot-separated labels of 1 to 63 characters.
bool IsHostName(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(s, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
  }
  return true;
}

bool HasLineBreak(absl::string_view s) { return s.find_first_of("\r\n") != s.npos; }

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one (overlong forms,
// surrogates and code points past U+10FFFF are invalid).
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b = byte(i);
  size_t n;
  uint32_t cp;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

// Valid UTF-8 whose only control characters are in `allowed`.
bool IsCleanText(absl::string_view s, absl::string_view allowed) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (n == 1 && (c < 0x20 || c == 0x7F) && !absl::StrContains(allowed, s[i])) return false;
    i += n;
  }
  return true;
}

absl::Status CheckAddress(absl::string_view field, absl::string_view address) {
  if (HasLineBreak(address)) {
    return InvalidArgument(field, kHeaderInjection, absl::StrCat(field, " has a line break"));
  }
  if (!IsValidAddress(address)) {
    return InvalidArgument(field, kAddressInvalid,
                           absl::StrCat(field, " is not a plain e-mail address"));
  }
  return absl::OkStatus();
}

absl::Status CheckMessageId(absl::string_view id) {
  if (HasLineBreak(id)) {
    return InvalidArgument("message_id", kHeaderInjection, "message_id has a line break");
  }
  // Required: without it a retried send could not be recognised as the same message.
  if (id.empty() || id.size() > 200) {
    return InvalidArgument("message_id", kMessageIdInvalid, "message_id needs 1 to 200 characters");
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(id, '@');
  if (parts.size() > 2 || !IsDotAtom(parts[0]) || (parts.size() == 2 && !IsHostName(parts[1]))) {
    return InvalidArgument("message_id", kMessageIdInvalid,
                           "message_id must be a dot-atom, optionally @host");
  }
  return absl::OkStatus();
}

// One line (no line end) in quoted-printable, with soft breaks.
void AppendQpLine(absl::string_view line, std::string& out) {
  size_t column = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    std::string token;
    if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
      token.assign(1, static_cast<char>(c));
    } else {
      token = absl::StrFormat("=%02X", c);
    }
    // Keep room for the soft break's '=' unless this token ends the line.
    const size_t limit = last ? kMaxQpLine : kMaxQpLine - 1;
    if (column + token.size() > limit) {
      out += "=\r\n";
      column = 0;
    }
    out += token;
    column += token.size();
  }
}

}  // namespace

bool IsValidAddress(absl::string_view address) {
  if (address.size() > 254) return false;
  const size_t at = address.rfind('@');
  if (at == address.npos) return false;
  const absl::string_view local = address.substr(0, at);
  return local.size() <= 64 && IsDotAtom(local) && IsHostName(address.substr(at + 1));
}

absl::Status ValidateMailMessage(const MailMessage& message) {
  RETURN_IF_ERROR(CheckAddress("from", message.from));
  RETURN_IF_ERROR(CheckAddress("to", message.to));
  if (HasLineBreak(message.subject)) {
    return InvalidArgument("subject", kHeaderInjection, "subject has a line break");
  }
  if (message.subject.size() > kMaxSubjectBytes || !IsCleanText(message.subject, "\t")) {
    return InvalidArgument("subject", kTextInvalid,
                           "subject must be UTF-8 without control characters, at most 998 bytes");
  }
  if (message.body.size() > kMaxBodyBytes || !IsCleanText(message.body, "\t\n\r")) {
    return InvalidArgument("body", kTextInvalid,
                           "body must be UTF-8 without control characters, at most 256 KiB");
  }
  return CheckMessageId(message.message_id);
}

std::string FormatDate(absl::Time date) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const absl::CivilSecond t = absl::ToCivilSecond(date, absl::UTCTimeZone());
  // absl::Weekday counts from Monday = 0.
  const int weekday = static_cast<int>(absl::GetWeekday(t));
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[weekday], t.day(),
                         kMonths[t.month() - 1], t.year(), t.hour(), t.minute(), t.second());
}

std::string MessageIdHeader(const MailMessage& message) {
  if (absl::StrContains(message.message_id, '@')) return absl::StrCat("<", message.message_id, ">");
  const absl::string_view from = message.from;
  return absl::StrCat("<", message.message_id, "@", from.substr(from.rfind('@') + 1), ">");
}

std::string EncodeHeaderText(absl::string_view text) {
  const bool plain =
      kSubjectPrefix + text.size() <= kMaxHeaderLine && !absl::StrContains(text, "=?") &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
  if (plain) return std::string(text);
  // RFC 2047 5: an encoded-word holds whole characters, so cut between UTF-8 sequences.
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      const size_t n = std::max<size_t>(Utf8SequenceLength(text, end), 1);
      if (end + n - start > kBytesPerWord) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(text.substr(start, end - start)), "?=");
    start = end;
  }
  return out;
}

std::string NormalizeLineEnds(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string EncodeQuotedPrintable(absl::string_view text) {
  std::string out;
  if (text.empty()) return out;
  if (text.back() == '\n') text.remove_suffix(1);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    AppendQpLine(line, out);
    out += "\r\n";
  }
  return out;
}

absl::StatusOr<std::string> FormatMailMessage(const MailMessage& message, absl::Time date) {
  RETURN_IF_ERROR(ValidateMailMessage(message));
  std::string out;
  absl::StrAppend(&out, "Date: ", FormatDate(date), "\r\n");
  absl::StrAppend(&out, "From: ", message.from, "\r\n");
  absl::StrAppend(&out, "To: ", message.to, "\r\n");
  absl::StrAppend(&out, "Subject: ", EncodeHeaderText(message.subject), "\r\n");
  absl::StrAppend(&out, "Message-ID: ", MessageIdHeader(message), "\r\n");
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n";
  out += "\r\n";
  out += EncodeQuotedPrintable(NormalizeLineEnds(message.body));
  return out;
}

}  // namespace shopcast::realtime_push::mail
