#include "store/user_store.h"

#include <pqxx/pqxx>

#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "store/email_verification_store.h"
#include "store/revocation_store.h"
#include "store/sql.h"

namespace shopcast::user {
namespace {

std::string S(absl::string_view v) { return std::string(v.data(), v.size()); }

UserRow ParseUser(const pqxx::row& r) {
  UserRow u;
  u.id = r[0].as<std::string>();
  u.username = r[1].as<std::string>();
  u.email = r[2].as<std::string>();
  u.password_hash = r[3].as<std::string>();
  u.display_name = r[4].as<std::string>();
  u.bio = r[5].as<std::string>();
  u.avatar_url = r[6].as<std::string>();
  u.role = static_cast<auth::Role>(r[7].as<int>());
  u.created_at = absl::FromUnixMicros(r[8].as<int64_t>());
  u.follower_count = r[9].as<int64_t>();
  u.following_count = r[10].as<int64_t>();
  u.email_verified = r[11].as<bool>();
  return u;
}

absl::Status UserNotFound() { return NotFound("USER_NOT_FOUND", "no such user"); }

}  // namespace

absl::StatusOr<UserRow> UserStore::CreateUser(const NewUser& user, const VerificationMail* mail) {
  // 128 random bits collide essentially never, but the database is the judge: retry then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string id = ids::NewId("usr");
    bool id_collision = false;
    auto result = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<UserRow> {
      try {
        tx.exec_prepared("insert_user", id, user.username, user.email, user.password_hash,
                         user.display_name, static_cast<int>(user.role), user.username_lookalike,
                         user.email_verified);
      } catch (const pqxx::unique_violation& e) {
        std::string what = e.what();
        if (what.find("users_username_key") != std::string::npos) {
          return Error(absl::StatusCode::kAlreadyExists, "USERNAME_TAKEN", "username is taken",
                       "username");
        }
        if (what.find("users_email_key") != std::string::npos) {
          return Error(absl::StatusCode::kAlreadyExists, "EMAIL_TAKEN",
                       "email is already registered", "email");
        }
        id_collision = true;
        return absl::AbortedError("id collision");
      }
      // Checked after the insert so an identical username still says USERNAME_TAKEN. Two
      // concurrent look-alike registrations can both pass; the display-name check and a later
      // rename catch what that leaves.
      if (!tx.exec_prepared("lookalike_taken", user.username_lookalike, "", id).empty()) {
        return Error(absl::StatusCode::kAlreadyExists, "USERNAME_CONFUSABLE",
                     "username reads like another account's username", "username");
      }
      tx.exec_prepared("insert_preferences", id);
      pqxx::result r = tx.exec_prepared("select_user_by_id", id);
      UserRow created = ParseUser(r[0]);
      if (mail != nullptr && !created.email_verified) MailVerification(tx, created, *mail);
      return created;
    });
    if (result.ok() || !id_collision) return result;
  }
  return absl::InternalError("could not allocate a unique user id");
}

absl::StatusOr<bool> UserStore::LookalikeTaken(const std::vector<std::string>& keys,
                                               absl::string_view except_user_id) {
  std::vector<std::string> k = keys;
  k.resize(2);  // an unused slot is "": no valid username has an empty key
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared("lookalike_taken", k[0], k[1], S(except_user_id)).empty();
  });
}

absl::StatusOr<int> UserStore::FillMissingLookalikes(
    const std::function<std::string(absl::string_view)>& key_of) {
  constexpr int kBatch = 500;
  int filled = 0;
  for (;;) {
    auto batch = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
      pqxx::result r = tx.exec_prepared("users_without_lookalike", kBatch);
      for (const auto& row : r) {
        tx.exec_prepared("set_lookalike", row[0].as<std::string>(),
                         key_of(row[1].as<std::string>()));
      }
      return static_cast<int>(r.size());
    });
    if (!batch.ok()) return batch.status();
    filled += *batch;
    if (*batch < kBatch) return filled;
  }
}

absl::StatusOr<UserRow> UserStore::GetBy(const char* statement, absl::string_view value) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<UserRow> {
    pqxx::result r = tx.exec_prepared(statement, S(value));
    if (r.empty()) return UserNotFound();
    return ParseUser(r[0]);
  });
}

absl::StatusOr<UserRow> UserStore::GetById(absl::string_view id) {
  return GetBy("select_user_by_id", id);
}
absl::StatusOr<UserRow> UserStore::GetByUsername(absl::string_view username) {
  return GetBy("select_user_by_username", username);
}
absl::StatusOr<UserRow> UserStore::GetByEmail(absl::string_view email) {
  return GetBy("select_user_by_email", email);
}

absl::StatusOr<UserRow> UserStore::UpdateProfile(absl::string_view id,
                                                 const ProfileUpdate& update) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<UserRow> {
    pqxx::result changed = tx.exec_prepared(
        "update_profile", S(id), update.display_name.has_value(), update.display_name.value_or(""),
        update.bio.has_value(), update.bio.value_or(""), update.avatar_url.has_value(),
        update.avatar_url.value_or(""));
    if (changed.affected_rows() == 0) return UserNotFound();
    return ParseUser(tx.exec_prepared("select_user_by_id", S(id))[0]);
  });
}

absl::StatusOr<UserRow> UserStore::SetRole(absl::string_view id, auth::Role role,
                                           absl::Time revoke_before) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<UserRow> {
    pqxx::result current = tx.exec_prepared("select_role_for_update", S(id));
    if (current.empty()) return UserNotFound();
    if (current[0][0].as<int>() != static_cast<int>(role)) {
      tx.exec_prepared("update_role", S(id), static_cast<int>(role));
      InsertRevocation(tx, id, revoke_before, "role_changed");
    }
    return ParseUser(tx.exec_prepared("select_user_by_id", S(id))[0]);
  });
}

absl::Status UserStore::UpdatePasswordHash(absl::string_view id, absl::string_view hash) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("update_password_hash", S(id), S(hash));
    return absl::OkStatus();
  });
}

absl::Status UserStore::InsertRefreshToken(absl::string_view token_hash,
                                           absl::string_view family_id, absl::string_view user_id,
                                           absl::Time expires_at) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("insert_refresh_token", S(token_hash), S(family_id), S(user_id),
                     absl::ToUnixMicros(expires_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<RotateOutcome> UserStore::RotateRefreshToken(absl::string_view old_hash,
                                                            absl::string_view new_hash,
                                                            absl::Time new_expires_at,
                                                            absl::Time revoke_before) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<RotateOutcome> {
    RotateOutcome out;
    pqxx::result r = tx.exec_prepared("lock_refresh_token", S(old_hash));
    if (r.empty()) return out;  // kUnknown
    out.family_id = r[0][0].as<std::string>();
    bool expired = r[0][2].as<bool>();
    bool rotated = r[0][3].as<bool>();
    bool revoked = r[0][4].as<bool>();
    if (revoked) {
      out.kind = RotateOutcome::kRevoked;
    } else if (rotated) {
      // A spent token came back: someone holds a copy. Kill the whole family, and the access
      // tokens issued in it so far (the copy's holder may have refreshed into one already).
      tx.exec_prepared("revoke_family", out.family_id);
      InsertSessionRevocation(tx, r[0][1].as<std::string>(), out.family_id, revoke_before,
                              "refresh_token_reused");
      out.kind = RotateOutcome::kReused;
    } else if (expired) {
      out.kind = RotateOutcome::kExpired;
    } else {
      out.user_id = r[0][1].as<std::string>();
      tx.exec_prepared("mark_rotated", S(old_hash));
      tx.exec_prepared("insert_refresh_token", S(new_hash), out.family_id, out.user_id,
                       absl::ToUnixMicros(new_expires_at));
      out.kind = RotateOutcome::kRotated;
    }
    return out;
  });
}

absl::Status UserStore::RevokeRefreshToken(absl::string_view token_hash, bool all_sessions,
                                           absl::Time revoke_before) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("lock_refresh_token", S(token_hash));
    if (r.empty()) return absl::OkStatus();
    if (all_sessions) {
      tx.exec_prepared("revoke_user", r[0][1].as<std::string>());
      InsertRevocation(tx, r[0][1].as<std::string>(), revoke_before, "logout_all");
    } else {
      const std::string family = r[0][0].as<std::string>();
      // Its access tokens carry the family as "sid". A family already revoked is not logged
      // out again: the log records each session once.
      if (tx.exec_prepared("revoke_family", family).affected_rows() > 0) {
        InsertSessionRevocation(tx, r[0][1].as<std::string>(), family, revoke_before);
      }
    }
    return absl::OkStatus();
  });
}

absl::Status UserStore::Follow(absl::string_view follower_id, absl::string_view followee_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared("user_exists", S(followee_id)).empty()) return UserNotFound();
    tx.exec_prepared("insert_follow", S(follower_id), S(followee_id));
    return absl::OkStatus();
  });
}

absl::Status UserStore::Unfollow(absl::string_view follower_id, absl::string_view followee_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared("user_exists", S(followee_id)).empty()) return UserNotFound();
    tx.exec_prepared("delete_follow", S(follower_id), S(followee_id));
    return absl::OkStatus();
  });
}

absl::StatusOr<FollowPage> UserStore::ListFollows(FollowDirection direction,
                                                  absl::string_view user_id, int limit,
                                                  const FollowCursor& after) {
  const char* statement =
      direction == FollowDirection::kFollowers ? "list_followers" : "list_following";
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<FollowPage> {
    if (tx.exec_prepared("user_exists", S(user_id)).empty()) return UserNotFound();
    // One extra row tells whether another page exists.
    pqxx::result r =
        tx.exec_prepared(statement, S(user_id), after.created_micros, after.user_id, limit + 1);
    FollowPage page;
    int64_t last_followed_micros = 0;  // the follow time of the last row kept
    for (const auto& row : r) {
      if (static_cast<int>(page.users.size()) == limit) {
        page.next = FollowCursor{last_followed_micros, page.users.back().id};
        break;
      }
      page.users.push_back(ParseUser(row));
      last_followed_micros = row[sql::kUserColumnCount].as<int64_t>();
    }
    return page;
  });
}

absl::StatusOr<Preferences> UserStore::GetPreferences(absl::string_view user_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Preferences> {
    pqxx::result r = tx.exec_prepared("select_preferences", S(user_id));
    if (r.empty()) return UserNotFound();
    return Preferences{r[0][0].as<bool>(), r[0][1].as<bool>(), r[0][2].as<bool>(),
                       r[0][3].as<bool>()};
  });
}

absl::StatusOr<Preferences> UserStore::UpdatePreferences(absl::string_view user_id,
                                                         const PreferencesUpdate& u) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Preferences> {
    pqxx::result r = tx.exec_prepared(
        "update_preferences", S(user_id), u.followed_host_live.has_value(),
        u.followed_host_live.value_or(false), u.outbid.has_value(), u.outbid.value_or(false),
        u.order_updates.has_value(), u.order_updates.value_or(false), u.marketing.has_value(),
        u.marketing.value_or(false));
    if (r.empty()) return UserNotFound();
    return Preferences{r[0][0].as<bool>(), r[0][1].as<bool>(), r[0][2].as<bool>(),
                       r[0][3].as<bool>()};
  });
}

absl::StatusOr<int64_t> UserStore::ThrottleRemainingMs(const std::vector<std::string>& keys) {
  std::vector<std::string> k = keys;
  k.resize(3);  // unused slots are "", which no key equals
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared("throttle_remaining", k[0], k[1], k[2])[0][0].as<int64_t>();
  });
}

absl::Status UserStore::CountAttempt(absl::string_view key, const ThrottlePolicy& policy) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    int failures = tx.exec_prepared("throttle_failure", S(key),
                                    absl::ToDoubleSeconds(policy.forget_after))[0][0]
                       .as<int>();
    absl::Duration block = BlockAfter(failures, policy);
    if (block > absl::ZeroDuration()) {
      tx.exec_prepared("throttle_block", S(key), absl::ToDoubleSeconds(block));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> UserStore::IsKnownAddress(absl::string_view user_id,
                                               absl::string_view address) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared("known_address", S(user_id), S(address)).empty();
  });
}

absl::Status UserStore::RememberAddress(absl::string_view user_id, absl::string_view address) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("remember_address", S(user_id), S(address));
    tx.exec_prepared("forget_old_addresses", S(user_id));
    return absl::OkStatus();
  });
}

absl::Status UserStore::ResetThrottle(absl::string_view key) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("throttle_reset", S(key));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::user
