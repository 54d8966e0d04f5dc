// Impersonation by look-alike text: display names and usernames that read like another
// account's username or a staff name, bidirectional controls, and invisible names.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "shopcast/text/lookalike.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;

namespace {

// Registers `username` with `display_name`; "OK" or the refusal's reason.
std::string Register(UserServiceFixture& f, const std::string& username,
                     const std::string& display_name) {
  v1::RegisterRequest req;
  req.set_username(username);
  req.set_email(username + "@example.com");
  req.set_password(kPassword);
  req.set_display_name(display_name);
  v1::RegisterResponse res;
  auto ctx = Ctx();
  grpc::Status st = f.stub().Register(ctx.get(), req, &res);
  if (st.ok()) return "OK";
  CHECK((st.error_code() == grpc::INVALID_ARGUMENT || st.error_code() == grpc::ALREADY_EXISTS));
  return ReasonOf(*ctx);
}

std::string Rename(UserServiceFixture& f, const std::string& token, const std::string& name) {
  v1::UpdateProfileRequest req;
  req.mutable_profile()->set_display_name(name);
  req.mutable_update_mask()->add_paths("display_name");
  v1::UpdateProfileResponse res;
  auto ctx = Ctx(token);
  grpc::Status st = f.stub().UpdateProfile(ctx.get(), req, &res);
  return st.ok() ? "OK" : ReasonOf(*ctx);
}

}  // namespace

TEST_CASE("display names that read like another account's username are refused") {
  UserServiceFixture f;
  f.MakeUser("demo_admin");
  const int64_t users = f.Count("users");
  for (const std::string& name : {
           std::string("demo_admin"),
           std::string("Demo Admin"),
           std::string("DEMO_ADMIN"),
           std::string("d\xd0\xb5m\xd0\xbe_\xd0\xb0"
                       "dmin"),  // Cyrillic е, о, а
           std::string("demo_adrnin"),
       }) {
    INFO(name);
    CHECK(Register(f, "mallory", name) == "DISPLAY_NAME_CONFUSABLE");
  }
  CHECK(f.Count("users") == users);
  // Renaming into it is refused too; the owner may use their own name in any spelling.
  const std::string mallory = f.TokenFor("mallory", shopcast::auth::Role::kViewer);
  CHECK(Rename(f, mallory,
               "d\xd0\xb5m\xd0\xbe_\xd0\xb0"
               "dmin") == "DISPLAY_NAME_CONFUSABLE");
  CHECK(Rename(f, mallory, "Mallory the Great") == "OK");
  const std::string owner = f.LoginAs("demo_admin").access_token();
  CHECK(Rename(f, owner, "Demo Admin") == "OK");
}

TEST_CASE("usernames that read like another account's username are refused") {
  UserServiceFixture f;
  f.MakeUser("demo_admin");
  CHECK(Register(f, "demo_adrnin", "Someone") == "USERNAME_CONFUSABLE");
  CHECK(Register(f, "demo.admin", "Someone") == "USERNAME_CONFUSABLE");
  CHECK(Register(f, "DEMO_ADMIN", "Someone") == "USERNAME_TAKEN");
  CHECK(f.Count("users") == 1);
  CHECK(f.Count("notification_preferences") == 1);
}

TEST_CASE("staff names, bidirectional controls and invisible names are refused") {
  UserServiceFixture f;
  struct Case {
    std::string display_name, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"Admin", "DISPLAY_NAME_RESERVED"},
           {"\xd0\x90"
            "dmin",
            "DISPLAY_NAME_RESERVED"},  // Cyrillic А
           {"ShopCast", "DISPLAY_NAME_RESERVED"},
           {"S u p p o r t", "DISPLAY_NAME_RESERVED"},
           {"evil\xe2\x80\xae"
            "nimda",
            "DISPLAY_NAME_INVALID"},                              // right-to-left override
           {"\xe2\x80\x8b\xe2\x80\x8b", "DISPLAY_NAME_INVALID"},  // zero-width spaces
           {"\xc2\xa0\xc2\xa0\xc2\xa0", "DISPLAY_NAME_INVALID"},  // no-break spaces
           {"\xe3\x85\xa4", "DISPLAY_NAME_INVALID"},              // Hangul filler
       }) {
    INFO(c.display_name);
    CHECK(Register(f, "mallory", c.display_name) == c.reason);
  }
  CHECK(Register(f, "admin", "") == "USERNAME_RESERVED");
  CHECK(Register(f, "shopcast", "Anything") == "USERNAME_RESERVED");
  CHECK(f.Count("users") == 0);
  // Names in any script are fine.
  CHECK(Register(f, "anna", "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0") == "OK");
  CHECK(Register(f, "rami", "\xd8\xb1\xd8\xa7\xd9\x85\xd9\x8a") == "OK");
}

TEST_CASE("accounts from before look-alike keys are caught once the service fills them in") {
  UserServiceFixture f;
  f.MakeUser("old_timer");
  f.Exec("UPDATE users SET username_lookalike = NULL");  // as a row from before V005
  CHECK(Register(f, "newbie", "old_timer") == "OK");     // nothing to compare with yet
  auto filled = f.store().FillMissingLookalikes(
      [](absl::string_view u) { return shopcast::text::LookalikeKey(u); });
  REQUIRE(filled.ok());
  CHECK(*filled == 1);
  CHECK(Register(f, "newer", "old_timer") == "DISPLAY_NAME_CONFUSABLE");
  CHECK(Register(f, "o1d_timer", "Someone") == "USERNAME_CONFUSABLE");
}
