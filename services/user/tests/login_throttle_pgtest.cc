// The login throttle against a real PostgreSQL, from chosen client addresses: it slows a
// guesser (one address, or many) without locking the owner out of the address they use.
#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
using shopcast::ReasonOf;
using shopcast::user::Accounts;

namespace {

constexpr char kHome[] = "198.51.100.7";     // where the owner logs in
constexpr char kGuesser[] = "203.0.113.66";  // one attacker address
constexpr char kWrong[] = "not the password!";

// "OK", or the reason the login was refused.
std::string Login(Accounts& a, const std::string& login, const std::string& pw,
                  const std::string& address) {
  auto r = a.Login(login, pw, address);
  return r.ok() ? "OK" : ReasonOf(r.status());
}

// The default policies' shape with long delays: a loaded test machine takes seconds between
// calls, and a block must not run out between the failure that set it and the check.
shopcast::user::AccountsOptions SlowClockOptions() {
  shopcast::user::AccountsOptions o;
  o.pair_throttle.base_delay = absl::Minutes(10);
  o.account_throttle.base_delay = absl::Seconds(30);
  o.address_throttle.base_delay = absl::Minutes(10);
  REQUIRE(o.pair_throttle.free_failures == 5);
  REQUIRE(o.account_throttle.free_failures == 20);
  REQUIRE(o.account_throttle.max_delay == absl::Minutes(1));
  REQUIRE(o.address_throttle.free_failures == 20);
  return o;
}

int64_t RetryAfterMs(Accounts& a, const std::string& login, const std::string& address) {
  auto r = a.Login(login, kPassword, address);
  REQUIRE_FALSE(r.ok());
  auto payload = r.status().GetPayload("type.shopcast.dev/retry_after_ms");
  REQUIRE(payload.has_value());
  int64_t ms = 0;
  REQUIRE(absl::SimpleAtoi(std::string(*payload), &ms));
  return ms;
}

}  // namespace

TEST_CASE("a guesser cannot lock the owner out of the address they log in from") {
  UserServiceFixture f(SlowClockOptions());
  f.MakeUser("carol");
  Accounts& a = f.accounts();
  REQUIRE(Login(a, "carol", kPassword, kHome) == "OK");  // the owner's usual address

  // One address guessing: five free failures, then it waits, even with the right password.
  for (int i = 0; i < 5; ++i) REQUIRE(Login(a, "carol", kWrong, kGuesser) == "INVALID_CREDENTIALS");
  CHECK(Login(a, "carol", kWrong, kGuesser) == "INVALID_CREDENTIALS");  // the sixth blocks
  CHECK(Login(a, "carol", kPassword, kGuesser) == "LOGIN_THROTTLED");
  // The owner at home is not affected.
  CHECK(Login(a, "carol", kPassword, kHome) == "OK");

  // Many addresses guessing together pass the account-wide limit (six failures above, fifteen
  // here make 21): a login from an address the account has never used now waits too, but only
  // briefly (never a lock)...
  for (int i = 1; i <= 15; ++i) {
    REQUIRE(Login(a, "carol", kWrong, absl::StrCat("192.0.2.", i)) == "INVALID_CREDENTIALS");
  }
  CHECK(Login(a, "carol", kPassword, "192.0.2.200") == "LOGIN_THROTTLED");
  int64_t wait = RetryAfterMs(a, "carol", "192.0.2.201");
  CHECK(wait > 0);
  CHECK(wait <= 60 * 1000);
  // ...while the owner's usual address still gets in at once.
  CHECK(Login(a, "carol", kPassword, kHome) == "OK");
  CHECK(Login(a, "carol@example.com", kPassword, kHome) == "OK");
}

TEST_CASE("logging in by e-mail does not get past a username's throttle, nor the reverse") {
  UserServiceFixture f(SlowClockOptions());
  f.MakeUser("dave");
  Accounts& a = f.accounts();
  for (int i = 0; i < 6; ++i) REQUIRE(Login(a, "dave", kWrong, kGuesser) == "INVALID_CREDENTIALS");
  CHECK(Login(a, "dave@example.com", kPassword, kGuesser) == "LOGIN_THROTTLED");
  CHECK(Login(a, "DAVE@Example.com", kPassword, kGuesser) == "LOGIN_THROTTLED");

  f.MakeUser("erin");
  for (int i = 0; i < 6; ++i) {
    REQUIRE(Login(a, "erin@example.com", kWrong, kGuesser) == "INVALID_CREDENTIALS");
  }
  CHECK(Login(a, "erin", kPassword, kGuesser) == "LOGIN_THROTTLED");
}

TEST_CASE("unknown logins are throttled like real ones, so the throttle reveals no accounts") {
  UserServiceFixture f(SlowClockOptions());
  f.MakeUser("frank");
  Accounts& a = f.accounts();
  for (int i = 0; i < 6; ++i) {
    REQUIRE(Login(a, "frank", kWrong, kGuesser) == "INVALID_CREDENTIALS");
    REQUIRE(Login(a, "nobody_here", kWrong, kGuesser) == "INVALID_CREDENTIALS");
  }
  CHECK(Login(a, "frank", kWrong, kGuesser) == "LOGIN_THROTTLED");
  CHECK(Login(a, "nobody_here", kWrong, kGuesser) == "LOGIN_THROTTLED");
}

TEST_CASE("registrations are limited per address, before any password is hashed") {
  UserServiceFixture f;
  auto reg = [&](const std::string& name, const std::string& address) {
    shopcast::user::RegisterInput in;
    in.username = name;
    in.email = name + "@example.com";
    in.password = kPassword;
    in.client_address = address;
    auto r = f.accounts().Register(in);
    return r.ok() ? std::string("OK") : ReasonOf(r.status());
  };
  for (int i = 0; i < 10; ++i) REQUIRE(reg(absl::StrCat("bulk", i, "x"), kGuesser) == "OK");
  CHECK(reg("bulk_more", kGuesser) == "REGISTRATION_THROTTLED");
  CHECK(f.Count("users") == 10);
  // Another address is not affected.
  CHECK(reg("neighbour", kHome) == "OK");

  // Over gRPC the caller's address is the peer's: the eleventh from 127.0.0.1 is refused.
  int refused = 0;
  for (int i = 0; i < 11; ++i) {
    shopcast::user::v1::RegisterRequest req;
    req.set_username(absl::StrCat("wire", i, "x"));
    req.set_email(absl::StrCat("wire", i, "@example.com"));
    req.set_password(kPassword);
    shopcast::user::v1::RegisterResponse res;
    auto ctx = Ctx();
    grpc::Status st = f.stub().Register(ctx.get(), req, &res);
    if (!st.ok()) {
      CHECK(st.error_code() == grpc::RESOURCE_EXHAUSTED);
      CHECK(shopcast::user::testing::ReasonOf(*ctx) == "REGISTRATION_THROTTLED");
      ++refused;
    }
  }
  CHECK(refused == 1);
}
