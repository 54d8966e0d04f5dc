// Every user RPC, called over gRPC against the real service and a real PostgreSQL.
#include <catch2/catch.hpp>

#include "google/rpc/status.pb.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/common/v1/error.pb.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;
using shopcast::auth::Role;

TEST_CASE("register, log in, and see yourself") {
  UserServiceFixture f;
  v1::RegisterRequest reg;
  reg.set_username("Chef_Ana");
  reg.set_email("Ana@Example.com");
  reg.set_password(kPassword);
  reg.set_display_name("Chef Ana");
  v1::RegisterResponse reg_res;
  auto c1 = Ctx();
  REQUIRE(f.stub().Register(c1.get(), reg, &reg_res).ok());
  CHECK(reg_res.user().username() == "chef_ana");
  CHECK(reg_res.user().role() == v1::ROLE_VIEWER);
  CHECK(reg_res.user().id().rfind("usr_", 0) == 0);

  // Log in by email, in another case: both are case-insensitive.
  v1::LoginRequest login;
  login.set_login("ANA@example.COM");
  login.set_password(kPassword);
  v1::LoginResponse login_res;
  auto c2 = Ctx();
  REQUIRE(f.stub().Login(c2.get(), login, &login_res).ok());
  CHECK(login_res.user().id() == reg_res.user().id());
  CHECK_FALSE(login_res.tokens().refresh_token().empty());

  v1::GetMeResponse me;
  auto c3 = Ctx(login_res.tokens().access_token());
  REQUIRE(f.stub().GetMe(c3.get(), v1::GetMeRequest(), &me).ok());
  CHECK(me.user().display_name() == "Chef Ana");
  CHECK(me.email() == "ana@example.com");

  // The password is stored only as an Argon2id hash.
  CHECK(f.Count("users") == 1);
}

TEST_CASE("usernames and emails are unique, case-insensitively") {
  UserServiceFixture f;
  f.MakeUser("bob");
  v1::RegisterRequest req;
  req.set_username("BOB");
  req.set_email("other@example.com");
  req.set_password(kPassword);
  v1::RegisterResponse res;
  auto c1 = Ctx();
  grpc::Status taken = f.stub().Register(c1.get(), req, &res);
  CHECK(taken.error_code() == grpc::ALREADY_EXISTS);
  CHECK(ReasonOf(*c1) == "USERNAME_TAKEN");
  // The same reason, typed, in the standard status details.
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(taken.error_details()));
  shopcast::common::v1::ErrorInfo info;
  REQUIRE(details.details_size() == 1);
  REQUIRE(details.details(0).UnpackTo(&info));
  CHECK(info.reason() == "USERNAME_TAKEN");
  CHECK(info.field() == "username");

  req.set_username("robert");
  req.set_email("BOB@example.com");
  auto c2 = Ctx();
  CHECK(f.stub().Register(c2.get(), req, &res).error_code() == grpc::ALREADY_EXISTS);
  CHECK(ReasonOf(*c2) == "EMAIL_TAKEN");
  CHECK(f.Count("users") == 1);
  CHECK(f.Count("notification_preferences") == 1);
}

TEST_CASE("wrong user and wrong password look the same, and repeated failures are throttled") {
  // A long first delay: the block must outlast a slow test machine's next call.
  shopcast::user::AccountsOptions options;
  options.pair_throttle.base_delay = absl::Minutes(10);
  UserServiceFixture f(options);
  f.MakeUser("carol");
  auto attempt = [&](const std::string& login, const std::string& pw, std::string* reason) {
    v1::LoginRequest req;
    req.set_login(login);
    req.set_password(pw);
    v1::LoginResponse res;
    auto ctx = Ctx();
    grpc::Status st = f.stub().Login(ctx.get(), req, &res);
    *reason = ReasonOf(*ctx);
    return st;
  };
  std::string r1, r2;
  grpc::Status wrong_pw = attempt("carol", "not the password!", &r1);
  grpc::Status no_user = attempt("nobody_here", "not the password!", &r2);
  CHECK(wrong_pw.error_code() == grpc::UNAUTHENTICATED);
  CHECK(no_user.error_code() == grpc::UNAUTHENTICATED);
  CHECK(wrong_pw.error_message() == no_user.error_message());
  CHECK(r1 == "INVALID_CREDENTIALS");
  CHECK(r2 == "INVALID_CREDENTIALS");

  // Five free failures on the account (one used above), then a growing delay.
  for (int i = 0; i < 5; ++i) attempt("carol", "not the password!", &r1);
  grpc::Status blocked = attempt("carol", kPassword, &r1);  // even the right password waits
  CHECK(blocked.error_code() == grpc::RESOURCE_EXHAUSTED);
  CHECK(r1 == "LOGIN_THROTTLED");
  // Another account from the same address is not blocked by carol's counter.
  f.MakeUser("dave");
  CHECK(attempt("dave", kPassword, &r2).ok());
}

TEST_CASE("refresh tokens rotate, and reusing a spent one revokes the family") {
  UserServiceFixture f;
  f.MakeUser("erin");
  v1::TokenPair first = f.LoginAs("erin");
  v1::TokenPair other_session = f.LoginAs("erin");

  auto refresh = [&](const std::string& token, v1::TokenPair* out, std::string* reason) {
    v1::RefreshRequest req;
    req.set_refresh_token(token);
    v1::RefreshResponse res;
    auto ctx = Ctx();
    grpc::Status st = f.stub().Refresh(ctx.get(), req, &res);
    if (out != nullptr) *out = res.tokens();
    *reason = ReasonOf(*ctx);
    return st;
  };
  std::string reason;
  v1::TokenPair second;
  REQUIRE(refresh(first.refresh_token(), &second, &reason).ok());
  CHECK(second.refresh_token() != first.refresh_token());
  CHECK_FALSE(second.access_token().empty());

  // The spent token comes back: the thief and the victim both lose the family.
  CHECK(refresh(first.refresh_token(), nullptr, &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "REFRESH_TOKEN_REUSED");
  CHECK(refresh(second.refresh_token(), nullptr, &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "REFRESH_TOKEN_REVOKED");
  // Another login's family is untouched.
  v1::TokenPair other_next;
  CHECK(refresh(other_session.refresh_token(), &other_next, &reason).ok());

  CHECK(refresh("never-issued", nullptr, &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "REFRESH_TOKEN_INVALID");
}

TEST_CASE("logout revokes the session, or all sessions") {
  UserServiceFixture f;
  f.MakeUser("frank");
  v1::TokenPair a = f.LoginAs("frank");
  v1::TokenPair b = f.LoginAs("frank");
  v1::TokenPair c = f.LoginAs("frank");
  auto logout = [&](const std::string& token, bool all) {
    v1::LogoutRequest req;
    req.set_refresh_token(token);
    req.set_all_sessions(all);
    v1::LogoutResponse res;
    auto ctx = Ctx();
    return f.stub().Logout(ctx.get(), req, &res);
  };
  auto can_refresh = [&](const std::string& token) {
    v1::RefreshRequest req;
    req.set_refresh_token(token);
    v1::RefreshResponse res;
    auto ctx = Ctx();
    return f.stub().Refresh(ctx.get(), req, &res).ok();
  };
  REQUIRE(logout(a.refresh_token(), false).ok());
  CHECK(logout(a.refresh_token(), false).ok());  // idempotent
  CHECK_FALSE(can_refresh(a.refresh_token()));
  REQUIRE(logout(b.refresh_token(), true).ok());
  CHECK_FALSE(can_refresh(b.refresh_token()));
  CHECK_FALSE(can_refresh(c.refresh_token()));
}

TEST_CASE("a password change needs the token and the current password, and ends other sessions") {
  UserServiceFixture f;
  f.MakeUser("paula");
  v1::TokenPair phone = f.LoginAs("paula");
  v1::TokenPair laptop = f.LoginAs("paula");
  auto change = [&](const std::string& token, const std::string& current, const std::string& fresh,
                    v1::ChangePasswordResponse* res, std::string* reason) {
    v1::ChangePasswordRequest req;
    req.set_current_password(current);
    req.set_new_password(fresh);
    auto ctx = Ctx(token);
    grpc::Status s = f.stub().ChangePassword(ctx.get(), req, res);
    *reason = ReasonOf(*ctx);
    return s.error_code();
  };
  v1::ChangePasswordResponse res;
  std::string reason;
  CHECK(change("", kPassword, "a brand new passphrase", &res, &reason) == grpc::UNAUTHENTICATED);
  CHECK(change(phone.access_token(), "wrong password here", "a brand new passphrase", &res,
               &reason) == grpc::INVALID_ARGUMENT);
  CHECK(reason == "CURRENT_PASSWORD_WRONG");
  REQUIRE(change(phone.access_token(), kPassword, "a brand new passphrase", &res, &reason) ==
          grpc::OK);
  CHECK_FALSE(res.tokens().access_token().empty());
  CHECK_FALSE(res.tokens().refresh_token().empty());
  CHECK(res.tokens().refresh_token_expires_at().seconds() > 0);

  auto refresh = [&](const std::string& token) {
    v1::RefreshRequest req;
    req.set_refresh_token(token);
    v1::RefreshResponse out;
    auto ctx = Ctx();
    return f.stub().Refresh(ctx.get(), req, &out).ok() ? std::string() : ReasonOf(*ctx);
  };
  CHECK(refresh(laptop.refresh_token()) == "REFRESH_TOKEN_REVOKED");
  CHECK(refresh(phone.refresh_token()) == "REFRESH_TOKEN_REVOKED");
  CHECK(refresh(res.tokens().refresh_token()).empty());  // the caller's new session
  v1::GetMeResponse me;
  auto ctx = Ctx(res.tokens().access_token());
  CHECK(f.stub().GetMe(ctx.get(), v1::GetMeRequest(), &me).ok());
  CHECK(me.user().username() == "paula");
}

TEST_CASE("profiles: anyone reads them, only the owner changes them, by field mask") {
  UserServiceFixture f;
  std::string token = f.TokenFor("gina", Role::kViewer);
  v1::UpdateProfileRequest req;
  req.mutable_update_mask()->add_paths("bio");
  req.mutable_update_mask()->add_paths("avatar_url");
  req.mutable_profile()->set_bio("I sell vintage cameras");
  req.mutable_profile()->set_avatar_url("https://cdn.example.com/g.png");
  req.mutable_profile()->set_display_name("IGNORED: not in the mask");
  v1::UpdateProfileResponse res;
  auto c1 = Ctx(token);
  REQUIRE(f.stub().UpdateProfile(c1.get(), req, &res).ok());
  CHECK(res.user().bio() == "I sell vintage cameras");
  CHECK(res.user().display_name() == "gina");

  v1::GetUserRequest get;
  get.set_username("GINA");
  v1::GetUserResponse got;
  auto c2 = Ctx();
  REQUIRE(f.stub().GetUser(c2.get(), get, &got).ok());
  CHECK(got.user().avatar_url() == "https://cdn.example.com/g.png");

  get.set_user_id("usr_00000000000000000000000000");
  auto c3 = Ctx();
  CHECK(f.stub().GetUser(c3.get(), get, &got).error_code() == grpc::NOT_FOUND);
  CHECK(ReasonOf(*c3) == "USER_NOT_FOUND");

  auto c4 = Ctx();  // no token
  CHECK(f.stub().UpdateProfile(c4.get(), req, &res).error_code() == grpc::UNAUTHENTICATED);
  CHECK(ReasonOf(*c4) == "TOKEN_MISSING");
}

TEST_CASE("only an admin grants the host role") {
  UserServiceFixture f;
  std::string admin_id, viewer_id;
  std::string admin = f.TokenFor("root_admin", Role::kAdmin, &admin_id);
  std::string viewer = f.TokenFor("hopeful", Role::kViewer, &viewer_id);
  v1::SetRoleRequest req;
  req.set_user_id(viewer_id);
  req.set_role(v1::ROLE_HOST);
  v1::SetRoleResponse res;
  auto c1 = Ctx(viewer);
  CHECK(f.stub().SetRole(c1.get(), req, &res).error_code() == grpc::PERMISSION_DENIED);
  CHECK(ReasonOf(*c1) == "ROLE_REQUIRED");

  auto c2 = Ctx(admin);
  REQUIRE(f.stub().SetRole(c2.get(), req, &res).ok());
  CHECK(res.user().role() == v1::ROLE_HOST);
  // The next login's token carries the new role.
  v1::GetMeResponse me;
  auto c3 = Ctx(f.LoginAs("hopeful").access_token());
  REQUIRE(f.stub().GetMe(c3.get(), v1::GetMeRequest(), &me).ok());
  CHECK(me.user().role() == v1::ROLE_HOST);

  req.set_user_id(admin_id);
  req.set_role(v1::ROLE_VIEWER);
  auto c4 = Ctx(admin);
  CHECK(f.stub().SetRole(c4.get(), req, &res).error_code() == grpc::FAILED_PRECONDITION);
  CHECK(ReasonOf(*c4) == "CANNOT_DEMOTE_SELF");
}

TEST_CASE("follows are idempotent, never of yourself, and list newest first in pages") {
  UserServiceFixture f;
  std::string host_id;
  f.TokenFor("star_host", Role::kHost, &host_id);
  std::vector<std::string> fans;
  for (int i = 0; i < 5; ++i) {
    std::string id;
    std::string token = f.TokenFor("fan" + std::to_string(i), Role::kViewer, &id);
    fans.push_back(id);
    v1::FollowRequest req;
    req.set_user_id(host_id);
    v1::FollowResponse res;
    auto c1 = Ctx(token);
    REQUIRE(f.stub().Follow(c1.get(), req, &res).ok());
    auto c2 = Ctx(token);
    REQUIRE(f.stub().Follow(c2.get(), req, &res).ok());  // again: no error, no duplicate
    if (i == 0) {
      req.set_user_id(id);
      auto c3 = Ctx(token);
      CHECK(f.stub().Follow(c3.get(), req, &res).error_code() == grpc::INVALID_ARGUMENT);
      CHECK(ReasonOf(*c3) == "SELF_FOLLOW");
    }
  }
  CHECK(f.Count("follows") == 5);

  std::vector<std::string> seen;
  std::string page_token;
  int pages = 0;
  do {
    v1::ListFollowersRequest req;
    req.set_user_id(host_id);
    req.mutable_page()->set_page_size(2);
    req.mutable_page()->set_page_token(page_token);
    v1::ListFollowersResponse res;
    auto ctx = Ctx();
    REQUIRE(f.stub().ListFollowers(ctx.get(), req, &res).ok());
    for (const auto& u : res.users()) seen.push_back(u.id());
    page_token = res.page().next_page_token();
    ++pages;
  } while (!page_token.empty() && pages < 10);
  CHECK(pages == 3);
  REQUIRE(seen.size() == 5);
  CHECK(seen.front() == fans.back());  // newest first
  CHECK(seen.back() == fans.front());

  v1::GetUserRequest get;
  get.set_user_id(host_id);
  v1::GetUserResponse got;
  auto c4 = Ctx();
  REQUIRE(f.stub().GetUser(c4.get(), get, &got).ok());
  CHECK(got.user().follower_count() == 5);

  v1::ListFollowingRequest following;
  following.set_user_id(fans[0]);
  v1::ListFollowingResponse following_res;
  auto c5 = Ctx();
  REQUIRE(f.stub().ListFollowing(c5.get(), following, &following_res).ok());
  REQUIRE(following_res.users_size() == 1);
  CHECK(following_res.users(0).id() == host_id);

  v1::UnfollowRequest un;
  un.set_user_id(host_id);
  v1::UnfollowResponse un_res;
  std::string fan0 = f.LoginAs("fan0").access_token();
  auto c6 = Ctx(fan0);
  REQUIRE(f.stub().Unfollow(c6.get(), un, &un_res).ok());
  auto c7 = Ctx(fan0);
  REQUIRE(f.stub().Unfollow(c7.get(), un, &un_res).ok());
  CHECK(f.Count("follows") == 4);
}

TEST_CASE("notification preferences have defaults and change by mask") {
  UserServiceFixture f;
  std::string token = f.TokenFor("henry", Role::kViewer);
  v1::GetNotificationPreferencesResponse got;
  auto c1 = Ctx(token);
  REQUIRE(f.stub().GetNotificationPreferences(c1.get(), {}, &got).ok());
  CHECK(got.preferences().followed_host_live());
  CHECK_FALSE(got.preferences().marketing());

  v1::UpdateNotificationPreferencesRequest req;
  req.mutable_update_mask()->add_paths("marketing");
  req.mutable_preferences()->set_marketing(true);
  req.mutable_preferences()->set_outbid(false);  // not in the mask: unchanged
  v1::UpdateNotificationPreferencesResponse res;
  auto c2 = Ctx(token);
  REQUIRE(f.stub().UpdateNotificationPreferences(c2.get(), req, &res).ok());
  CHECK(res.preferences().marketing());
  CHECK(res.preferences().outbid());

  req.mutable_update_mask()->add_paths("no_such_pref");
  auto c3 = Ctx(token);
  CHECK(f.stub().UpdateNotificationPreferences(c3.get(), req, &res).error_code() ==
        grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*c3) == "UPDATE_MASK_INVALID");
}

TEST_CASE("the published signing keys verify the tokens the service issues") {
  UserServiceFixture f;
  f.MakeUser("ivan");
  std::string access = f.LoginAs("ivan").access_token();
  v1::GetSigningKeysResponse keys;
  auto ctx = Ctx();
  REQUIRE(f.stub().GetSigningKeys(ctx.get(), {}, &keys).ok());
  REQUIRE(keys.keys_size() == 1);
  CHECK(keys.keys(0).alg() == "ES256");
  // What another service does: build a verifier from GetSigningKeys alone.
  shopcast::auth::TokenVerifier verifier({{keys.keys(0).kid(), keys.keys(0).public_key_pem()}},
                                         keys.issuer(), keys.audience());
  auto claims = verifier.Verify(access, absl::Now());
  REQUIRE(claims.ok());
  CHECK(claims->role == Role::kViewer);
  CHECK(claims->subject.rfind("usr_", 0) == 0);
  // The display name (the username when none was given) as the "name" claim.
  CHECK(claims->name == "ivan");
}
