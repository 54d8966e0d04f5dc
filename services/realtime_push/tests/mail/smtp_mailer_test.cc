// SmtpMailer against a real SMTP server (aiosmtpd in a child process, tests/support): what the
// server stores, decoded by Python's email package, and how each kind of refusal maps.

#include "mail/smtp_mailer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "mail/mailer.h"
#include "shopcast/status/status.h"
#include "support/smtp_server.h"

namespace shopcast::realtime_push::mail {
namespace {

using testing::SmtpTestServer;

// Generous: the machine is shared and loaded; no test waits this long when things work.
constexpr absl::Duration kWait = absl::Seconds(30);

std::unique_ptr<SmtpMailer> MailerFor(const std::string& url) {
  SmtpOptions options;
  options.url = url;
  options.connect_timeout = absl::Seconds(20);
  options.total_timeout = absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<SmtpMailer>> mailer = SmtpMailer::Create(options);
  REQUIRE(mailer.ok());
  return std::move(*mailer);
}

MailMessage Sample() {
  MailMessage m;
  m.from = "noreply@shopcast.example";
  m.to = "viewer@example.org";
  m.subject = "Ана в эфире — Flash-Sale für Gänseblümchen 🌼, nur heute!";
  m.body =
      "Ana started a show.\n"
      ".hidden line starting with a dot\n"
      ".\n"
      "..two dots\n"
      "trailing space \n"
      "Grüße, 你好 and = signs\n" +
      std::string(120, 'x') + "\n";
  m.message_id = "ntf_01HZY3K7Q9";
  return m;
}

TEST_CASE("a message arrives exactly as sent: subject, body and dots intact") {
  SmtpTestServer server;
  const MailMessage m = Sample();
  const absl::Status sent = MailerFor(server.url())->Send(m);
  REQUIRE(sent.ok());
  REQUIRE(server.WaitForMessages(1, kWait));
  const auto messages = server.Messages();
  REQUIRE(messages.size() == 1);
  const SmtpTestServer::Received& r = messages[0];
  INFO(r.raw);
  CHECK(r.mail_from == m.from);
  CHECK(r.rcpt_tos == std::vector<std::string>{m.to});
  CHECK(r.defects.empty());
  CHECK(r.content_type == "text/plain");
  CHECK(r.charset == "utf-8");
  CHECK(r.subject == m.subject);
  CHECK(r.message_id == "<ntf_01HZY3K7Q9@shopcast.example>");
  // SMTP carries CRLF; the decoded text is compared with the "\n" it was written with.
  CHECK(absl::StrReplaceAll(r.body, {{"\r\n", "\n"}}) == m.body);
  // The lone "." line survived: libcurl stuffed it on the wire and the server unstuffed it.
  CHECK(absl::StrContains(r.raw, "\r\n.\r\n..two dots\r\n"));
  CHECK(absl::StrContains(r.raw, "\r\n.hidden line"));
  CHECK_FALSE(absl::StrContains(absl::StrReplaceAll(r.raw, {{"\r\n", ""}}), "\n"));
}

TEST_CASE("a retried message carries the same Message-ID") {
  SmtpTestServer server;
  auto mailer = MailerFor(server.url());
  REQUIRE(mailer->Send(Sample()).ok());
  REQUIRE(mailer->Send(Sample()).ok());
  REQUIRE(server.WaitForMessages(2, kWait));
  const auto messages = server.Messages();
  CHECK(messages[0].message_id == messages[1].message_id);
}

TEST_CASE("a recipient refused with 550 is a refusal for good, and nothing is stored") {
  SmtpTestServer server(SmtpTestServer::Mode::kRejectRcpt);
  const absl::Status s = MailerFor(server.url())->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == kSmtpRejected);
  CHECK(absl::StrContains(s.message(), "550"));
  CHECK_FALSE(SafeToRetry(s));
  CHECK(server.Messages().empty());
}

TEST_CASE("a message refused with 554 after its data is a refusal for good") {
  SmtpTestServer server(SmtpTestServer::Mode::kRejectData);
  const absl::Status s = MailerFor(server.url())->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(s) == kSmtpRejected);
  CHECK(server.Messages().empty());
}

TEST_CASE("a 451 is transient: UNAVAILABLE, safe to retry") {
  SmtpTestServer server(SmtpTestServer::Mode::kDeferRcpt);
  const absl::Status s = MailerFor(server.url())->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(s) == kSmtpUnavailable);
  CHECK(SafeToRetry(s));
  CHECK(server.Messages().empty());
}

TEST_CASE("a connection lost after the whole message was sent is ambiguous") {
  SmtpTestServer server(SmtpTestServer::Mode::kDropAfterData);
  const absl::Status s = MailerFor(server.url())->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kUnknown);
  CHECK(ReasonOf(s) == kSmtpOutcomeUnknown);
  CHECK_FALSE(SafeToRetry(s));
  // Which is why: the server did take it.
  CHECK(server.WaitForMessages(1, kWait));
}

TEST_CASE("nothing listening on the port is UNAVAILABLE at once, not after a timeout") {
  auto mailer = MailerFor("smtp://127.0.0.1:" + std::to_string(testing::UnusedPort()));
  const auto start = std::chrono::steady_clock::now();
  const absl::Status s = mailer->Send(Sample());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(s) == kSmtpUnavailable);
  // The timeouts are 20 s and 30 s; a refused connection must not wait for them.
  CHECK(elapsed < std::chrono::seconds(15));
}

TEST_CASE("a relay that never answers times out as UNAVAILABLE: nothing was sent") {
  SmtpTestServer server(SmtpTestServer::Mode::kSilent);
  SmtpOptions options;
  options.url = server.url();
  // Short on purpose: the test waits for this timeout, and its outcome does not depend on load.
  options.total_timeout = absl::Seconds(1);
  auto mailer = SmtpMailer::Create(options);
  REQUIRE(mailer.ok());
  const absl::Status s = (*mailer)->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(s) == kSmtpUnavailable);
  CHECK(SafeToRetry(s));
}

TEST_CASE("a relay without STARTTLS is not used when TLS is required") {
  SmtpTestServer server;
  SmtpOptions options;
  options.url = server.url();
  options.require_starttls = true;
  options.total_timeout = absl::Seconds(30);
  auto mailer = SmtpMailer::Create(options);
  REQUIRE(mailer.ok());
  const absl::Status s = (*mailer)->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(server.Messages().empty());
}

SmtpOptions TlsOptions(const SmtpTestServer& server) {
  SmtpOptions options;
  options.url = server.url();
  options.require_starttls = true;
  options.ca_file = server.ca_file();
  options.username = "shopcast";
  options.password = "correct horse";
  options.connect_timeout = absl::Seconds(20);
  options.total_timeout = absl::Seconds(30);
  return options;
}

const testing::SmtpServerSecurity kTlsAndAuth = {
    .starttls = true, .username = "shopcast", .password = "correct horse"};

TEST_CASE("with STARTTLS and credentials the message goes over TLS, as the user") {
  SmtpTestServer server(SmtpTestServer::Mode::kAccept, kTlsAndAuth);
  auto mailer = SmtpMailer::Create(TlsOptions(server));
  REQUIRE(mailer.ok());
  const absl::Status s = (*mailer)->Send(Sample());
  REQUIRE(s.ok());
  REQUIRE(server.WaitForMessages(1, kWait));
  const auto messages = server.Messages();
  CHECK(messages[0].tls);
  CHECK(messages[0].auth_login == "shopcast");
  CHECK(messages[0].subject == Sample().subject);
}

TEST_CASE("a wrong password is UNAVAILABLE (the operator fixes it), and nothing is sent") {
  SmtpTestServer server(SmtpTestServer::Mode::kAccept, kTlsAndAuth);
  SmtpOptions options = TlsOptions(server);
  options.password = "wrong horse";
  auto mailer = SmtpMailer::Create(options);
  REQUIRE(mailer.ok());
  const absl::Status s = (*mailer)->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(s) == kSmtpUnavailable);
  CHECK_FALSE(absl::StrContains(s.ToString(), "horse"));
  CHECK(server.Messages().empty());
}

TEST_CASE("a relay whose certificate is not trusted is not used") {
  SmtpTestServer server(SmtpTestServer::Mode::kAccept, kTlsAndAuth);
  SmtpOptions options = TlsOptions(server);
  options.ca_file = "";  // The system's CAs do not know the test certificate.
  auto mailer = SmtpMailer::Create(options);
  REQUIRE(mailer.ok());
  const absl::Status s = (*mailer)->Send(Sample());
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(server.Messages().empty());
}

TEST_CASE("an invalid message is refused before any connection") {
  SmtpTestServer server;
  MailMessage m = Sample();
  m.subject = "hi\r\nBcc: everyone@example.org";
  const absl::Status s = MailerFor(server.url())->Send(m);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "MAIL_HEADER_INJECTION");
  CHECK(server.Messages().empty());
}

}  // namespace
}  // namespace shopcast::realtime_push::mail
