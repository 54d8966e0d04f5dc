// Account e-mails from the user service's events, through the whole App and a real SMTP server:
// a password reset's link sent once to the event's address in the URL's fragment, no inbox
// entry, the text erased once the e-mail is done with, never sent after the link expired; and
// the notice that a password was changed, sent once while it still matters.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "notify/notify_pg_support.h"
#include "shopcast/ids/ids.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.pb.h"
#include "support/smtp_server.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
namespace cpb = shopcast::common::v1;
using shopcast::realtime_push::Config;

namespace {

// A user-service event of `type` about `user_id`, as its outbox relay delivers it.
cpb::Event UserEvent(const std::string& type, const std::string& user_id,
                     const google::protobuf::Message& payload) {
  cpb::Event e;
  e.set_id(shopcast::ids::NewId("evt"));
  e.set_type(type);
  e.set_source("user");
  e.set_aggregate_id(user_id);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_payload()->PackFrom(payload);
  return e;
}

cpb::Event ResetEvent(const std::string& email, const std::string& token, absl::Time expires) {
  shopcast::user::v1::PasswordResetRequested r;
  r.set_user_id(shopcast::ids::NewId("usr"));
  r.set_email(email);
  r.set_display_name("Ada");
  r.set_reset_token(token);
  r.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(expires));
  return UserEvent("user.password_reset_requested", r.user_id(), r);
}

cpb::Event VerificationEvent(const std::string& email, const std::string& token,
                             absl::Time expires) {
  shopcast::user::v1::EmailVerificationRequested v;
  v.set_user_id(shopcast::ids::NewId("usr"));
  v.set_email(email);
  v.set_display_name("Ada");
  v.set_verification_token(token);
  v.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(expires));
  return UserEvent("user.email_verification_requested", v.user_id(), v);
}

cpb::Event ChangedEvent(const std::string& email, shopcast::user::v1::PasswordChanged::How how,
                        absl::Time at) {
  shopcast::user::v1::PasswordChanged c;
  c.set_user_id(shopcast::ids::NewId("usr"));
  c.set_email(email);
  c.set_display_name("Ada");
  c.set_how(how);
  c.mutable_changed_at()->set_seconds(absl::ToUnixSeconds(at));
  return UserEvent("user.password_changed", c.user_id(), c);
}

void Deliver(Replica& replica, RoomsFixture& f, const cpb::Event& event) {
  auto sink = replica.SinkStub(f.Peer());
  cpb::DeliverEventsRequest req;
  *req.add_events() = event;
  cpb::DeliverEventsResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  REQUIRE(sink->DeliverEvents(&ctx, req, &res).ok());
  REQUIRE(res.accepted_ids_size() == 1);
}

int64_t Emails(RoomsFixture& f, const std::string& where = "true") {
  return Count(f.pool(), "SELECT count(*) FROM notification_emails WHERE " + where);
}

void Configure(Config& c, const std::string& smtp_url) {
  c.smtp_url = smtp_url;
  c.smtp_from = "noreply@shopcast.test";
  c.web_base_url = "https://shop.example";
}

}  // namespace

TEST_CASE("account e-mail: a reset link is mailed once, with no inbox entry, and then erased") {
  SmtpTestServer smtp;
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, smtp.url()); });
  const std::string token = shopcast::ids::NewSecret(32);
  const cpb::Event event = ResetEvent("ada@example.test", token, absl::Now() + absl::Minutes(30));
  Deliver(a, f, event);
  Deliver(a, f, event);  // at least once: a redelivery queues nothing more
  CHECK(Emails(f) == 1);
  REQUIRE(smtp.WaitForMessages(1, absl::Seconds(30)));
  const auto m = smtp.Messages().at(0);
  CHECK(m.rcpt_tos == std::vector<std::string>{"ada@example.test"});
  CHECK(m.subject == "Reset your Shopcast password");
  CHECK(m.body.find("Hi Ada,") != std::string::npos);
  // The whole link on one line (quoted-printable's soft breaks undone).
  const std::string link = "https://shop.example/reset-password#token=" + token;
  const size_t at = m.body.find(link);
  REQUIRE(at != std::string::npos);
  CHECK(m.body.find_first_of("\r\n", at) == at + link.size());
  CHECK(m.defects.empty());
  CHECK(Count(f.pool(), "SELECT count(*) FROM notifications") == 0);
  REQUIRE(shopcast::testing::WaitUntil([&] { return Emails(f, "state = 'sent'") == 1; },
                                       absl::Seconds(30)));
  CHECK(Emails(f, "body = '' AND sensitive") == 1);
  CHECK(smtp.Messages().size() == 1);
}

TEST_CASE("account e-mail: a link already expired when the event arrives is not mailed") {
  SmtpTestServer smtp;
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, smtp.url()); });
  Deliver(a, f,
          ResetEvent("late@example.test", shopcast::ids::NewSecret(32),
                     absl::Now() - absl::Seconds(1)));
  CHECK(Emails(f) == 0);
  // A malformed event is dropped too (accepted: redelivering cannot fix it), nothing queued.
  Deliver(
      a, f,
      ResetEvent("not an address", shopcast::ids::NewSecret(32), absl::Now() + absl::Minutes(30)));
  Deliver(a, f,
          ResetEvent("ok@example.test", "bad token\r\nBcc: x@example.test",
                     absl::Now() + absl::Minutes(30)));
  CHECK(Emails(f) == 0);
  CHECK(smtp.Messages().empty());
}

TEST_CASE("account e-mail: one the relay keeps deferring is given up when its link expires") {
  SmtpTestServer deferring(SmtpTestServer::Mode::kDeferRcpt);
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, deferring.url()); });
  Deliver(
      a, f,
      ResetEvent("bo@example.test", shopcast::ids::NewSecret(32), absl::Now() + absl::Minutes(30)));
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return Emails(f, "state = 'pending' AND attempts >= 1") == 1; }, absl::Seconds(30)));
  // The link's expiry comes (moved forward rather than waited for).
  REQUIRE(Count(f.pool(),
                "WITH u AS (UPDATE notification_emails SET send_before = now(), "
                "next_attempt_at = now() RETURNING 1) SELECT count(*) FROM u") == 1);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return Emails(f, "state = 'failed' AND last_error = 'LINK_EXPIRED'") == 1; },
      absl::Seconds(30)));
  CHECK(Emails(f, "body = ''") == 1);
  CHECK(deferring.Messages().empty());
}

TEST_CASE("account e-mail: a refused one fails once and its text is erased") {
  SmtpTestServer refusing(SmtpTestServer::Mode::kRejectRcpt);
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, refusing.url()); });
  Deliver(
      a, f,
      ResetEvent("cy@example.test", shopcast::ids::NewSecret(32), absl::Now() + absl::Minutes(30)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return Emails(f, "state = 'failed'") == 1; },
                                       absl::Seconds(30)));
  CHECK(Emails(f, "body = '' AND last_error = 'SMTP_REJECTED'") == 1);
}

TEST_CASE("account e-mail: without an SMTP relay a reset link is not kept waiting") {
  RoomsFixture f;
  auto& a = f.AddReplica([](Config& c) { c.smtp_url.clear(); });
  Deliver(a, f,
          ResetEvent("dee@example.test", shopcast::ids::NewSecret(32),
                     absl::Now() + absl::Minutes(30)));
  Deliver(a, f,
          ChangedEvent("dee@example.test", shopcast::user::v1::PasswordChanged::HOW_CHANGED,
                       absl::Now()));
  CHECK(Emails(f) == 0);
}

TEST_CASE("account e-mail: a password change is noticed once, by e-mail only") {
  SmtpTestServer smtp;
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, smtp.url()); });
  const cpb::Event event =
      ChangedEvent("ada@example.test", shopcast::user::v1::PasswordChanged::HOW_RESET, absl::Now());
  Deliver(a, f, event);
  Deliver(a, f, event);  // redelivered: still one notice
  CHECK(Emails(f) == 1);
  REQUIRE(smtp.WaitForMessages(1, absl::Seconds(30)));
  const auto m = smtp.Messages().at(0);
  CHECK(m.rcpt_tos == std::vector<std::string>{"ada@example.test"});
  CHECK(m.subject == "Your Shopcast password was changed");
  CHECK(m.body.find("Hi Ada,") != std::string::npos);
  CHECK(m.body.find("with a password-reset link") != std::string::npos);
  const std::string link = "https://shop.example/forgot-password";
  const size_t at = m.body.find(link);
  REQUIRE(at != std::string::npos);
  CHECK(m.body.find_first_of("\r\n", at) == at + link.size());
  CHECK(m.defects.empty());
  CHECK(Count(f.pool(), "SELECT count(*) FROM notifications") == 0);
  REQUIRE(shopcast::testing::WaitUntil([&] { return Emails(f, "state = 'sent'") == 1; },
                                       absl::Seconds(30)));
  CHECK(smtp.Messages().size() == 1);
}

TEST_CASE("account e-mail: a notice too late to matter, or malformed, is not mailed") {
  SmtpTestServer smtp;
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, smtp.url()); });
  namespace upb = shopcast::user::v1;
  // Delivered after the relay was down for days.
  Deliver(a, f,
          ChangedEvent("late@example.test", upb::PasswordChanged::HOW_CHANGED,
                       absl::Now() - absl::Hours(73)));
  Deliver(a, f, ChangedEvent("not an address", upb::PasswordChanged::HOW_CHANGED, absl::Now()));
  Deliver(a, f,
          ChangedEvent("ok@example.test", upb::PasswordChanged::HOW_UNSPECIFIED, absl::Now()));
  CHECK(Emails(f) == 0);
  // Two days late still tells the owner: queued, and sent.
  Deliver(a, f,
          ChangedEvent("ok@example.test", upb::PasswordChanged::HOW_CHANGED,
                       absl::Now() - absl::Hours(48)));
  REQUIRE(smtp.WaitForMessages(1, absl::Seconds(30)));
  CHECK(smtp.Messages().at(0).body.find("in the account's settings") != std::string::npos);
  CHECK(Emails(f) == 1);
}

TEST_CASE("account e-mail: an address-confirmation link is mailed once, and not once expired") {
  SmtpTestServer smtp;
  RoomsFixture f;
  auto& a = f.AddReplica([&](Config& c) { Configure(c, smtp.url()); });
  const std::string token = shopcast::ids::NewSecret(32);
  const cpb::Event event =
      VerificationEvent("ada@example.test", token, absl::Now() + absl::Hours(48));
  Deliver(a, f, event);
  Deliver(a, f, event);  // redelivered: still one e-mail
  Deliver(a, f,
          VerificationEvent("late@example.test", shopcast::ids::NewSecret(32),
                            absl::Now() - absl::Seconds(1)));
  Deliver(a, f, VerificationEvent("ok@example.test", "bad token", absl::Now() + absl::Hours(1)));
  CHECK(Emails(f) == 1);
  REQUIRE(smtp.WaitForMessages(1, absl::Seconds(30)));
  const auto m = smtp.Messages().at(0);
  CHECK(m.rcpt_tos == std::vector<std::string>{"ada@example.test"});
  CHECK(m.subject == "Confirm your e-mail address for Shopcast");
  const std::string link = "https://shop.example/verify-email#token=" + token;
  const size_t at = m.body.find(link);
  REQUIRE(at != std::string::npos);
  CHECK(m.body.find_first_of("\r\n", at) == at + link.size());
  CHECK(m.body.find("within 2 days") == std::string::npos);  // spans are told in hours
  CHECK(m.body.find("within 48 hours") != std::string::npos);
  CHECK(Count(f.pool(), "SELECT count(*) FROM notifications") == 0);
  REQUIRE(shopcast::testing::WaitUntil([&] { return Emails(f, "state = 'sent'") == 1; },
                                       absl::Seconds(30)));
  CHECK(Emails(f, "body = '' AND sensitive") == 1);
}
