// Hostile and malformed input: each case gets the right status and reason, and nothing is
// stored.
#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/testing/net.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;

namespace {

struct RegisterCase {
  const char* name;
  std::string username;
  std::string email;
  std::string password;
  std::string display_name;
  std::string reason;
};

}  // namespace

TEST_CASE("bad registrations are refused with a reason and store nothing") {
  UserServiceFixture f;
  const std::string ok_pw = kPassword;
  std::vector<RegisterCase> cases = {
      {"empty username", "", "a@example.com", ok_pw, "", "USERNAME_INVALID"},
      {"oversized username", std::string(100000, 'a'), "a@example.com", ok_pw, "",
       "USERNAME_INVALID"},
      {"SQL in username", "x'; DROP TABLE users; --", "a@example.com", ok_pw, "",
       "USERNAME_INVALID"},
      {"SQL in email", "mallory", "a'@example.com' OR 1=1 --", ok_pw, "", "EMAIL_INVALID"},
      {"empty email", "mallory", "", ok_pw, "", "EMAIL_INVALID"},
      {"oversized email", "mallory", std::string(300, 'a') + "@example.com", ok_pw, "",
       "EMAIL_INVALID"},
      {"empty password", "mallory", "m@example.com", "", "", "PASSWORD_TOO_SHORT"},
      {"short password", "mallory", "m@example.com", "hunter2", "", "PASSWORD_TOO_SHORT"},
      {"huge password", "mallory", "m@example.com", std::string(1 << 20, 'p'), "",
       "PASSWORD_TOO_LONG"},
      {"common password", "mallory", "m@example.com", "password1234", "", "WEAK_PASSWORD"},
      {"password holds username", "mallory", "m@example.com", "mallory-is-great", "",
       "WEAK_PASSWORD"},
      {"control chars in display name", "mallory", "m@example.com", ok_pw, "evil\x1b[31mred",
       "DISPLAY_NAME_INVALID"},
      {"oversized display name", "mallory", "m@example.com", ok_pw, std::string(5000, 'd'),
       "DISPLAY_NAME_INVALID"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    v1::RegisterRequest req;
    req.set_username(c.username);
    req.set_email(c.email);
    req.set_password(c.password);
    req.set_display_name(c.display_name);
    v1::RegisterResponse res;
    auto ctx = Ctx();
    grpc::Status st = f.stub().Register(ctx.get(), req, &res);
    CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(*ctx) == c.reason);
  }
  CHECK(f.Count("users") == 0);
  CHECK(f.Count("notification_preferences") == 0);
}

TEST_CASE("invalid UTF-8 in a text field is refused without reaching the database") {
  UserServiceFixture f;
  v1::RegisterRequest req;
  req.set_username("mallory");
  req.set_email("m@example.com");
  req.set_password(kPassword);
  req.set_display_name("bad \xff\xfe bytes");
  v1::RegisterResponse res;
  auto ctx = Ctx();
  grpc::Status st = f.stub().Register(ctx.get(), req, &res);
  INFO(st.error_message());
  CHECK(st.error_code() == grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*ctx) == "REQUEST_MALFORMED");
  CHECK(f.Count("users") == 0);
}

TEST_CASE("bad logins and page requests are INVALID_ARGUMENT, not server errors") {
  UserServiceFixture f;
  std::string id = f.MakeUser("olive");
  struct LoginCase {
    std::string login, password, reason;
  };
  for (const auto& c :
       std::vector<LoginCase>{{"", kPassword, "LOGIN_INVALID"},
                              {std::string(1000, 'x'), kPassword, "LOGIN_INVALID"},
                              {"olive", "", "PASSWORD_INVALID"},
                              {"olive", std::string(100000, 'p'), "PASSWORD_INVALID"},
                              // libpq would end the text at the NUL: "olive".
                              {std::string("olive\0", 6), kPassword, "LOGIN_INVALID"},
                              {std::string("olive\0junk", 10), kPassword, "LOGIN_INVALID"},
                              {"olive\n", kPassword, "LOGIN_INVALID"}}) {
    v1::LoginRequest req;
    req.set_login(c.login);
    req.set_password(c.password);
    v1::LoginResponse res;
    auto ctx = Ctx();
    CHECK(f.stub().Login(ctx.get(), req, &res).error_code() == grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(*ctx) == c.reason);
  }

  struct PageCase {
    std::string user_id;
    int page_size;
    std::string token;
    std::string reason;
  };
  for (const auto& c : std::vector<PageCase>{
           {id, -1, "", "PAGE_SIZE_INVALID"},
           {id, 101, "", "PAGE_SIZE_INVALID"},
           {id, INT32_MAX, "", "PAGE_SIZE_INVALID"},
           {id, INT32_MIN, "", "PAGE_SIZE_INVALID"},
           {id, 10, "not-a-token", "PAGE_TOKEN_INVALID"},
           {id, 10, std::string(10000, 'A'), "PAGE_TOKEN_INVALID"},
           // Forged cursors in the old unsigned format: an id that is not UTF-8, and keys of
           // ±2^63, reached PostgreSQL and came back INTERNAL.
           {id, 10, absl::WebSafeBase64Escape("v1|fr|" + id + "|5|\xff\xfe"), "PAGE_TOKEN_INVALID"},
           {id, 10, absl::WebSafeBase64Escape("v1|fr|" + id + "|-9223372036854775808|" + id),
            "PAGE_TOKEN_INVALID"},
           {id, 10, absl::WebSafeBase64Escape("v1|fr|" + id + "|9223372036854775807|\x01"),
            "PAGE_TOKEN_INVALID"},
           {"", 10, "", "USER_ID_INVALID"},
           {"usr_'; DROP TABLE follows; --", 10, "", "USER_ID_INVALID"},
           {"prd_00000000000000000000000000", 10, "", "USER_ID_INVALID"},
       }) {
    INFO(c.user_id.substr(0, 40) << " " << c.page_size);
    v1::ListFollowersRequest req;
    req.set_user_id(c.user_id);
    req.mutable_page()->set_page_size(c.page_size);
    req.mutable_page()->set_page_token(c.token);
    v1::ListFollowersResponse res;
    auto ctx = Ctx();
    CHECK(f.stub().ListFollowers(ctx.get(), req, &res).error_code() == grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(*ctx) == c.reason);
  }
  CHECK(f.Count("follows") == 0);
}

TEST_CASE("expired, forged, alg-none and wrong-audience tokens are refused") {
  UserServiceFixture f;
  std::string id = f.MakeUser("peggy");
  auto now = absl::Now();
  auto issue = [&](const shopcast::auth::SigningKey& key, const std::string& iss,
                   const std::string& aud, absl::Time at) {
    shopcast::auth::TokenIssuer issuer(key, iss, aud, absl::Minutes(15));
    return issuer.Issue(id, shopcast::auth::Role::kAdmin, at).value().token;
  };
  auto forged_key = shopcast::auth::GenerateSigningKey(f.key().kid).value();  // same kid
  auto b64 = [](const std::string& s) { return absl::WebSafeBase64Escape(s); };
  std::string claims =
      absl::StrCat(R"({"sub":")", id, R"(","role":"admin","iss":")", kIssuer, R"(","aud":")",
                   kAudience, R"(","iat":)", absl::ToUnixSeconds(now), R"(,"exp":)",
                   absl::ToUnixSeconds(now) + 600, R"(,"jti":"jti_x"})");
  std::string alg_none = b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(claims) + ".";
  std::string alg_hs =
      b64(absl::StrCat(R"({"alg":"HS256","typ":"JWT","kid":")", f.key().kid, R"("})")) + "." +
      b64(claims) + "." + b64("not-a-real-mac");

  struct TokenCase {
    const char* name;
    std::string token;
    std::string reason;
  };
  std::vector<TokenCase> cases = {
      {"expired", issue(f.key(), kIssuer, kAudience, now - absl::Hours(2)), "TOKEN_EXPIRED"},
      {"forged signature", issue(forged_key, kIssuer, kAudience, now), "TOKEN_BAD_SIGNATURE"},
      {"alg none", alg_none, "TOKEN_ALG_NOT_ALLOWED"},
      {"alg HS256", alg_hs, "TOKEN_ALG_NOT_ALLOWED"},
      {"wrong audience", issue(f.key(), kIssuer, "another-app", now), "TOKEN_WRONG_AUDIENCE"},
      {"wrong issuer", issue(f.key(), "someone-else", kAudience, now), "TOKEN_WRONG_ISSUER"},
      {"garbage", "definitely.not.ajwt", "TOKEN_MALFORMED"},
      {"over 8 KiB", std::string(12 * 1024, 'a'), "TOKEN_MALFORMED"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    v1::GetMeResponse me;
    auto ctx = Ctx(c.token);
    CHECK(f.stub().GetMe(ctx.get(), {}, &me).error_code() == grpc::UNAUTHENTICATED);
    CHECK(ReasonOf(*ctx) == c.reason);
    CHECK(me.user().id().empty());
  }
  // And the genuine article works.
  v1::GetMeResponse me;
  auto ctx = Ctx(issue(f.key(), kIssuer, kAudience, now));
  CHECK(f.stub().GetMe(ctx.get(), {}, &me).ok());

  // Headers beyond the transport's bound never reach a handler. The transport may close the
  // connection over it, so this goes on a channel of its own.
  auto own = v1::UserService::NewStub(shopcast::testing::LocalChannel(f.grpc_port()));
  v1::GetMeResponse huge;
  auto huge_ctx = Ctx(std::string(64 * 1024, 'a'));
  CHECK(own->GetMe(huge_ctx.get(), {}, &huge).error_code() == grpc::RESOURCE_EXHAUSTED);
}
