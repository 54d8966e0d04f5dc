// SmtpMailer's parts that need no server: option checks, the password file and the mapping of
// libcurl's results onto statuses (what the notification outbox retries depends on it).

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "mail/mailer.h"
#include "mail/smtp_mailer.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::realtime_push::mail {
namespace {

SmtpOptions Plain() {
  SmtpOptions o;
  o.url = "smtp://relay.example:25";
  return o;
}

std::string FieldRefused(const SmtpOptions& o) {
  const absl::Status s = ValidateSmtpOptions(o);
  REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "SMTP_OPTIONS_INVALID");
  return FieldOf(s);
}

TEST_CASE("smtp:// and smtps:// URLs with a host are accepted, with sane defaults") {
  SmtpOptions o = Plain();
  CHECK(ValidateSmtpOptions(o).ok());
  CHECK(o.connect_timeout == absl::Seconds(5));
  CHECK(o.total_timeout == absl::Seconds(15));
  o.url = "SMTPS://relay.example:465/shopcast.example";
  CHECK(ValidateSmtpOptions(o).ok());
  CHECK(SmtpMailer::Create(Plain()).ok());
}

TEST_CASE("other schemes, and URLs without a host, are refused") {
  SmtpOptions o = Plain();
  for (const char* url : {"", "relay.example:25", "http://relay.example", "file:///etc/passwd",
                          "smtp://", "smtps:///path"}) {
    INFO(url);
    o.url = url;
    CHECK(FieldRefused(o) == "url");
    CHECK_FALSE(SmtpMailer::Create(o).ok());
  }
}

TEST_CASE("credentials are refused where they would cross the network in the clear") {
  SmtpOptions o = Plain();
  o.username = "shopcast";
  o.password = "secret";
  CHECK(FieldRefused(o) == "username");
  o.require_starttls = true;
  CHECK(ValidateSmtpOptions(o).ok());
  o.require_starttls = false;
  o.url = "smtps://relay.example:465";
  CHECK(ValidateSmtpOptions(o).ok());
  o.require_starttls = true;  // smtps:// is TLS already; STARTTLS would be a misunderstanding.
  CHECK(FieldRefused(o) == "require_starttls");
  o = Plain();
  o.password = "secret";
  CHECK(FieldRefused(o) == "username");
}

TEST_CASE("timeouts must be positive") {
  SmtpOptions o = Plain();
  o.connect_timeout = absl::ZeroDuration();
  CHECK(FieldRefused(o) == "timeout");
  o = Plain();
  o.total_timeout = -absl::Seconds(1);
  CHECK(FieldRefused(o) == "timeout");
}

TEST_CASE("a password file gives its content without the final line end") {
  shopcast::testing::TempDir dir;
  std::ofstream(dir.File("pw")) << "s3cret with spaces\n";
  absl::StatusOr<std::string> pw = ReadPasswordFile(dir.File("pw"));
  REQUIRE(pw.ok());
  CHECK(*pw == "s3cret with spaces");

  std::ofstream(dir.File("empty")) << "\r\n";
  CHECK(ReadPasswordFile(dir.File("empty")).status().code() == absl::StatusCode::kInvalidArgument);
  const absl::Status missing = ReadPasswordFile(dir.File("missing")).status();
  CHECK(missing.code() == absl::StatusCode::kInvalidArgument);
  CHECK(FieldOf(missing) == "password_file");
}

TEST_CASE("a 5xx reply at any stage is a refusal for good") {
  for (long smtp : {550L, 553L, 554L, 552L}) {
    for (bool sent : {false, true}) {
      const absl::Status s = SendOutcome(CURLE_SEND_ERROR, smtp, sent, "RCPT failed");
      CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
      CHECK(ReasonOf(s) == kSmtpRejected);
      CHECK_FALSE(SafeToRetry(s));
    }
  }
  // A 554 to the end of the data arrives as a "weird reply" from libcurl.
  const absl::Status after_data = SendOutcome(CURLE_WEIRD_SERVER_REPLY, 554, true, "");
  CHECK(ReasonOf(after_data) == kSmtpRejected);
}

TEST_CASE("a 4xx reply, or a failure before the message was all sent, is worth retrying") {
  for (const absl::Status& s :
       {SendOutcome(CURLE_SEND_ERROR, 451, false, "RCPT failed: 451"),
        SendOutcome(CURLE_WEIRD_SERVER_REPLY, 452, true, ""),
        SendOutcome(CURLE_COULDNT_CONNECT, 0, false, "Connection refused"),
        SendOutcome(CURLE_OPERATION_TIMEDOUT, 0, false, ""),
        SendOutcome(CURLE_OPERATION_TIMEDOUT, 250, false, ""),
        SendOutcome(CURLE_COULDNT_RESOLVE_HOST, 0, false, ""),
        SendOutcome(CURLE_RECV_ERROR, 354, false, ""),
        // The relay's set-up, not the message: fixed by an operator, then retried.
        SendOutcome(CURLE_LOGIN_DENIED, 535, false, ""),
        SendOutcome(CURLE_USE_SSL_FAILED, 250, false, "")}) {
    INFO(s.ToString());
    CHECK(s.code() == absl::StatusCode::kUnavailable);
    CHECK(ReasonOf(s) == kSmtpUnavailable);
    CHECK(SafeToRetry(s));
  }
}

TEST_CASE("a failure after the whole message was sent, without a reply, is ambiguous") {
  for (CURLcode rc : {CURLE_RECV_ERROR, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING}) {
    const absl::Status s = SendOutcome(rc, 354, true, "");
    CHECK(s.code() == absl::StatusCode::kUnknown);
    CHECK(ReasonOf(s) == kSmtpOutcomeUnknown);
    CHECK_FALSE(SafeToRetry(s));
  }
}

TEST_CASE("success is OK, and its text carries libcurl's detail otherwise") {
  CHECK(SendOutcome(CURLE_OK, 250, true, "").ok());
  const absl::Status s = SendOutcome(CURLE_SEND_ERROR, 550, false, "RCPT failed: 550");
  CHECK(s.message() == "RCPT failed: 550 (smtp 550)");
}

}  // namespace
}  // namespace shopcast::realtime_push::mail
