// The account e-mails' text: a password reset's link, an address confirmation's link, a password
// change's notice.
#include "notify/account_mail.h"

#include <catch2/catch.hpp>

namespace shopcast::realtime_push::notify {

TEST_CASE("the reset e-mail greets, gives the link on a line of its own and how long it works") {
  const EmailText t =
      PasswordResetEmail("Ada", "https://shop.example/reset-password#token=abc", absl::Minutes(30));
  CHECK(t.subject == "Reset your Shopcast password");
  CHECK(t.body.rfind("Hi Ada,\n\n", 0) == 0);
  CHECK(t.body.find("\n\nhttps://shop.example/reset-password#token=abc\n\n") != std::string::npos);
  CHECK(t.body.find("within 30 minutes") != std::string::npos);
  CHECK(t.body.find("If you did not ask, ignore this e-mail") != std::string::npos);
  CHECK(PasswordResetEmail("", "l", absl::Minutes(30)).body.rfind("Hi,\n\n", 0) == 0);
  CHECK(PasswordResetEmail("x", "l", absl::Minutes(29) + absl::Seconds(50))
            .body.find("within 30 minutes") != std::string::npos);
  CHECK(PasswordResetEmail("x", "l", absl::Hours(1)).body.find("within 1 hour:") !=
        std::string::npos);
  CHECK(PasswordResetEmail("x", "l", absl::Minutes(90)).body.find("within 1 hour 30 minutes") !=
        std::string::npos);
  CHECK(PasswordResetEmail("x", "l", absl::Seconds(5)).body.find("within 1 minute:") !=
        std::string::npos);
}

TEST_CASE("the confirmation e-mail greets, gives the link on a line of its own and its life") {
  const EmailText t =
      EmailVerificationEmail("Ada", "https://shop.example/verify-email#token=abc", absl::Hours(48));
  CHECK(t.subject == "Confirm your e-mail address for Shopcast");
  CHECK(t.body.rfind("Hi Ada,\n\n", 0) == 0);
  CHECK(t.body.find("\n\nhttps://shop.example/verify-email#token=abc\n\n") != std::string::npos);
  CHECK(t.body.find("within 48 hours") != std::string::npos);
  CHECK(t.body.find("If you did not sign up, ignore this e-mail") != std::string::npos);
}

TEST_CASE("the password-changed notice says when and how, and how to take the account back") {
  const absl::Time at = absl::FromCivil(absl::CivilMinute(2026, 12, 7, 21, 5), absl::UTCTimeZone());
  const EmailText reset =
      PasswordChangedEmail("Ada", at, true, "https://shop.example/forgot-password");
  CHECK(reset.subject == "Your Shopcast password was changed");
  CHECK(reset.body.rfind("Hi Ada,\n\n", 0) == 0);
  CHECK(reset.body.find("changed on 2026-12-07 at 21:05 UTC, with a password-reset link") !=
        std::string::npos);
  CHECK(reset.body.find("signed out") != std::string::npos);
  CHECK(reset.body.find("\n\nhttps://shop.example/forgot-password\n\n") != std::string::npos);
  const EmailText changed = PasswordChangedEmail("", at, false, "l");
  CHECK(changed.body.rfind("Hi,\n\n", 0) == 0);
  CHECK(changed.body.find("at 21:05 UTC, in the account's settings.") != std::string::npos);
  CHECK(changed.body.find("password-reset link") == std::string::npos);
}

}  // namespace shopcast::realtime_push::notify
