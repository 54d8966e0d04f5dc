#pragma once

// Persistence of the user service on its own PostgreSQL database. Every method is one
// transaction; libpqxx exceptions never leave this class.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "account.h"
#include "google/protobuf/message.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/db/pool.h"
#include "throttle.h"

namespace shopcast::user {

// What became of a presented refresh token.
struct RotateOutcome {
  enum Kind { kRotated, kUnknown, kExpired, kRevoked, kReused } kind = kUnknown;
  std::string user_id;    // set for kRotated
  std::string family_id;  // the session: access tokens carry it as "sid"
};

// What a token is issued from: the role, and the cutoff of the user's latest revocation
// (absl::UnixEpoch() when none), read together.
struct IssueState {
  auth::Role role;
  absl::Time not_before;
  // The "name" claim: as of issue, so a rename shows in other services from the next refresh.
  std::string display_name;
};

// A password change as one commit: the new hash, every session ended, the caller's new one.
struct PasswordChange {
  std::string user_id;
  std::string old_hash;  // what the current password was checked against
  std::string new_hash;
  absl::Time revoke_before;  // the user's access tokens issued before it become void
  absl::Time now;            // outstanding password-reset tokens are spent as of it
  // The caller's new session.
  std::string refresh_hash;
  std::string family_id;
  absl::Time refresh_expires_at;
  // The user.password_changed event (the owner's security notice), enqueued in the same commit.
  const google::protobuf::Message* event = nullptr;
};

// A password-reset e-mail asked for: the token's hash and the event that carries the token to
// the mailer (realtime-push), written together.
struct NewPasswordReset {
  std::string user_id;
  std::string token_hash;
  absl::Time created_at;
  absl::Time expires_at;
  // At most this many resets of the account created in the hour before `created_at`.
  int max_per_hour = 3;
  // The user.password_reset_requested event, enqueued in the same commit.
  const google::protobuf::Message* event = nullptr;
};

// A new password set through a reset token.
struct PasswordResetUse {
  std::string token_hash;
  std::string new_hash;
  absl::Time now;
  absl::Time revoke_before;  // the user's access tokens issued before it become void
  // The user.password_changed event (the owner's security notice), enqueued in the same commit.
  const google::protobuf::Message* event = nullptr;
};

// A confirmation e-mail to send: its token (in the clear only in the event for the mailer; the
// table keeps its hash) and how long it works.
struct VerificationMail {
  std::string token;
  std::string token_hash;
  absl::Time created_at;
  absl::Time expires_at;
};

// What RequestEmailVerification did.
struct VerificationAsk {
  bool already_verified = false;  // nothing sent
  // Nothing sent either: the hourly limit is reached; a new one may go after this long.
  absl::Duration retry_after = absl::ZeroDuration();
};

class UserStore {
 public:
  explicit UserStore(db::Pool& pool) : pool_(pool) {}

  // ALREADY_EXISTS with USERNAME_TAKEN, EMAIL_TAKEN, or USERNAME_CONFUSABLE when another
  // account's username has the same look-alike key. An id collision is retried silently.
  // With `mail` (and the address not confirmed from the start), the same transaction stores the
  // confirmation token and enqueues its e-mail.
  absl::StatusOr<UserRow> CreateUser(const NewUser& user, const VerificationMail* mail = nullptr);
  // True if an account other than `except_user_id` has a username whose look-alike key is one
  // of `keys` (at most 2: text::LookalikeKeys).
  absl::StatusOr<bool> LookalikeTaken(const std::vector<std::string>& keys,
                                      absl::string_view except_user_id);
  // Fills the look-alike key of usernames that lack one (rows from before it existed) with
  // `key_of(username)`; returns how many it filled.
  absl::StatusOr<int> FillMissingLookalikes(
      const std::function<std::string(absl::string_view)>& key_of);
  // NOT_FOUND/USER_NOT_FOUND when absent.
  absl::StatusOr<UserRow> GetById(absl::string_view id);
  absl::StatusOr<UserRow> GetByUsername(absl::string_view username);
  absl::StatusOr<UserRow> GetByEmail(absl::string_view email);
  absl::StatusOr<UserRow> UpdateProfile(absl::string_view id, const ProfileUpdate& update);
  // A changed role also voids the user's tokens issued before `revoke_before` (same commit).
  absl::StatusOr<UserRow> SetRole(absl::string_view id, auth::Role role, absl::Time revoke_before);
  absl::Status UpdatePasswordHash(absl::string_view id, absl::string_view hash);

  absl::Status InsertRefreshToken(absl::string_view token_hash, absl::string_view family_id,
                                  absl::string_view user_id, absl::Time expires_at);
  // Spends `old_hash` and stores `new_hash` in the same family, atomically. A token presented
  // after it was rotated revokes its family and voids the family's access tokens issued before
  // `revoke_before` (committed), and reports kReused.
  absl::StatusOr<RotateOutcome> RotateRefreshToken(absl::string_view old_hash,
                                                   absl::string_view new_hash,
                                                   absl::Time new_expires_at,
                                                   absl::Time revoke_before);
  // Revokes the token's family and every access token of that session, or with `all_sessions`
  // every token of its user and its access tokens issued before `revoke_before`, in the same
  // commit. Unknown tokens are ignored (logout is idempotent).
  absl::Status RevokeRefreshToken(absl::string_view token_hash, bool all_sessions,
                                  absl::Time revoke_before);

  // Defined in revocation_store.cc.
  // NOT_FOUND/USER_NOT_FOUND when absent.
  absl::StatusOr<IssueState> GetIssueState(absl::string_view id);
  // Deletes the account (cascading to its sessions, follows and preferences) and voids every
  // token of it, in one transaction. NOT_FOUND/USER_NOT_FOUND when absent.
  absl::Status DeleteUser(absl::string_view id, absl::Time revoked_at);
  // Replaces the password hash (ABORTED/PASSWORD_CHANGED_CONCURRENTLY if it is no longer
  // `old_hash`; NOT_FOUND/USER_NOT_FOUND if the account is gone), revokes every refresh token of
  // the user, voids their access tokens issued before `revoke_before`, spends their outstanding
  // password-reset tokens, and stores the new session's refresh token, in one transaction.
  absl::Status ChangePassword(const PasswordChange& change);

  // Defined in password_reset_store.cc.
  // Stores the reset and enqueues its event, in one transaction; false (nothing written) when
  // the account already had max_per_hour resets in the last hour or is gone. Forgets the
  // account's resets older than a day.
  absl::StatusOr<bool> CreatePasswordReset(const NewPasswordReset& reset);
  // The user a reset token names, if it can still be used at `now` (a cheap check before the
  // new password is hashed). FAILED_PRECONDITION with RESET_TOKEN_INVALID (unknown or spent) or
  // RESET_TOKEN_EXPIRED.
  absl::StatusOr<std::string> CheckPasswordReset(absl::string_view token_hash, absl::Time now);
  // Checks the token again under a row lock, replaces the password hash, spends every
  // outstanding reset token of the user, revokes every refresh token and voids the user's
  // access tokens issued before `revoke_before`, in one transaction. Returns the user id;
  // errors as CheckPasswordReset.
  absl::StatusOr<std::string> ResetPassword(const PasswordResetUse& use);
  // Defined in email_verification_store.cc.
  // Stores `mail` and enqueues its e-mail to the account's address, in one transaction, unless
  // the address is confirmed already or the account had `max_per_hour` of them in the hour
  // before `mail.created_at` (then nothing is written). Forgets the account's links that have
  // expired. NOT_FOUND/USER_NOT_FOUND when the account is gone.
  absl::StatusOr<VerificationAsk> RequestEmailVerification(absl::string_view user_id,
                                                           const VerificationMail& mail,
                                                           int max_per_hour);
  // Confirms the address a token was sent to, under the token's row lock, and spends every
  // outstanding confirmation token of the account; returns the user id. A token already spent
  // on an address that is confirmed is OK again (a link opened twice). FAILED_PRECONDITION with
  // VERIFICATION_TOKEN_INVALID (unknown, spent otherwise, or sent to an address the account no
  // longer has) or VERIFICATION_TOKEN_EXPIRED.
  absl::StatusOr<std::string> VerifyEmail(absl::string_view token_hash, absl::Time now);

  // Revocations after sequence `after`, oldest first, at most `limit`.
  absl::StatusOr<std::vector<auth::Revocation>> ListRevocations(int64_t after, int limit);

  // Idempotent. NOT_FOUND/USER_NOT_FOUND when `followee_id` does not exist.
  absl::Status Follow(absl::string_view follower_id, absl::string_view followee_id);
  absl::Status Unfollow(absl::string_view follower_id, absl::string_view followee_id);
  absl::StatusOr<FollowPage> ListFollows(FollowDirection direction, absl::string_view user_id,
                                         int limit, const FollowCursor& after);

  // Defined in follower_contacts_store.cc.
  // Followers of `host_id` whose id is greater than `after_user_id` (byte order), in that
  // order, at most `limit`; none for an unknown host.
  absl::StatusOr<std::vector<FollowerContact>> ListFollowerContacts(absl::string_view host_id,
                                                                    absl::string_view after_user_id,
                                                                    int limit);
  // The contacts of those of `user_ids` (validated, distinct) that exist, in no order.
  absl::StatusOr<std::vector<FollowerContact>> GetUserContacts(
      const std::vector<std::string>& user_ids);

  absl::StatusOr<Preferences> GetPreferences(absl::string_view user_id);
  absl::StatusOr<Preferences> UpdatePreferences(absl::string_view user_id,
                                                const PreferencesUpdate& update);

  // Milliseconds until none of `keys` (at most 3) is blocked (0 when none is).
  absl::StatusOr<int64_t> ThrottleRemainingMs(const std::vector<std::string>& keys);
  // Counts an attempt (a failed login, a registration) for `key` and blocks it as `policy`
  // says.
  absl::Status CountAttempt(absl::string_view key, const ThrottlePolicy& policy);
  absl::Status ResetThrottle(absl::string_view key);
  // Whether `user_id` logged in from `address` within the last 90 days.
  absl::StatusOr<bool> IsKnownAddress(absl::string_view user_id, absl::string_view address);
  // Records a successful login of `user_id` from `address`, and forgets its stale addresses.
  absl::Status RememberAddress(absl::string_view user_id, absl::string_view address);

 private:
  absl::StatusOr<UserRow> GetBy(const char* statement, absl::string_view value);

  db::Pool& pool_;
};

}  // namespace shopcast::user
