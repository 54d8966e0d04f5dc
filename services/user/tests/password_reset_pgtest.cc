// Password reset by e-mail, over gRPC against the real service and a real PostgreSQL: the
// token travels only in the event for realtime-push, is stored as a hash, works once, and the
// reset ends every session; every password change, by reset or in the settings, writes the
// owner's notice in its own commit.
#include <catch2/catch.hpp>
#include <thread>

#include "shopcast/ids/secrets.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;

namespace {

constexpr char kNewPassword[] = "a fresh reset passphrase";

grpc::StatusCode RequestReset(UserServiceFixture& f, const std::string& email,
                              std::string* reason = nullptr) {
  v1::RequestPasswordResetRequest req;
  req.set_email(email);
  v1::RequestPasswordResetResponse res;
  auto ctx = Ctx();
  const grpc::StatusCode code = f.stub().RequestPasswordReset(ctx.get(), req, &res).error_code();
  if (reason != nullptr) *reason = ReasonOf(*ctx);
  return code;
}

grpc::StatusCode Reset(UserServiceFixture& f, const std::string& token, const std::string& password,
                       std::string* reason = nullptr) {
  v1::ResetPasswordRequest req;
  req.set_reset_token(token);
  req.set_new_password(password);
  v1::ResetPasswordResponse res;
  auto ctx = Ctx();
  const grpc::StatusCode code = f.stub().ResetPassword(ctx.get(), req, &res).error_code();
  if (reason != nullptr) *reason = ReasonOf(*ctx);
  return code;
}

// The events of `type` in the outbox so far, as realtime-push will receive them.
template <typename Payload>
std::vector<Payload> Events(UserServiceFixture& f, const std::string& type) {
  std::vector<Payload> out;
  for (const auto& e : f.OutboxEvents()) {
    if (e.type() != type) continue;
    Payload p;
    REQUIRE(e.payload().UnpackTo(&p));
    out.push_back(std::move(p));
  }
  return out;
}

// The reset e-mails asked for so far.
std::vector<v1::PasswordResetRequested> ResetMails(UserServiceFixture& f) {
  return Events<v1::PasswordResetRequested>(f, "user.password_reset_requested");
}

// The password-changed notices written so far.
std::vector<v1::PasswordChanged> ChangeNotices(UserServiceFixture& f) {
  return Events<v1::PasswordChanged>(f, "user.password_changed");
}

shopcast::auth::Caller ViewerCaller(const std::string& id) {
  shopcast::auth::Caller caller;
  caller.user_id = id;
  caller.role = shopcast::auth::Role::kViewer;
  return caller;
}

// "" when `username` signs in with `password`, else the reason.
std::string LoginReason(UserServiceFixture& f, const std::string& username,
                        const std::string& password) {
  v1::LoginRequest req;
  req.set_login(username);
  req.set_password(password);
  v1::LoginResponse res;
  auto ctx = Ctx();
  return f.stub().Login(ctx.get(), req, &res).ok() ? std::string() : ReasonOf(*ctx);
}

std::string RefreshReason(UserServiceFixture& f, const std::string& token) {
  v1::RefreshRequest req;
  req.set_refresh_token(token);
  v1::RefreshResponse res;
  auto ctx = Ctx();
  return f.stub().Refresh(ctx.get(), req, &res).ok() ? std::string() : ReasonOf(*ctx);
}

}  // namespace

TEST_CASE("a reset e-mail's token sets a new password once and ends every session") {
  UserServiceFixture f;
  const std::string id = f.MakeUser("rosa");
  v1::TokenPair phone = f.LoginAs("rosa");
  v1::TokenPair laptop = f.LoginAs("rosa");
  const absl::Time asked = absl::Now();
  REQUIRE(RequestReset(f, "ROSA@Example.com") == grpc::OK);

  auto mails = ResetMails(f);
  REQUIRE(mails.size() == 1);
  const v1::PasswordResetRequested& mail = mails[0];
  CHECK(mail.user_id() == id);
  CHECK(mail.email() == "rosa@example.com");
  CHECK(mail.display_name() == "rosa");
  CHECK(mail.reset_token().size() == 43);
  const absl::Time expires = absl::FromUnixSeconds(mail.expires_at().seconds());
  CHECK(expires > asked + absl::Minutes(29));
  CHECK(expires < absl::Now() + absl::Minutes(31));
  // Only the hash is kept: a copy of the table is no link.
  CHECK(f.Query1("SELECT token_hash FROM password_resets") ==
        shopcast::ids::HashSecret(mail.reset_token()));

  CHECK(ChangeNotices(f).empty());
  const absl::Time before_reset = absl::Now() - absl::Seconds(1);
  REQUIRE(Reset(f, mail.reset_token(), kNewPassword) == grpc::OK);
  // The owner is told, in the same commit as the change.
  auto notices = ChangeNotices(f);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].user_id() == id);
  CHECK(notices[0].email() == "rosa@example.com");
  CHECK(notices[0].display_name() == "rosa");
  CHECK(notices[0].how() == v1::PasswordChanged::HOW_RESET);
  CHECK(absl::FromUnixSeconds(notices[0].changed_at().seconds()) >= before_reset);
  CHECK(absl::FromUnixSeconds(notices[0].changed_at().seconds()) <= absl::Now());
  CHECK(LoginReason(f, "rosa", kPassword) == "INVALID_CREDENTIALS");
  CHECK(LoginReason(f, "rosa", kNewPassword).empty());
  CHECK(RefreshReason(f, phone.refresh_token()) == "REFRESH_TOKEN_REVOKED");
  CHECK(RefreshReason(f, laptop.refresh_token()) == "REFRESH_TOKEN_REVOKED");
  CHECK(f.Count("token_revocations") == 1);

  // The same link again: spent, and the password stays the new one.
  std::string reason;
  CHECK(Reset(f, mail.reset_token(), "yet another passphrase", &reason) ==
        grpc::FAILED_PRECONDITION);
  CHECK(reason == "RESET_TOKEN_INVALID");
  CHECK(LoginReason(f, "rosa", kNewPassword).empty());
  CHECK(ChangeNotices(f).size() == 1);
}

TEST_CASE("an address no account has gets the same answer and nothing is written") {
  UserServiceFixture f;
  f.MakeUser("tomas");
  CHECK(RequestReset(f, "nobody@example.com") == grpc::OK);
  CHECK(ResetMails(f).empty());
  CHECK(f.Count("password_resets") == 0);
  for (const char* bad : {"", "not-an-address", "a@b", "x@example.com\r\nBcc: y@example.com"}) {
    std::string reason;
    CHECK(RequestReset(f, bad, &reason) == grpc::INVALID_ARGUMENT);
    CHECK(reason == "EMAIL_INVALID");
  }
  CHECK(RequestReset(f, std::string(300, 'a') + "@example.com") == grpc::INVALID_ARGUMENT);
  CHECK(ResetMails(f).empty());
}

TEST_CASE("an account gets at most three reset e-mails an hour, and one reset spends them all") {
  UserServiceFixture f;
  f.MakeUser("ursula");
  for (int i = 0; i < 5; ++i) REQUIRE(RequestReset(f, "ursula@example.com") == grpc::OK);
  auto mails = ResetMails(f);
  REQUIRE(mails.size() == 3);
  CHECK(f.Count("password_resets") == 3);
  CHECK(mails[0].reset_token() != mails[1].reset_token());
  REQUIRE(Reset(f, mails[1].reset_token(), kNewPassword) == grpc::OK);
  for (const auto& other : {mails[0], mails[2]}) {
    std::string reason;
    CHECK(Reset(f, other.reset_token(), "yet another passphrase", &reason) ==
          grpc::FAILED_PRECONDITION);
    CHECK(reason == "RESET_TOKEN_INVALID");
  }
  CHECK(LoginReason(f, "ursula", kNewPassword).empty());
  // An hour later the allowance is back.
  f.Exec("UPDATE password_resets SET created_at = created_at - interval '61 minutes'");
  REQUIRE(RequestReset(f, "ursula@example.com") == grpc::OK);
  CHECK(ResetMails(f).size() == 4);
}

TEST_CASE("an expired, unknown or malformed link is refused and changes nothing") {
  UserServiceFixture f;
  f.MakeUser("vera");
  v1::TokenPair session = f.LoginAs("vera");
  REQUIRE(RequestReset(f, "vera@example.com") == grpc::OK);
  const std::string token = ResetMails(f).at(0).reset_token();
  f.Exec("UPDATE password_resets SET expires_at = now() - interval '1 second'");
  std::string reason;
  CHECK(Reset(f, token, kNewPassword, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "RESET_TOKEN_EXPIRED");
  CHECK(Reset(f, shopcast::ids::NewSecret(32), kNewPassword, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "RESET_TOKEN_INVALID");
  for (const std::string& bad : {std::string(), std::string("short"), token + "x",
                                 token.substr(0, 42) + "!", std::string(4096, 'a')}) {
    CHECK(Reset(f, bad, kNewPassword, &reason) == grpc::INVALID_ARGUMENT);
    CHECK(reason == "RESET_TOKEN_INVALID");
  }
  CHECK(LoginReason(f, "vera", kPassword).empty());
  CHECK(RefreshReason(f, session.refresh_token()).empty());
  CHECK(f.Count("token_revocations") == 0);
  CHECK(ChangeNotices(f).empty());
}

TEST_CASE("a weak new password is refused on its field and leaves the link usable") {
  UserServiceFixture f;
  f.MakeUser("wanda");
  REQUIRE(RequestReset(f, "wanda@example.com") == grpc::OK);
  const std::string token = ResetMails(f).at(0).reset_token();
  std::string reason;
  CHECK(Reset(f, token, "short", &reason) == grpc::INVALID_ARGUMENT);
  CHECK(reason == "PASSWORD_TOO_SHORT");
  CHECK(Reset(f, token, "wanda wanda wanda", &reason) == grpc::INVALID_ARGUMENT);
  CHECK(reason == "WEAK_PASSWORD");
  CHECK(LoginReason(f, "wanda", kPassword).empty());
  CHECK(ChangeNotices(f).empty());
  CHECK(Reset(f, token, kNewPassword) == grpc::OK);
  CHECK(LoginReason(f, "wanda", kNewPassword).empty());
}

TEST_CASE("a password change spends the reset links mailed before it") {
  UserServiceFixture f;
  const std::string id = f.MakeUser("xenia");
  REQUIRE(RequestReset(f, "xenia@example.com") == grpc::OK);
  const std::string token = ResetMails(f).at(0).reset_token();
  const shopcast::auth::Caller caller = ViewerCaller(id);
  // A refused change (wrong current password) changes nothing and tells nobody.
  CHECK(!f.accounts()
             .ChangePassword(caller, "not my password", "a changed passphrase", "192.0.2.1")
             .ok());
  CHECK(ChangeNotices(f).empty());
  REQUIRE(f.accounts().ChangePassword(caller, kPassword, "a changed passphrase", "192.0.2.1").ok());
  auto notices = ChangeNotices(f);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].user_id() == id);
  CHECK(notices[0].email() == "xenia@example.com");
  CHECK(notices[0].how() == v1::PasswordChanged::HOW_CHANGED);
  std::string reason;
  CHECK(Reset(f, token, kNewPassword, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "RESET_TOKEN_INVALID");
  CHECK(LoginReason(f, "xenia", "a changed passphrase").empty());
  CHECK(ChangeNotices(f).size() == 1);
}

TEST_CASE("two uses of one link at once: exactly one sets the password") {
  UserServiceFixture f;
  f.MakeUser("yara");
  REQUIRE(RequestReset(f, "yara@example.com") == grpc::OK);
  const std::string token = ResetMails(f).at(0).reset_token();
  absl::Status a, b;
  std::thread first([&] { a = f.accounts().ResetPassword(token, "the first passphrase"); });
  std::thread second([&] { b = f.accounts().ResetPassword(token, "the second passphrase"); });
  first.join();
  second.join();
  CHECK(a.ok() != b.ok());
  const std::string winner = a.ok() ? "the first passphrase" : "the second passphrase";
  const std::string loser = a.ok() ? "the second passphrase" : "the first passphrase";
  CHECK(LoginReason(f, "yara", winner).empty());
  CHECK(LoginReason(f, "yara", loser) == "INVALID_CREDENTIALS");
  CHECK(f.Count("token_revocations") == 1);
  CHECK(ChangeNotices(f).size() == 1);
}

TEST_CASE("a deleted account's reset link no longer works") {
  UserServiceFixture f;
  const std::string id = f.MakeUser("zelda");
  REQUIRE(RequestReset(f, "zelda@example.com") == grpc::OK);
  const std::string token = ResetMails(f).at(0).reset_token();
  REQUIRE(f.accounts().DeleteAccount(ViewerCaller(id), id).ok());
  std::string reason;
  CHECK(Reset(f, token, kNewPassword, &reason) == grpc::FAILED_PRECONDITION);
  CHECK(reason == "RESET_TOKEN_INVALID");
  CHECK(f.Count("password_resets") == 0);
}
