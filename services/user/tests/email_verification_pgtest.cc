// Confirming an account's e-mail address, over gRPC against the real service and a real
// PostgreSQL: a new account is mailed a single-use link (the token only in the event for
// realtime-push, its hash in the table), opening it confirms the address, a few more links an
// hour on request, and only confirmed addresses are given to notifiers.
#include <catch2/catch.hpp>

#include "shopcast/ids/secrets.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;

namespace {

// The confirmation e-mails written so far, as realtime-push will receive them.
std::vector<v1::EmailVerificationRequested> ConfirmationMails(UserServiceFixture& f) {
  std::vector<v1::EmailVerificationRequested> out;
  for (const auto& e : f.OutboxEvents()) {
    if (e.type() != "user.email_verification_requested") continue;
    v1::EmailVerificationRequested m;
    REQUIRE(e.payload().UnpackTo(&m));
    out.push_back(std::move(m));
  }
  return out;
}

grpc::StatusCode Verify(UserServiceFixture& f, const std::string& token,
                        std::string* reason = nullptr) {
  v1::VerifyEmailRequest req;
  req.set_verification_token(token);
  v1::VerifyEmailResponse res;
  auto ctx = Ctx();
  const grpc::StatusCode code = f.stub().VerifyEmail(ctx.get(), req, &res).error_code();
  if (reason != nullptr) *reason = ReasonOf(*ctx);
  return code;
}

// Asks for another link as the owner of `token`; the reason when refused.
grpc::StatusCode AskAgain(UserServiceFixture& f, const std::string& token,
                          v1::RequestEmailVerificationResponse* res,
                          std::string* reason = nullptr) {
  v1::RequestEmailVerificationRequest req;
  auto ctx = Ctx(token);
  const grpc::Status st = f.stub().RequestEmailVerification(ctx.get(), req, res);
  if (reason != nullptr) *reason = ReasonOf(*ctx);
  return st.error_code();
}

bool Confirmed(UserServiceFixture& f, const std::string& token) {
  v1::GetMeRequest req;
  v1::GetMeResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().GetMe(ctx.get(), req, &res).ok());
  return res.email_verified();
}

}  // namespace

TEST_CASE("a new account is mailed a link that confirms its address") {
  UserServiceFixture f;
  std::string id;
  const absl::Time registered = absl::Now();
  const std::string token = f.TokenFor("maya", shopcast::auth::Role::kViewer, &id);
  CHECK_FALSE(Confirmed(f, token));

  auto mails = ConfirmationMails(f);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].user_id() == id);
  CHECK(mails[0].email() == "maya@example.com");
  CHECK(mails[0].display_name() == "maya");
  CHECK(mails[0].verification_token().size() == 43);
  const absl::Time expires = absl::FromUnixSeconds(mails[0].expires_at().seconds());
  CHECK(expires > registered + absl::Hours(47));
  CHECK(expires < absl::Now() + absl::Hours(49));
  // Only the hash is kept: a copy of the table confirms nothing.
  CHECK(f.Query1("SELECT token_hash FROM email_verifications") ==
        shopcast::ids::HashSecret(mails[0].verification_token()));

  REQUIRE(Verify(f, mails[0].verification_token()) == grpc::OK);
  CHECK(Confirmed(f, token));
  // The same link opened again (a second tab, a mail scanner's visit): still fine.
  CHECK(Verify(f, mails[0].verification_token()) == grpc::OK);
  CHECK(Confirmed(f, token));
  // Confirmed: another link is neither needed nor sent.
  v1::RequestEmailVerificationResponse res;
  REQUIRE(AskAgain(f, token, &res) == grpc::OK);
  CHECK(res.already_verified());
  CHECK(ConfirmationMails(f).size() == 1);
}

TEST_CASE("an account an operator creates is confirmed from the start and mailed nothing") {
  UserServiceFixture f;
  shopcast::user::RegisterInput in{"olga", "olga@example.com",          kPassword,
                                   "",     shopcast::auth::Role::kHost, ""};
  in.email_verified = true;
  auto user = f.accounts().Register(in);
  REQUIRE(user.ok());
  CHECK(user->email_verified);
  CHECK(ConfirmationMails(f).empty());
  CHECK(Confirmed(f, f.LoginAs("olga").access_token()));
}

TEST_CASE("more links on request: three an hour, and any of them confirms and spends them all") {
  UserServiceFixture f;
  std::string id;
  const std::string token = f.TokenFor("nina", shopcast::auth::Role::kViewer, &id);
  v1::RequestEmailVerificationResponse res;
  REQUIRE(AskAgain(f, token, &res) == grpc::OK);
  CHECK_FALSE(res.already_verified());
  REQUIRE(AskAgain(f, token, &res) == grpc::OK);
  REQUIRE(ConfirmationMails(f).size() == 3);  // Register's and two more
  std::string reason;
  CHECK(AskAgain(f, token, &res, &reason) == grpc::RESOURCE_EXHAUSTED);
  CHECK(reason == "VERIFICATION_EMAIL_THROTTLED");
  // When to ask again: once the oldest of the hour is an hour old.
  shopcast::auth::Caller caller;
  caller.user_id = id;
  caller.role = shopcast::auth::Role::kViewer;
  auto refused = f.accounts().RequestEmailVerification(caller);
  REQUIRE(!refused.ok());
  auto wait = refused.status().GetPayload("type.shopcast.dev/retry_after_ms");
  REQUIRE(wait.has_value());
  const int64_t wait_ms = std::stoll(std::string(*wait));
  CHECK(wait_ms > 3'500'000);
  CHECK(wait_ms <= 3'600'000);
  CHECK(ConfirmationMails(f).size() == 3);
  // Without a session there is nobody to send one to.
  v1::RequestEmailVerificationRequest anonymous;
  auto ctx = Ctx();
  CHECK(f.stub().RequestEmailVerification(ctx.get(), anonymous, &res).error_code() ==
        grpc::UNAUTHENTICATED);

  auto mails = ConfirmationMails(f);
  REQUIRE(Verify(f, mails[1].verification_token()) == grpc::OK);
  CHECK(Confirmed(f, token));
  CHECK(f.Count("email_verifications") == 3);
  CHECK(f.Query1("SELECT count(*) FROM email_verifications WHERE spent_at IS NULL") == "0");
  // An hour later the allowance would be back; confirmed, nothing is sent anyway.
  f.Exec("UPDATE email_verifications SET created_at = created_at - interval '61 minutes'");
  REQUIRE(AskAgain(f, token, &res) == grpc::OK);
  CHECK(res.already_verified());
  CHECK(ConfirmationMails(f).size() == 3);
}

TEST_CASE("the sign-up link keeps working after a newer one is asked for a day later") {
  UserServiceFixture f;
  std::string id;
  const std::string token = f.TokenFor("rita", shopcast::auth::Role::kViewer, &id);
  const std::string first = f.VerificationTokenOf(id);
  // A day and a half later (the link works 48 hours) the owner asks for another one.
  f.Exec("UPDATE email_verifications SET created_at = created_at - interval '36 hours'");
  v1::RequestEmailVerificationResponse res;
  REQUIRE(AskAgain(f, token, &res) == grpc::OK);
  CHECK(ConfirmationMails(f).size() == 2);
  // Then finds the first e-mail and uses it: still good.
  CHECK(Verify(f, first) == grpc::OK);
  CHECK(Confirmed(f, token));
  // Expired links are forgotten when a new one is asked for.
  f.Exec("UPDATE users SET email_verified_at = NULL");
  f.Exec(
      "UPDATE email_verifications SET expires_at = now() - interval '1 second', "
      "created_at = now() - interval '2 hours'");
  REQUIRE(AskAgain(f, token, &res) == grpc::OK);
  CHECK(f.Count("email_verifications") == 1);
}

TEST_CASE("an expired, unknown, malformed or stale link is refused and confirms nothing") {
  UserServiceFixture f;
  std::string id;
  const std::string token = f.TokenFor("opal", shopcast::auth::Role::kViewer, &id);
  const std::string link = f.VerificationTokenOf(id);
  std::string reason;
  for (const std::string& bad : {std::string(), std::string("short"), link + "x",
                                 link.substr(0, 42) + "!", std::string(4096, 'a')}) {
    CHECK(Verify(f, bad, &reason) == grpc::INVALID_ARGUMENT);
    CHECK(reason == "VERIFICATION_TOKEN_INVALID");
  }
  CHECK(Verify(f, shopcast::ids::NewSecret(32), &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "VERIFICATION_TOKEN_INVALID");

  f.Exec("UPDATE email_verifications SET expires_at = now() - interval '1 second'");
  CHECK(Verify(f, link, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "VERIFICATION_TOKEN_EXPIRED");
  CHECK_FALSE(Confirmed(f, token));

  // A link sent to an address the account no longer has proves nothing about the new one.
  f.Exec("UPDATE email_verifications SET expires_at = now() + interval '1 hour'");
  f.Exec("UPDATE users SET email = 'opal.new@example.com'");
  CHECK(Verify(f, link, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "VERIFICATION_TOKEN_INVALID");
  CHECK_FALSE(Confirmed(f, token));
}

TEST_CASE("a password reset by e-mail confirms the address it reached") {
  UserServiceFixture f;
  std::string id;
  f.TokenFor("pia", shopcast::auth::Role::kViewer, &id);
  v1::RequestPasswordResetRequest ask;
  ask.set_email("pia@example.com");
  v1::RequestPasswordResetResponse asked;
  auto c1 = Ctx();
  REQUIRE(f.stub().RequestPasswordReset(c1.get(), ask, &asked).ok());
  std::string reset_token;
  for (const auto& e : f.OutboxEvents()) {
    v1::PasswordResetRequested r;
    if (e.type() == "user.password_reset_requested" && e.payload().UnpackTo(&r)) {
      reset_token = r.reset_token();
    }
  }
  REQUIRE(!reset_token.empty());
  v1::ResetPasswordRequest reset;
  reset.set_reset_token(reset_token);
  reset.set_new_password("a new reset passphrase");
  v1::ResetPasswordResponse done;
  auto c2 = Ctx();
  REQUIRE(f.stub().ResetPassword(c2.get(), reset, &done).ok());
  v1::LoginRequest login;
  login.set_login("pia");
  login.set_password("a new reset passphrase");
  v1::LoginResponse session;
  auto c3 = Ctx();
  REQUIRE(f.stub().Login(c3.get(), login, &session).ok());
  CHECK(Confirmed(f, session.tokens().access_token()));
}

TEST_CASE("deleting an account deletes its confirmation links") {
  UserServiceFixture f;
  std::string id;
  const std::string token = f.TokenFor("quinn", shopcast::auth::Role::kViewer, &id);
  const std::string link = f.VerificationTokenOf(id);
  v1::DeleteAccountRequest del;
  del.set_user_id(id);
  v1::DeleteAccountResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().DeleteAccount(ctx.get(), del, &res).ok());
  CHECK(f.Count("email_verifications") == 0);
  std::string reason;
  CHECK(Verify(f, link, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "VERIFICATION_TOKEN_INVALID");
}
