// The password-reset e-mail's text.
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

}  // namespace shopcast::realtime_push::notify
