#pragma once

// The user domain: registration, login with throttling, rotating refresh tokens, profiles,
// roles, follows and preferences. Works on plain types; knows nothing of gRPC.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "account.h"
#include "passwords.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/user/v1/user.pb.h"
#include "store/user_store.h"
#include "throttle.h"

namespace shopcast::user {

struct Tokens {
  std::string access_token;
  absl::Time access_expires_at;
  std::string refresh_token;
  absl::Time refresh_expires_at;
};

struct AccountsOptions {
  absl::Duration refresh_ttl = absl::Hours(24 * 30);
  // The login throttle (README.md, "Login throttling").
  ThrottlePolicy pair_throttle = PairPolicy();
  ThrottlePolicy account_throttle = AccountPolicy();
  ThrottlePolicy address_throttle = AddressPolicy();
  ThrottlePolicy registration_throttle = RegistrationPolicy();
  // A password-reset link works this long, once; an account gets at most this many reset
  // e-mails an hour.
  absl::Duration password_reset_ttl = absl::Minutes(30);
  int password_resets_per_hour = 3;
  // A confirmation link works this long (until used); an account gets at most this many
  // confirmation e-mails an hour.
  absl::Duration email_verification_ttl = absl::Hours(48);
  int email_verifications_per_hour = 3;
  // Seals follow-list page tokens; serve loads its key from a file so replicas agree.
  pagetoken::Codec page_tokens = pagetoken::Codec::WithRandomKey();
};

struct RegisterInput {
  std::string username;
  std::string email;
  std::string password;
  std::string display_name;  // optional
  auth::Role role = auth::Role::kViewer;
  // The caller's IP, for the per-address registration limit; "" (operator commands) is exempt.
  std::string client_address;
  // The address is taken as confirmed (an operator creating the account vouches for it);
  // otherwise a confirmation link is mailed to it.
  bool email_verified = false;
};

class Accounts {
 public:
  Accounts(UserStore& store, const PasswordHasher& hasher, const auth::TokenIssuer& issuer,
           AccountsOptions options, std::function<absl::Time()> clock = absl::Now);

  // RESOURCE_EXHAUSTED/REGISTRATION_THROTTLED (with retry_after_ms) past the per-address limit.
  absl::StatusOr<UserRow> Register(const RegisterInput& input);
  // `client_address` is the caller's IP, for throttling by (account, address), by account and
  // by address; RESOURCE_EXHAUSTED/LOGIN_THROTTLED (with retry_after_ms) while throttled.
  absl::StatusOr<std::pair<Tokens, UserRow>> Login(absl::string_view login,
                                                   absl::string_view password,
                                                   absl::string_view client_address);
  absl::StatusOr<Tokens> Refresh(absl::string_view refresh_token);
  // Ends the refresh token's session, voiding its access tokens in every service within a
  // revocation sync; with `all_sessions`, every session of its user.
  absl::Status Logout(absl::string_view refresh_token, bool all_sessions);

  // Defined in accounts_password.cc.
  // Replaces the caller's password after checking the current one (failures counted and
  // throttled as failed logins from `client_address` are); ends every session of the user and
  // returns the tokens of the caller's new one.
  absl::StatusOr<Tokens> ChangePassword(const auth::Caller& caller,
                                        absl::string_view current_password,
                                        absl::string_view new_password,
                                        absl::string_view client_address);

  // Defined in accounts_password_reset.cc.
  // Sends a password-reset e-mail to the account with `email`, if there is one and it is
  // within its hourly allowance: a token whose hash is stored and an event for realtime-push
  // carrying it, in one commit. OK whether or not an e-mail goes out (the caller must not learn
  // which); INVALID_ARGUMENT/EMAIL_INVALID for a malformed address.
  absl::Status RequestPasswordReset(absl::string_view email);
  // Sets the password of the reset token's account to `new_password` and ends every session
  // of the user (UserStore::ResetPassword).
  absl::Status ResetPassword(absl::string_view reset_token, absl::string_view new_password);

  // Defined in accounts_email.cc.
  // Confirms the address a Register (or RequestEmailVerification) e-mail's token was sent to
  // (UserStore::VerifyEmail); INVALID_ARGUMENT/VERIFICATION_TOKEN_INVALID when malformed.
  absl::Status VerifyEmail(absl::string_view verification_token);
  // Mails the caller a new confirmation link; see UserStore::RequestEmailVerification.
  // RESOURCE_EXHAUSTED/VERIFICATION_EMAIL_THROTTLED (with retry_after_ms) past the hourly
  // allowance. True when the address was confirmed already (nothing sent).
  absl::StatusOr<bool> RequestEmailVerification(const auth::Caller& caller);

  absl::StatusOr<UserRow> GetUser(absl::string_view user_id);
  absl::StatusOr<UserRow> GetUserByUsername(absl::string_view username);
  absl::StatusOr<UserRow> UpdateProfile(const auth::Caller& caller, const ProfileUpdate& update);
  absl::StatusOr<UserRow> SetRole(const auth::Caller& caller, absl::string_view user_id,
                                  auth::Role role);

  absl::Status Follow(const auth::Caller& caller, absl::string_view user_id);
  absl::Status Unfollow(const auth::Caller& caller, absl::string_view user_id);
  // Returns the page and the next page token ("" on the last page).
  absl::StatusOr<std::pair<FollowPage, std::string>> ListFollows(FollowDirection direction,
                                                                 absl::string_view user_id,
                                                                 int page_size,
                                                                 absl::string_view page_token);

  // Defined in accounts_revocation.cc.
  // Deletes `user_id`'s account; the owner or an admin may. What goes: see the README.
  absl::Status DeleteAccount(const auth::Caller& caller, absl::string_view user_id);
  // Revocations after `after`, for every service's token check; page_size 0 is 500, max 1000.
  absl::StatusOr<auth::RevocationBatch> ListRevocations(int64_t after, int page_size);

  // Defined in accounts_followers.cc.
  // A page of `host_id`'s followers for a go-live notifier: ids greater than `after_user_id`
  // ("" for the first page), `limit` 1..1000 or 0 for 500. Empty for an unknown host.
  absl::StatusOr<FollowerContactPage> ListFollowerContacts(absl::string_view host_id,
                                                           absl::string_view after_user_id,
                                                           int limit);
  // The contacts of up to 100 users (repeats answered once; unknown or deleted users left
  // out), for a notifier telling users about their own orders and sales.
  absl::StatusOr<std::vector<FollowerContact>> GetUserContacts(
      const std::vector<std::string>& user_ids);

  absl::StatusOr<Preferences> GetPreferences(const auth::Caller& caller);
  absl::StatusOr<Preferences> UpdatePreferences(const auth::Caller& caller,
                                                const PreferencesUpdate& update);

 private:
  // The throttle lanes a password check of `account` (a user id, or "login:<text>" for an
  // unknown login) from `client_address` counts in, and those that hold it back: at an address
  // the owner has logged in from, only that address's own lane, so failures elsewhere never
  // lock the owner out.
  struct PasswordLanes {
    std::string pair, account, address;
    std::vector<std::string> checked;
  };
  absl::StatusOr<PasswordLanes> LanesFor(absl::string_view account,
                                         absl::string_view client_address);
  // RESOURCE_EXHAUSTED/LOGIN_THROTTLED while any checked lane is blocked.
  absl::Status CheckLanes(const PasswordLanes& lanes);
  // Counts a wrong password in every lane.
  absl::Status CountFailure(const PasswordLanes& lanes);
  // Tokens for a new session `session_id` (a refresh-token family id).
  absl::StatusOr<Tokens> IssueTokens(const UserRow& user, absl::string_view session_id);
  // INVALID_ARGUMENT/DISPLAY_NAME_CONFUSABLE if `display_name` reads like the username of an
  // account other than `own_user_id` ("" for none).
  absl::Status CheckDisplayNameNotConfusable(absl::string_view display_name,
                                             absl::string_view own_username,
                                             absl::string_view own_user_id);
  // An access token of session `session_id` from the user's current role, stamped no earlier
  // than their latest revocation's cutoff (accounts_revocation.cc).
  absl::StatusOr<auth::IssuedToken> IssueAccess(absl::string_view user_id,
                                                absl::string_view session_id, absl::Time now);
  // The cutoff a revocation made now records: the next whole second (iat has whole seconds).
  absl::Time RevocationCutoff() const;
  // A new confirmation token, valid from now for email_verification_ttl.
  VerificationMail NewVerificationMail() const;

  UserStore& store_;
  const PasswordHasher& hasher_;
  const auth::TokenIssuer& issuer_;
  AccountsOptions options_;
  std::function<absl::Time()> clock_;
};

// The user.password_changed event telling `user` their password was set anew `how` at `at`
// (accounts_password.cc).
v1::PasswordChanged PasswordChangedEvent(const UserRow& user, v1::PasswordChanged::How how,
                                         absl::Time at);

// RESOURCE_EXHAUSTED with `reason` and the retry_after_ms payload (the gateway's Retry-After).
absl::Status Throttled(absl::string_view reason, int64_t wait_ms, absl::string_view what);

// INVALID_ARGUMENT/USER_ID_INVALID unless `id` is a well-formed usr_ id.
absl::Status CheckUserId(absl::string_view id, absl::string_view field);

}  // namespace shopcast::user
