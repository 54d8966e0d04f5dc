#include "mail/mail_format.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::mail {
namespace {

MailMessage Sample() {
  MailMessage m;
  m.from = "noreply@shopcast.example";
  m.to = "viewer@example.org";
  m.subject = "Ana is live";
  m.body = "Ana started a show.\nWatch now.\n";
  m.message_id = "ntf_0001";
  return m;
}

absl::Time At(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

std::string Formatted(const MailMessage& m) {
  absl::StatusOr<std::string> text = FormatMailMessage(m, At(2026, 12, 3, 3, 29, 24));
  REQUIRE(text.ok());
  return *text;
}

// The refusal of `m`: its reason, after checking the code.
std::string RefusalReason(const MailMessage& m, const std::string& field) {
  absl::StatusOr<std::string> text = FormatMailMessage(m, absl::UnixEpoch());
  REQUIRE_FALSE(text.ok());
  CHECK(text.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(FieldOf(text.status()) == field);
  return ReasonOf(text.status());
}

// Undoes EncodeHeaderText: unfolds and decodes each "=?UTF-8?B?...?=" word.
std::string DecodeHeaderText(const std::string& value) {
  if (!absl::StartsWith(value, "=?")) return value;
  std::string out;
  for (absl::string_view word : absl::StrSplit(value, "\r\n ")) {
    REQUIRE(absl::ConsumePrefix(&word, "=?UTF-8?B?"));
    REQUIRE(absl::ConsumeSuffix(&word, "?="));
    std::string bytes;
    REQUIRE(absl::Base64Unescape(word, &bytes));
    out += bytes;
  }
  return out;
}

// Undoes EncodeQuotedPrintable: soft breaks removed, =XX decoded, CRLF back to "\n".
std::string DecodeQuotedPrintable(const std::string& qp) {
  std::string out;
  for (size_t i = 0; i < qp.size(); ++i) {
    if (qp.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else if (qp[i] == '=') {
      REQUIRE(i + 2 < qp.size());
      out += static_cast<char>(std::stoi(qp.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (qp.compare(i, 2, "\r\n") == 0) {
      out += '\n';
      i += 1;
    } else {
      out += qp[i];
    }
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  REQUIRE(absl::EndsWith(text, "\r\n"));
  std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(text).substr(0, text.size() - 2), "\r\n");
  return lines;
}

TEST_CASE("a message has every header, in order, then the encoded body") {
  CHECK(Formatted(Sample()) ==
        "Date: Thu, 03 Dec 2026 03:29:24 +0000\r\n"
        "From: noreply@shopcast.example\r\n"
        "To: viewer@example.org\r\n"
        "Subject: Ana is live\r\n"
        "Message-ID: <ntf_0001@shopcast.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Ana started a show.\r\n"
        "Watch now.\r\n");
}

TEST_CASE("every line ends in CRLF, whatever line ends the body used") {
  MailMessage m = Sample();
  m.subject = "Gänseblümchen-Auktion läuft jetzt – nur heute, nur live, nur für Sie! 🌼🌼🌼";
  m.body = "unix\nwindows\r\nold mac\rno end";
  const std::string text = Formatted(m);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') CHECK((i > 0 && text[i - 1] == '\r'));
    if (text[i] == '\r') CHECK((i + 1 < text.size() && text[i + 1] == '\n'));
  }
  CHECK(absl::EndsWith(text, "unix\r\nwindows\r\nold mac\r\nno end\r\n"));
  for (const std::string& line : Lines(text)) CHECK(line.size() <= 76);
}

TEST_CASE("an empty body leaves only the blank line after the headers") {
  MailMessage m = Sample();
  m.body = "";
  CHECK(absl::EndsWith(Formatted(m), "quoted-printable\r\n\r\n"));
}

TEST_CASE("the date is RFC 5322's, in UTC with English names") {
  CHECK(FormatDate(At(2026, 12, 3, 3, 29, 24)) == "Thu, 03 Dec 2026 03:29:24 +0000");
  CHECK(FormatDate(absl::UnixEpoch()) == "Thu, 01 Jan 1970 00:00:00 +0000");
  CHECK(FormatDate(At(2024, 2, 29, 23, 59, 59)) == "Thu, 29 Feb 2024 23:59:59 +0000");
  CHECK(FormatDate(At(2023, 10, 1, 7, 5, 0)) == "Sun, 01 Oct 2023 07:05:00 +0000");
  CHECK(FormatDate(At(2023, 7, 3, 12, 0, 0)) == "Mon, 03 Jul 2023 12:00:00 +0000");
}

TEST_CASE("the Message-ID comes from message_id, so a retry carries the same one") {
  MailMessage m = Sample();
  CHECK(MessageIdHeader(m) == "<ntf_0001@shopcast.example>");
  m.message_id = "ntf_0001.retry-safe@mail.shopcast.example";
  CHECK(MessageIdHeader(m) == "<ntf_0001.retry-safe@mail.shopcast.example>");
  CHECK(Formatted(m) == Formatted(m));
}

TEST_CASE("a short ASCII subject is sent as it is") {
  CHECK(EncodeHeaderText("Ana is live") == "Ana is live");
  CHECK(EncodeHeaderText("") == "");
}

TEST_CASE("a non-ASCII subject becomes UTF-8 encoded-words of whole characters") {
  const std::string subject = "Ана в эфире: распродажа 🎉 — скидки до 50% на всё, только сегодня!";
  const std::string encoded = EncodeHeaderText(subject);
  CHECK(absl::StartsWith(encoded, "=?UTF-8?B?"));
  CHECK(DecodeHeaderText(encoded) == subject);
  bool first = true;
  for (absl::string_view line : absl::StrSplit(encoded, "\r\n")) {
    // The first line follows "Subject: "; the rest start with the folding space.
    CHECK((first ? 9 : 0) + line.size() <= 76);
    CHECK(line.size() - (first ? 0 : 1) <= 75);  // RFC 2047's limit for one encoded-word.
    first = false;
  }
  // Each word decodes to whole characters: no word starts with a UTF-8 continuation byte.
  for (absl::string_view word : absl::StrSplit(encoded, "\r\n ")) {
    std::string bytes;
    REQUIRE(absl::Base64Unescape(word.substr(10, word.size() - 12), &bytes));
    CHECK((static_cast<unsigned char>(bytes[0]) & 0xC0) != 0x80);
  }
}

TEST_CASE("ASCII that a reader could mistake, or that is too long for one line, is encoded") {
  for (const std::string& subject : {std::string("=?UTF-8?B?Zm9v?= is not an encoded word here"),
                                     std::string("tab\there"), std::string(100, 'x')}) {
    const std::string encoded = EncodeHeaderText(subject);
    CHECK(absl::StartsWith(encoded, "=?UTF-8?B?"));
    CHECK(DecodeHeaderText(encoded) == subject);
  }
}

TEST_CASE("CR or LF in a header field is refused as header injection") {
  MailMessage m = Sample();
  m.from = "noreply@shopcast.example\r\nBcc: everyone@example.org";
  CHECK(RefusalReason(m, "from") == "MAIL_HEADER_INJECTION");
  m = Sample();
  m.to = "viewer@example.org\nBcc: everyone@example.org";
  CHECK(RefusalReason(m, "to") == "MAIL_HEADER_INJECTION");
  m = Sample();
  m.subject = "Ana is live\r\nBcc: everyone@example.org";
  CHECK(RefusalReason(m, "subject") == "MAIL_HEADER_INJECTION");
  m.subject = "Ana is live\rX-Spam: no";
  CHECK(RefusalReason(m, "subject") == "MAIL_HEADER_INJECTION");
  m = Sample();
  m.message_id = "ntf_1\r\nBcc: everyone@example.org";
  CHECK(RefusalReason(m, "message_id") == "MAIL_HEADER_INJECTION");
}

TEST_CASE("addresses must be plain addr-specs") {
  for (const char* good : {"a@b.c", "first.last+tag@mail.example.org", "x_y-z@localhost",
                           "o'brien@example.ie", "UPPER@EXAMPLE.COM"}) {
    INFO(good);
    CHECK(IsValidAddress(good));
  }
  for (const char* bad :
       {"", "no-at-sign", "a@", "@b.c", "a b@c.d", "<a@b.c>", "Ana <a@b.c>", "a@b..c", "a@-b.c",
        "a@b-.c", ".a@b.c", "a.@b.c", "a..b@c.d", "\"quoted\"@b.c", "a@b.c,d@e.f", "a@[127.0.0.1]",
        "\xC3\xBC@b.c", "a@b\xC3\xBC.c", "a@b_c.d"}) {
    INFO(bad);
    CHECK_FALSE(IsValidAddress(bad));
  }
  CHECK_FALSE(IsValidAddress(std::string(65, 'a') + "@b.c"));
  CHECK_FALSE(IsValidAddress("a@" + std::string(64, 'b') + ".c"));

  MailMessage m = Sample();
  m.to = "Ana <ana@example.org>";
  CHECK(RefusalReason(m, "to") == "MAIL_ADDRESS_INVALID");
  m = Sample();
  m.from = "";
  CHECK(RefusalReason(m, "from") == "MAIL_ADDRESS_INVALID");
}

TEST_CASE("message_id is required and must fit inside <...@...>") {
  MailMessage m = Sample();
  for (const char* bad : {"", "a b", "<ntf_1>", "a@b@c", "a@", "@b", "a@b c", ".a", "a..b"}) {
    INFO(bad);
    m.message_id = bad;
    CHECK(RefusalReason(m, "message_id") == "MAIL_MESSAGE_ID_INVALID");
  }
  m.message_id = std::string(201, 'a');
  CHECK(RefusalReason(m, "message_id") == "MAIL_MESSAGE_ID_INVALID");
}

TEST_CASE("text that is not clean UTF-8 is refused") {
  MailMessage m = Sample();
  m.subject = "bad \xC3";
  CHECK(RefusalReason(m, "subject") == "MAIL_TEXT_INVALID");
  m.subject = "overlong \xC0\xAF";
  CHECK(RefusalReason(m, "subject") == "MAIL_TEXT_INVALID");
  m.subject = "surrogate \xED\xA0\x80";
  CHECK(RefusalReason(m, "subject") == "MAIL_TEXT_INVALID");
  m.subject = std::string("nul \0 here", 10);
  CHECK(RefusalReason(m, "subject") == "MAIL_TEXT_INVALID");
  m.subject = std::string(999, 'x');
  CHECK(RefusalReason(m, "subject") == "MAIL_TEXT_INVALID");
  m = Sample();
  m.body = "escape \x1B[31m red";
  CHECK(RefusalReason(m, "body") == "MAIL_TEXT_INVALID");
  m.body = "latin-1 caf\xE9";
  CHECK(RefusalReason(m, "body") == "MAIL_TEXT_INVALID");
  m.body = std::string(kMaxBodyBytes + 1, 'x');
  CHECK(RefusalReason(m, "body") == "MAIL_TEXT_INVALID");
}

TEST_CASE("line ends are normalised to LF before encoding") {
  CHECK(NormalizeLineEnds("a\r\nb\rc\nd\r\r\ne") == "a\nb\nc\nd\n\ne");
}

TEST_CASE("quoted-printable escapes '=', non-ASCII and trailing blanks") {
  CHECK(EncodeQuotedPrintable("a=b\n") == "a=3Db\r\n");
  CHECK(EncodeQuotedPrintable("café\n") == "caf=C3=A9\r\n");
  CHECK(EncodeQuotedPrintable("trailing space \nand tab\t\nmid dle\n") ==
        "trailing space=20\r\nand tab=09\r\nmid dle\r\n");
  CHECK(EncodeQuotedPrintable("no end") == "no end\r\n");
  CHECK(EncodeQuotedPrintable("") == "");
  CHECK(EncodeQuotedPrintable("\n") == "\r\n");
  CHECK(EncodeQuotedPrintable("a\n\nb\n") == "a\r\n\r\nb\r\n");
}

TEST_CASE("long lines get soft breaks within 76 characters and decode back") {
  const std::string body = std::string(200, 'a') + "\n" + std::string(50, ' ') + "é" +
                           std::string(120, '=') + "\n" + std::string(75, 'b') + " \n" +
                           std::string(76, 'c') + "\n";
  const std::string qp = EncodeQuotedPrintable(body);
  for (const std::string& line : Lines(qp)) {
    CHECK(line.size() <= 76);
    // An escape is never cut by a soft break.
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos && eq + 1 != line.size()) CHECK(eq + 3 <= line.size());
  }
  CHECK(DecodeQuotedPrintable(qp) == body);
}

TEST_CASE("a dot at the start of a line is left for the transport to stuff") {
  // libcurl doubles a leading '.' on the wire (RFC 5321 4.5.2); doing it here as well would
  // put two dots in the delivered text. smtp_mailer_test checks the dots arrive intact.
  MailMessage m = Sample();
  m.body = ".hidden\n.\n..two\nend";
  const std::string text = Formatted(m);
  CHECK(absl::EndsWith(text, "\r\n\r\n.hidden\r\n.\r\n..two\r\nend\r\n"));
}

}  // namespace
}  // namespace shopcast::realtime_push::mail
