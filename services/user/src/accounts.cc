#include "accounts.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "page_token.h"
#include "shopcast/ids/ids.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/text/lookalike.h"
#include "validation.h"

namespace shopcast::user {
namespace {

constexpr size_t kMaxLoginBytes = 254;
constexpr size_t kMaxRefreshTokenBytes = 128;

absl::Status InvalidCredentials() {
  return Unauthenticated("INVALID_CREDENTIALS", "wrong username, email or password");
}

// A login is an e-mail address or a username: never a control character. A NUL in particular
// must not reach libpq, which would end the string there ("name\0…" would look up "name").
bool HasControl(absl::string_view s) {
  for (char c : s) {
    auto uc = static_cast<unsigned char>(c);
    if (uc < 0x20 || uc == 0x7f) return true;
  }
  return false;
}

absl::Status CheckRefreshTokenShape(absl::string_view token) {
  if (token.empty() || token.size() > kMaxRefreshTokenBytes) {
    return InvalidArgument("refresh_token", "REFRESH_TOKEN_INVALID",
                           "refresh token is missing or malformed");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Throttled(absl::string_view reason, int64_t wait_ms, absl::string_view what) {
  absl::Status s = Error(absl::StatusCode::kResourceExhausted, reason,
                         absl::StrCat(what, "; retry in ", wait_ms, " ms"));
  s.SetPayload("type.shopcast.dev/retry_after_ms", absl::Cord(absl::StrCat(wait_ms)));
  return s;
}

absl::Status CheckUserId(absl::string_view id, absl::string_view field) {
  if (!ids::IsValidId(id, "usr")) {
    return InvalidArgument(field, "USER_ID_INVALID", "not a valid user id");
  }
  return absl::OkStatus();
}

Accounts::Accounts(UserStore& store, const PasswordHasher& hasher, const auth::TokenIssuer& issuer,
                   AccountsOptions options, std::function<absl::Time()> clock)
    : store_(store),
      hasher_(hasher),
      issuer_(issuer),
      options_(options),
      clock_(std::move(clock)) {}

absl::StatusOr<UserRow> Accounts::Register(const RegisterInput& in) {
  ASSIGN_OR_RETURN(std::string username, NormalizeUsername(in.username));
  // Only new names: an existing account named so (from before the rule) is still found.
  if (IsReservedName(username)) {
    return InvalidArgument("username", "USERNAME_RESERVED", "this username is reserved");
  }
  ASSIGN_OR_RETURN(std::string email, NormalizeEmail(in.email));
  RETURN_IF_ERROR(CheckPassword(in.password, username));
  ASSIGN_OR_RETURN(std::string display_name,
                   NormalizeDisplayName(in.display_name.empty() ? username : in.display_name));
  // Each registration costs an Argon2 hash: bound them per address before paying for one.
  // Counted before the check, so the attempt past the allowance is already refused and a
  // flood keeps lengthening its own wait.
  if (!in.client_address.empty()) {
    const std::string key = absl::StrCat("reg:", in.client_address);
    RETURN_IF_ERROR(store_.CountAttempt(key, options_.registration_throttle));
    ASSIGN_OR_RETURN(int64_t wait_ms, store_.ThrottleRemainingMs({key}));
    if (wait_ms > 0) {
      return Throttled("REGISTRATION_THROTTLED", wait_ms,
                       "too many registrations from this address");
    }
  }
  RETURN_IF_ERROR(CheckDisplayNameNotConfusable(display_name, username, ""));
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(in.password));
  NewUser fresh{username, email, hash, display_name, in.role, text::LookalikeKey(username)};
  fresh.email_verified = in.email_verified;
  const VerificationMail mail = NewVerificationMail();
  ASSIGN_OR_RETURN(UserRow user, store_.CreateUser(fresh, &mail));
  log::Info("user_registered").Kv("user_id", user.id).Kv("role", auth::RoleName(user.role));
  return user;
}

absl::Status Accounts::CheckDisplayNameNotConfusable(absl::string_view display_name,
                                                     absl::string_view own_username,
                                                     absl::string_view own_user_id) {
  std::vector<std::string> keys = text::LookalikeKeys(display_name);
  const std::string own = text::LookalikeKey(own_username);
  for (const std::string& key : keys) {
    if (key == own) return absl::OkStatus();  // your own name, in any spelling
  }
  ASSIGN_OR_RETURN(bool taken, store_.LookalikeTaken(keys, own_user_id));
  if (taken) {
    return InvalidArgument("display_name", "DISPLAY_NAME_CONFUSABLE",
                           "display name reads like another account's username");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<Tokens, UserRow>> Accounts::Login(absl::string_view login,
                                                           absl::string_view password,
                                                           absl::string_view client_address) {
  if (login.empty() || login.size() > kMaxLoginBytes || HasControl(login)) {
    return InvalidArgument("login", "LOGIN_INVALID",
                           "login must be 1 to 254 bytes without control characters");
  }
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    return InvalidArgument("password", "PASSWORD_INVALID", "password is missing or too long");
  }
  std::string normalized = absl::AsciiStrToLower(login);
  absl::StatusOr<UserRow> user = absl::StrContains(normalized, '@')
                                     ? store_.GetByEmail(normalized)
                                     : store_.GetByUsername(normalized);
  if (!user.ok() && !absl::IsNotFound(user.status())) return user.status();

  // Keyed on the account however it was named (username or e-mail). An unknown login is keyed
  // on its text, so it is throttled exactly like a real account and tells nothing.
  const std::string account = user.ok() ? user->id : absl::StrCat("login:", normalized);
  ASSIGN_OR_RETURN(PasswordLanes lanes, LanesFor(account, client_address));
  RETURN_IF_ERROR(CheckLanes(lanes));

  bool matched = false;
  if (user.ok()) {
    ASSIGN_OR_RETURN(matched, hasher_.Verify(password, user->password_hash));
  } else {
    // Same cost as a real check: no user enumeration by timing.
    RETURN_IF_ERROR(hasher_.VerifyDummy(password));
  }
  if (!matched) {
    RETURN_IF_ERROR(CountFailure(lanes));
    log::Info("login_failed")
        .Kv("known_user", user.ok())
        .Kv("known_address", lanes.checked.size() == 1);
    return InvalidCredentials();
  }
  // The account-wide counter is left to age out: a success by the owner must not hand a
  // guesser elsewhere a fresh allowance.
  RETURN_IF_ERROR(store_.ResetThrottle(lanes.pair));
  RETURN_IF_ERROR(store_.RememberAddress(user->id, client_address));
  if (hasher_.NeedsRehash(user->password_hash)) {
    ASSIGN_OR_RETURN(std::string fresh, hasher_.Hash(password));
    RETURN_IF_ERROR(store_.UpdatePasswordHash(user->id, fresh));
  }
  // Each login starts a new token family, the session its access tokens name; Refresh()
  // rotates within it.
  const std::string family_id = ids::NewId("rtf");
  ASSIGN_OR_RETURN(Tokens tokens, IssueTokens(*user, family_id));
  RETURN_IF_ERROR(store_.InsertRefreshToken(ids::HashSecret(tokens.refresh_token), family_id,
                                            user->id, tokens.refresh_expires_at));
  return std::make_pair(std::move(tokens), *std::move(user));
}

absl::StatusOr<Accounts::PasswordLanes> Accounts::LanesFor(absl::string_view account,
                                                           absl::string_view client_address) {
  PasswordLanes lanes;
  lanes.pair = absl::StrCat("pair:", account, "|", client_address);
  lanes.account = absl::StrCat("acct:", account);
  lanes.address = absl::StrCat("addr:", client_address);
  ASSIGN_OR_RETURN(bool known, store_.IsKnownAddress(account, client_address));
  lanes.checked = {lanes.pair};
  if (!known) {
    lanes.checked.push_back(lanes.account);
    lanes.checked.push_back(lanes.address);
  }
  return lanes;
}

absl::Status Accounts::CheckLanes(const PasswordLanes& lanes) {
  ASSIGN_OR_RETURN(int64_t wait_ms, store_.ThrottleRemainingMs(lanes.checked));
  if (wait_ms > 0) return Throttled("LOGIN_THROTTLED", wait_ms, "too many failed logins");
  return absl::OkStatus();
}

absl::Status Accounts::CountFailure(const PasswordLanes& lanes) {
  RETURN_IF_ERROR(store_.CountAttempt(lanes.pair, options_.pair_throttle));
  RETURN_IF_ERROR(store_.CountAttempt(lanes.account, options_.account_throttle));
  return store_.CountAttempt(lanes.address, options_.address_throttle);
}

absl::StatusOr<Tokens> Accounts::IssueTokens(const UserRow& user, absl::string_view session_id) {
  absl::Time now = clock_();
  ASSIGN_OR_RETURN(auth::IssuedToken access, IssueAccess(user.id, session_id, now));
  Tokens t;
  t.access_token = std::move(access.token);
  t.access_expires_at = access.expires_at;
  t.refresh_token = ids::NewSecret(32);
  t.refresh_expires_at = now + options_.refresh_ttl;
  return t;
}

absl::StatusOr<Tokens> Accounts::Refresh(absl::string_view refresh_token) {
  RETURN_IF_ERROR(CheckRefreshTokenShape(refresh_token));
  std::string new_secret = ids::NewSecret(32);
  absl::Time now = clock_();
  ASSIGN_OR_RETURN(RotateOutcome outcome,
                   store_.RotateRefreshToken(ids::HashSecret(refresh_token),
                                             ids::HashSecret(new_secret),
                                             now + options_.refresh_ttl, RevocationCutoff()));
  switch (outcome.kind) {
    case RotateOutcome::kRotated:
      break;
    case RotateOutcome::kReused:
      log::Warn("refresh_token_reused").Kv("family_id", outcome.family_id);
      return Unauthenticated("REFRESH_TOKEN_REUSED",
                             "refresh token was already used; its session is ended everywhere");
    case RotateOutcome::kExpired:
      return Unauthenticated("REFRESH_TOKEN_EXPIRED", "refresh token expired");
    case RotateOutcome::kRevoked:
      return Unauthenticated("REFRESH_TOKEN_REVOKED", "refresh token was revoked");
    case RotateOutcome::kUnknown:
      return Unauthenticated("REFRESH_TOKEN_INVALID", "refresh token is not valid");
  }
  ASSIGN_OR_RETURN(auth::IssuedToken access, IssueAccess(outcome.user_id, outcome.family_id, now));
  return Tokens{std::move(access.token), access.expires_at, std::move(new_secret),
                now + options_.refresh_ttl};
}

absl::Status Accounts::Logout(absl::string_view refresh_token, bool all_sessions) {
  RETURN_IF_ERROR(CheckRefreshTokenShape(refresh_token));
  return store_.RevokeRefreshToken(ids::HashSecret(refresh_token), all_sessions,
                                   RevocationCutoff());
}

absl::StatusOr<UserRow> Accounts::GetUser(absl::string_view user_id) {
  RETURN_IF_ERROR(CheckUserId(user_id, "user_id"));
  return store_.GetById(user_id);
}

absl::StatusOr<UserRow> Accounts::GetUserByUsername(absl::string_view username) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeUsername(username));
  return store_.GetByUsername(normalized);
}

absl::StatusOr<UserRow> Accounts::UpdateProfile(const auth::Caller& caller,
                                                const ProfileUpdate& update) {
  ProfileUpdate clean = update;
  if (update.display_name) {
    ASSIGN_OR_RETURN(clean.display_name, NormalizeDisplayName(*update.display_name));
    ASSIGN_OR_RETURN(UserRow me, store_.GetById(caller.user_id));
    RETURN_IF_ERROR(CheckDisplayNameNotConfusable(*clean.display_name, me.username, me.id));
  }
  if (update.bio) RETURN_IF_ERROR(CheckBio(*update.bio));
  if (update.avatar_url) RETURN_IF_ERROR(CheckAvatarUrl(*update.avatar_url));
  return store_.UpdateProfile(caller.user_id, clean);
}

absl::StatusOr<UserRow> Accounts::SetRole(const auth::Caller& caller, absl::string_view user_id,
                                          auth::Role role) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kAdmin));
  RETURN_IF_ERROR(CheckUserId(user_id, "user_id"));
  if (user_id == caller.user_id && role != auth::Role::kAdmin) {
    return Error(absl::StatusCode::kFailedPrecondition, "CANNOT_DEMOTE_SELF",
                 "an admin cannot remove their own admin role");
  }
  ASSIGN_OR_RETURN(UserRow user, store_.SetRole(user_id, role, RevocationCutoff()));
  log::Info("role_changed")
      .Kv("user_id", user.id)
      .Kv("role", auth::RoleName(role))
      .Kv("by", caller.user_id);
  return user;
}

absl::Status Accounts::Follow(const auth::Caller& caller, absl::string_view user_id) {
  RETURN_IF_ERROR(CheckUserId(user_id, "user_id"));
  if (user_id == caller.user_id) {
    return InvalidArgument("user_id", "SELF_FOLLOW", "you cannot follow yourself");
  }
  return store_.Follow(caller.user_id, user_id);
}

absl::Status Accounts::Unfollow(const auth::Caller& caller, absl::string_view user_id) {
  RETURN_IF_ERROR(CheckUserId(user_id, "user_id"));
  return store_.Unfollow(caller.user_id, user_id);
}

absl::StatusOr<std::pair<FollowPage, std::string>> Accounts::ListFollows(
    FollowDirection direction, absl::string_view user_id, int page_size,
    absl::string_view page_token) {
  RETURN_IF_ERROR(CheckUserId(user_id, "user_id"));
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size));
  ASSIGN_OR_RETURN(FollowCursor after,
                   DecodeFollowToken(options_.page_tokens, page_token, direction, user_id));
  ASSIGN_OR_RETURN(FollowPage page, store_.ListFollows(direction, user_id, limit, after));
  std::string next =
      page.next ? EncodeFollowToken(options_.page_tokens, direction, user_id, *page.next) : "";
  return std::make_pair(std::move(page), std::move(next));
}

absl::StatusOr<Preferences> Accounts::GetPreferences(const auth::Caller& caller) {
  return store_.GetPreferences(caller.user_id);
}

absl::StatusOr<Preferences> Accounts::UpdatePreferences(const auth::Caller& caller,
                                                        const PreferencesUpdate& update) {
  return store_.UpdatePreferences(caller.user_id, update);
}

}  // namespace shopcast::user
