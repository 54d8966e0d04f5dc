#pragma once

// The notification inboxes in PostgreSQL: creating entries (idempotent per user and dedupe key,
// with the e-mail that goes with one and a NOTIFY that wakes the user's live subscribers on
// every replica at commit), listing, marking read, reading what is new for a live subscriber,
// and purging what expired.

#include <cstdint>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "notify/notification.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::notify {

// A position in an inbox listed newest first.
struct ListCursor {
  int64_t created_us = 0;
  std::string id;
};

struct ListResult {
  std::vector<pb::Notification> notifications;
  std::optional<ListCursor> next;  // set when more may follow
  int64_t unread_count = 0;
};

struct MarkResult {
  int64_t marked = 0;
  int64_t unread = 0;
};

// Where a live subscriber stands: every notification of a transaction below `txid` is behind it.
struct Horizon {
  int64_t unread_count = 0;
  int64_t txid = 0;
  // Entries at or above the horizon that had already committed when it was read (a concurrent
  // older transaction holds the horizon back): counted in unread_count, so never sent as new.
  std::vector<std::string> already_visible;
};

struct NewNotifications {
  std::vector<pb::Notification> notifications;  // oldest first
  int64_t horizon = 0;                          // read from here next time
};

// What every new entry gets, whichever path creates it (Notify, the go-live fan-out, a personal
// notice).
struct EntryRules {
  // Entries expire this long after creation.
  absl::Duration ttl = absl::Hours(24 * 30);
  // The web app's address without a final "/", prefixed to the link in e-mails; "" keeps the
  // app path (RenderEmail).
  std::string web_base_url;
};

// Creates `n` in the caller's transaction unless (user, dedupe key) exists: its inbox row, its
// e-mail row when n.email_to is set, and the NOTIFY. True if created. Throws pqxx errors.
bool InsertTx(pqxx::work& tx, const NewNotification& n, absl::Time now, const EntryRules& rules);

class InboxStore {
 public:
  InboxStore(db::Pool& pool, EntryRules rules) : pool_(pool), rules_(std::move(rules)) {}

  // One entry per recipient (validated, distinct ids); how many were created now.
  absl::StatusOr<int64_t> Notify(const std::vector<std::string>& user_ids, const Content& content,
                                 const std::string& dedupe_key, absl::Time now);
  // Queues one personal notice per recipient, governed by `preference` (personal.h: the worker
  // reads each contact and writes the entry the flag allows); how many were queued now.
  absl::StatusOr<int64_t> Queue(const std::vector<std::string>& user_ids, const Content& content,
                                const std::string& dedupe_key, const std::string& preference,
                                absl::Time now);
  // `limit` newest entries of `user_id` after `after` (if set), and the unread count.
  absl::StatusOr<ListResult> List(const std::string& user_id, bool unread_only, int limit,
                                  const std::optional<ListCursor>& after, absl::Time now);
  // Marks `ids` of `user_id` read (others' ids match nothing).
  absl::StatusOr<MarkResult> MarkIds(const std::string& user_id,
                                     const std::vector<std::string>& ids, absl::Time now);
  // Marks every entry of `user_id` created at or before `up_to` read.
  absl::StatusOr<MarkResult> MarkUpTo(const std::string& user_id, absl::Time up_to, absl::Time now);
  // A live subscription's start.
  absl::StatusOr<Horizon> Start(const std::string& user_id, absl::Time now);
  // Up to `limit` entries of `user_id` from transactions at or after `from_txid` that have ended.
  absl::StatusOr<NewNotifications> ReadNew(const std::string& user_id, int64_t from_txid, int limit,
                                           absl::Time now);
  // Removes expired entries, and finished e-mails and personal jobs from before
  // `emails_before`.
  absl::StatusOr<int64_t> Purge(absl::Time now, absl::Time emails_before);

  const EntryRules& rules() const { return rules_; }

 private:
  db::Pool& pool_;
  const EntryRules rules_;
};

}  // namespace shopcast::realtime_push::notify
