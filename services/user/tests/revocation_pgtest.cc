// Stale authority in the user service: role changes, logout of every session, password changes
// and account deletion void earlier access tokens, to the second, and account deletion removes
// the data.
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "accounts.h"
#include "passwords.h"
#include "shopcast/db/migrations.h"
#include "shopcast/events/outbox.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"
#include "store/sql.h"
#include "store/user_store.h"

namespace shopcast::db::embedded {
const MigrationSet& userMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::user {
namespace {

constexpr char kPassword[] = "correct horse battery";

// The domain on a fresh database with a clock the test moves.
struct Env {
  shopcast::testing::TestDatabase db = shopcast::testing::TestDatabase::Create();
  std::unique_ptr<db::Pool> pool;
  auth::SigningKey key = auth::GenerateSigningKey("k").value();
  PasswordHasher hasher;
  auth::TokenIssuer issuer{key, "iss", "aud", absl::Minutes(15)};
  auth::TokenVerifier verifier{{{key.kid, key.public_pem}}, "iss", "aud"};
  std::unique_ptr<UserStore> store;
  std::unique_ptr<Accounts> accounts;
  absl::Time now = absl::FromUnixSeconds(1'900'000'000);
  auth::RevocationList revoked;  // what every other service holds

  explicit Env(AccountsOptions options = {}) {
    // The service's own set: the user migrations and its outbox (a password change writes
    // its notice there).
    REQUIRE(db::ApplyMigrations(db.dsn(),
                                {&db::embedded::userMigrations(), &events::OutboxMigrations()})
                .ok());
    auto p = db::Pool::Create(
        db::PoolOptions{db.dsn(), 2, absl::Seconds(5), sql::PreparedStatements(), "rev-test"});
    REQUIRE(p.ok());
    pool = *std::move(p);
    store = std::make_unique<UserStore>(*pool);
    accounts = std::make_unique<Accounts>(*store, hasher, issuer, options, [this] { return now; });
  }

  std::string Make(const std::string& name, auth::Role role) {
    auto u =
        accounts->Register(RegisterInput{name, name + "@example.com", kPassword, "", role, ""});
    REQUIRE(u.ok());
    return u->id;
  }
  Tokens Login(const std::string& name) {
    auto r = accounts->Login(name, kPassword, "192.0.2.1");
    INFO(r.status().message());
    REQUIRE(r.ok());
    return r->first;
  }
  // Pulls the log as a peer service would, then judges `token` as of now.
  absl::StatusOr<auth::Claims> Judge(const std::string& token) {
    auth::RevocationSync sync(revoked, auth::ImmediateRevocationSource([this](int64_t after) {
                                return accounts->ListRevocations(after, 2);
                              }),
                              {}, nullptr);
    REQUIRE(sync.SyncOnce().ok());
    ASSIGN_OR_RETURN(auth::Claims claims, verifier.Verify(token, now));
    RETURN_IF_ERROR(revoked.Check(claims));
    return claims;
  }
  int64_t Count(const std::string& sql, const std::string& id) {
    pqxx::connection c(db.dsn());
    pqxx::work tx(c);
    return tx.exec_params(sql, id)[0][0].as<int64_t>();
  }
};

// The claims of a token, unjudged.
auth::Claims Claims(Env& env, const std::string& token) {
  auto claims = env.verifier.Verify(token, env.now);
  REQUIRE(claims.ok());
  return *claims;
}

const auth::Caller kAdmin{"usr_00000000000000000000000000", auth::Role::kAdmin};

}  // namespace

TEST_CASE("a demotion voids tokens issued up to it, even in the same second, and no later one") {
  Env env;
  std::string host = env.Make("seller", auth::Role::kHost);
  env.now += absl::Milliseconds(300);
  Tokens before = env.Login("seller");  // iat = the demotion's second
  env.now += absl::Milliseconds(200);
  REQUIRE(env.accounts->SetRole(kAdmin, host, auth::Role::kViewer).ok());
  env.now += absl::Milliseconds(200);  // still the same second
  Tokens after = env.Login("seller");

  absl::StatusOr<auth::Claims> old = env.Judge(before.access_token);
  CHECK(old.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(ReasonOf(old.status()) == "TOKEN_REVOKED");
  absl::StatusOr<auth::Claims> fresh = env.Judge(after.access_token);
  INFO(fresh.status().message());
  REQUIRE(fresh.ok());
  CHECK(fresh->role == auth::Role::kViewer);
  // A refresh after the demotion also gets the new role and a token that is not void.
  auto refreshed = env.accounts->Refresh(before.refresh_token);
  REQUIRE(refreshed.ok());
  auto claims = env.Judge(refreshed->access_token);
  REQUIRE(claims.ok());
  CHECK(claims->role == auth::Role::kViewer);
}

TEST_CASE("setting the role a user already has voids nothing") {
  Env env;
  std::string host = env.Make("steady", auth::Role::kHost);
  Tokens t = env.Login("steady");
  REQUIRE(env.accounts->SetRole(kAdmin, host, auth::Role::kHost).ok());
  CHECK(env.Judge(t.access_token).ok());
}

TEST_CASE("logout of one session voids that session's access tokens, and only those") {
  Env env;
  env.Make("shopper", auth::Role::kViewer);
  Tokens phone = env.Login("shopper");
  Tokens laptop = env.Login("shopper");
  // A refresh keeps the session: its new access token belongs to the phone's session too.
  auto refreshed = env.accounts->Refresh(phone.refresh_token);
  REQUIRE(refreshed.ok());
  REQUIRE(env.Judge(phone.access_token).ok());

  REQUIRE(env.accounts->Logout(refreshed->refresh_token, /*all_sessions=*/false).ok());
  absl::StatusOr<auth::Claims> old = env.Judge(phone.access_token);
  CHECK(old.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(ReasonOf(old.status()) == "TOKEN_REVOKED");
  CHECK(ReasonOf(env.Judge(refreshed->access_token).status()) == "TOKEN_REVOKED");
  // The laptop's session is untouched, and so is the user's cutoff: a new login in the same
  // second is neither void nor stamped ahead.
  CHECK(env.Judge(laptop.access_token).ok());
  Tokens again = env.Login("shopper");
  absl::StatusOr<auth::Claims> fresh = env.Judge(again.access_token);
  REQUIRE(fresh.ok());
  CHECK(fresh->issued_at == absl::FromUnixSeconds(absl::ToUnixSeconds(env.now)));
  CHECK(env.revoked.size() == 0);
  CHECK(env.revoked.session_count() == 1);

  // Logging out of a session already gone records nothing more.
  REQUIRE(env.accounts->Logout(refreshed->refresh_token, /*all_sessions=*/false).ok());
  REQUIRE(env.accounts->Logout(phone.refresh_token, /*all_sessions=*/false).ok());
  auto log = env.accounts->ListRevocations(0, 0);
  REQUIRE(log.ok());
  REQUIRE(log->revocations.size() == 1);
  CHECK(log->revocations[0].session_id == Claims(env, phone.access_token).session_id);
}

TEST_CASE("a spent refresh token presented again voids its session's access tokens, and only those") {
  Env env;
  env.Make("shopper", auth::Role::kViewer);
  Tokens phone = env.Login("shopper");
  Tokens laptop = env.Login("shopper");
  // A thief copied the phone's refresh token and used it first: the session's new access token
  // is theirs.
  auto thief = env.accounts->Refresh(phone.refresh_token);
  REQUIRE(thief.ok());
  REQUIRE(env.Judge(thief->access_token).ok());
  // The owner's phone presents the (now spent) token: the family is revoked, and so is every
  // access token of the session, the thief's included.
  auto reused = env.accounts->Refresh(phone.refresh_token);
  CHECK(ReasonOf(reused.status()) == "REFRESH_TOKEN_REUSED");
  CHECK(ReasonOf(env.Judge(thief->access_token).status()) == "TOKEN_REVOKED");
  CHECK(ReasonOf(env.Judge(phone.access_token).status()) == "TOKEN_REVOKED");
  CHECK(ReasonOf(env.accounts->Refresh(thief->refresh_token).status()) ==
        "REFRESH_TOKEN_REVOKED");
  // The laptop's session is untouched.
  CHECK(env.Judge(laptop.access_token).ok());
  CHECK(env.revoked.session_count() == 1);
  CHECK(env.Count("SELECT count(*) FROM token_revocations WHERE reason = "
                  "'refresh_token_reused' AND user_id = $1",
                  Claims(env, laptop.access_token).subject) == 1);
}

TEST_CASE("logout of every session voids the access tokens of all of them") {
  Env env;
  env.Make("shopper", auth::Role::kViewer);
  Tokens one = env.Login("shopper");
  Tokens two = env.Login("shopper");
  CHECK(env.Judge(two.access_token).ok());
  env.now += absl::Seconds(3);
  REQUIRE(env.accounts->Logout(two.refresh_token, /*all_sessions=*/true).ok());
  CHECK(ReasonOf(env.Judge(two.access_token).status()) == "TOKEN_REVOKED");
  CHECK(ReasonOf(env.Judge(one.access_token).status()) == "TOKEN_REVOKED");
  Tokens again = env.Login("shopper");  // signing in again works at once
  CHECK(env.Judge(again.access_token).ok());
}

TEST_CASE("an owner deletes their account: its data goes and its tokens are void") {
  Env env;
  std::string fan = env.Make("fan", auth::Role::kViewer);
  std::string star = env.Make("star", auth::Role::kHost);
  REQUIRE(env.accounts->Follow(auth::Caller{fan, auth::Role::kViewer}, star).ok());
  REQUIRE(env.accounts->Follow(auth::Caller{star, auth::Role::kHost}, fan).ok());
  Tokens t = env.Login("fan");

  // Someone else may not.
  absl::Status other = env.accounts->DeleteAccount(auth::Caller{star, auth::Role::kHost}, fan);
  CHECK(ReasonOf(other) == "NOT_OWNER");
  CHECK(env.Judge(t.access_token).ok());

  REQUIRE(env.accounts->DeleteAccount(auth::Caller{fan, auth::Role::kViewer}, fan).ok());
  CHECK(ReasonOf(env.Judge(t.access_token).status()) == "TOKEN_REVOKED");
  // Even a token that somehow carries a later iat: a deleted account has no valid token.
  env.now += absl::Hours(1);
  auto minted = env.issuer.Issue(fan, auth::Role::kViewer, env.now);
  REQUIRE(minted.ok());
  CHECK(ReasonOf(env.Judge(minted->token).status()) == "TOKEN_REVOKED");

  CHECK(env.Count("SELECT count(*) FROM users WHERE id = $1", fan) == 0);
  CHECK(env.Count("SELECT count(*) FROM refresh_tokens WHERE user_id = $1", fan) == 0);
  CHECK(env.Count("SELECT count(*) FROM notification_preferences WHERE user_id = $1", fan) == 0);
  CHECK(env.Count("SELECT count(*) FROM follows WHERE follower_id = $1 OR followee_id = $1", fan) ==
        0);
  CHECK(env.accounts->Refresh(t.refresh_token).status().code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(absl::IsNotFound(env.accounts->DeleteAccount(kAdmin, fan)));
  // The name is free again; the new account is a different user with working tokens.
  std::string reborn = env.Make("fan", auth::Role::kViewer);
  CHECK(reborn != fan);
  CHECK(env.Judge(env.Login("fan").access_token).ok());
}

TEST_CASE("an admin deletes another account") {
  Env env;
  std::string spammer = env.Make("spammer", auth::Role::kViewer);
  REQUIRE(env.accounts->DeleteAccount(kAdmin, spammer).ok());
  CHECK(env.Count("SELECT count(*) FROM users WHERE id = $1", spammer) == 0);
}

TEST_CASE("the revocation log pages in order and refuses bad arguments") {
  Env env;
  std::string a = env.Make("alpha", auth::Role::kHost);
  std::string b = env.Make("bravo", auth::Role::kHost);
  REQUIRE(env.accounts->SetRole(kAdmin, a, auth::Role::kViewer).ok());
  REQUIRE(env.accounts->SetRole(kAdmin, b, auth::Role::kViewer).ok());
  auto first = env.accounts->ListRevocations(0, 1);
  REQUIRE(first.ok());
  REQUIRE(first->revocations.size() == 1);
  CHECK(first->more);
  CHECK(first->revocations[0].user_id == a);
  auto rest = env.accounts->ListRevocations(first->revocations[0].sequence, 1);
  REQUIRE(rest.ok());
  REQUIRE(rest->revocations.size() == 1);
  CHECK(rest->revocations[0].user_id == b);
  CHECK_FALSE(rest->more);
  CHECK(absl::IsInvalidArgument(env.accounts->ListRevocations(-1, 0).status()));
  CHECK(absl::IsInvalidArgument(env.accounts->ListRevocations(0, 5000).status()));
}

TEST_CASE("a password change ends every session, and the caller carries on in a new one") {
  Env env;
  const std::string id = env.Make("shopper", auth::Role::kViewer);
  Tokens phone = env.Login("shopper");
  Tokens laptop = env.Login("shopper");
  env.now += absl::Milliseconds(400);  // the same second as the logins
  const auth::Caller caller{id, auth::Role::kViewer};
  auto changed =
      env.accounts->ChangePassword(caller, kPassword, "a brand new passphrase", "192.0.2.1");
  INFO(changed.status().message());
  REQUIRE(changed.ok());

  CHECK(ReasonOf(env.Judge(phone.access_token).status()) == "TOKEN_REVOKED");
  CHECK(ReasonOf(env.Judge(laptop.access_token).status()) == "TOKEN_REVOKED");
  absl::StatusOr<auth::Claims> fresh = env.Judge(changed->access_token);
  INFO(fresh.status().message());
  REQUIRE(fresh.ok());
  CHECK(fresh->subject == id);
  CHECK(fresh->session_id != Claims(env, phone.access_token).session_id);
  CHECK(fresh->session_id != Claims(env, laptop.access_token).session_id);
  // The old sessions cannot be refreshed back to life; the new one can.
  CHECK(ReasonOf(env.accounts->Refresh(phone.refresh_token).status()) == "REFRESH_TOKEN_REVOKED");
  CHECK(ReasonOf(env.accounts->Refresh(laptop.refresh_token).status()) == "REFRESH_TOKEN_REVOKED");
  auto refreshed = env.accounts->Refresh(changed->refresh_token);
  REQUIRE(refreshed.ok());
  CHECK(env.Judge(refreshed->access_token).ok());
  // The old password no longer signs in; the new one does.
  CHECK(ReasonOf(env.accounts->Login("shopper", kPassword, "192.0.2.1").status()) ==
        "INVALID_CREDENTIALS");
  CHECK(env.accounts->Login("shopper", "a brand new passphrase", "192.0.2.1").ok());
  auto log = env.accounts->ListRevocations(0, 0);
  REQUIRE(log.ok());
  REQUIRE(log->revocations.size() == 1);
  CHECK(log->revocations[0].user_id == id);
  CHECK(log->revocations[0].session_id.empty());
  CHECK(env.Count("SELECT count(*) FROM token_revocations WHERE reason = 'password_changed' "
                  "AND user_id = $1",
                  id) == 1);
}

TEST_CASE("a password change refused for its fields changes nothing") {
  Env env;
  const std::string id = env.Make("shopper", auth::Role::kViewer);
  Tokens session = env.Login("shopper");
  const auth::Caller caller{id, auth::Role::kViewer};
  struct Case {
    std::string current, fresh, field, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"", "a brand new passphrase", "current_password", "PASSWORD_INVALID"},
           {std::string(100000, 'p'), "a brand new passphrase", "current_password",
            "PASSWORD_INVALID"},
           {kPassword, "", "new_password", "PASSWORD_TOO_SHORT"},
           {kPassword, "short one", "new_password", "PASSWORD_TOO_SHORT"},
           {kPassword, std::string(129, 'x') + "y", "new_password", "PASSWORD_TOO_LONG"},
           {kPassword, "password1234", "new_password", "WEAK_PASSWORD"},
           {kPassword, "i am shopper, really", "new_password", "WEAK_PASSWORD"},
           {kPassword, "bad \xff\xfe utf-8 here", "new_password", "PASSWORD_INVALID"},
           {kPassword, kPassword, "new_password", "PASSWORD_UNCHANGED"},
       }) {
    INFO(c.reason << " " << c.fresh.substr(0, 30));
    auto r = env.accounts->ChangePassword(caller, c.current, c.fresh, "192.0.2.1");
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(FieldOf(r.status()) == c.field);
    CHECK(ReasonOf(r.status()) == c.reason);
  }
  CHECK(env.Judge(session.access_token).ok());
  CHECK(env.accounts->Refresh(session.refresh_token).ok());
  CHECK(env.Count("SELECT count(*) FROM token_revocations WHERE user_id = $1", id) == 0);
  CHECK(env.accounts->Login("shopper", kPassword, "192.0.2.1").ok());
}

TEST_CASE("a wrong current password is a failed login: counted, throttled, nothing changed") {
  AccountsOptions options;
  options.pair_throttle.free_failures = 3;
  options.pair_throttle.base_delay = absl::Hours(1);  // no wait ends during the test
  Env env(options);
  const std::string id = env.Make("shopper", auth::Role::kViewer);
  Tokens session = env.Login("shopper");  // 192.0.2.1 becomes a known address
  const auth::Caller caller{id, auth::Role::kViewer};
  for (int i = 0; i < 3; ++i) {
    auto wrong = env.accounts->ChangePassword(caller, "not my password at all",
                                              "a brand new passphrase", "192.0.2.1");
    CHECK(wrong.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(FieldOf(wrong.status()) == "current_password");
    CHECK(ReasonOf(wrong.status()) == "CURRENT_PASSWORD_WRONG");
  }
  // Past the allowance, even the right password waits, here and at Login from that address.
  auto held = env.accounts->ChangePassword(caller, "not my password at all",
                                           "a brand new passphrase", "192.0.2.1");
  CHECK(ReasonOf(held.status()) == "CURRENT_PASSWORD_WRONG");
  auto throttled =
      env.accounts->ChangePassword(caller, kPassword, "a brand new passphrase", "192.0.2.1");
  CHECK(throttled.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ReasonOf(throttled.status()) == "LOGIN_THROTTLED");
  CHECK(ReasonOf(env.accounts->Login("shopper", kPassword, "192.0.2.1").status()) ==
        "LOGIN_THROTTLED");
  // Nothing changed: the session lives and the old password still opens the account elsewhere.
  CHECK(env.Judge(session.access_token).ok());
  CHECK(env.accounts->Login("shopper", kPassword, "198.51.100.7").ok());
}

TEST_CASE("of two password changes from the same password, one wins") {
  Env env;
  const std::string id = env.Make("shopper", auth::Role::kViewer);
  auto before = env.store->GetById(id);
  REQUIRE(before.ok());
  const auth::Caller caller{id, auth::Role::kViewer};
  REQUIRE(env.accounts->ChangePassword(caller, kPassword, "the first new passphrase", "192.0.2.1")
              .ok());
  // The second was checked against the hash the first replaced.
  PasswordChange late;
  late.user_id = id;
  late.old_hash = before->password_hash;
  late.new_hash = before->password_hash;
  late.revoke_before = env.now;
  late.refresh_hash = "late-refresh-hash";
  late.family_id = "rtf_late";
  late.refresh_expires_at = env.now + absl::Hours(1);
  absl::Status lost = env.store->ChangePassword(late);
  CHECK(lost.code() == absl::StatusCode::kAborted);
  CHECK(ReasonOf(lost) == "PASSWORD_CHANGED_CONCURRENTLY");
  CHECK(env.Count("SELECT count(*) FROM refresh_tokens WHERE family_id = $1", "rtf_late") == 0);
  CHECK(env.Count("SELECT count(*) FROM token_revocations WHERE user_id = $1", id) == 1);
  CHECK(env.accounts->Login("shopper", "the first new passphrase", "192.0.2.1").ok());
}

}  // namespace shopcast::user
