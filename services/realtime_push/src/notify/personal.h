#pragma once

// Notifications to one user that a preference governs: about their own orders and sales
// (ORDER_UPDATE, SALE_MADE), and any Notify that names a preference (OUTBID from
// product-inventory). The event's transaction (or Notify's) only queues them
// (notification_personal), so applying an event never waits for the user service; a background
// worker then reads the user's contact, and in one transaction writes the inbox entry (with its
// e-mail) the user's preference allows and marks the job done. A user service that is down defers
// the job with backoff; the entry is unique per (user, dedupe key), so a worker that dies mid-way
// is repeated without a second entry.

#include <optional>
#include <pqxx/transaction>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/user_contacts.h"
#include "notify/inbox_store.h"
#include "notify/notification.h"
#include "notify/notify_metrics.h"
#include "shopcast/db/pool.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::realtime_push::notify {

// The preference flag (user.v1.NotificationPreferences) that governs order and sale notices.
inline constexpr char kOrderUpdatesPreference[] = "order_updates";

struct PersonalNotice {
  std::string user_id;
  std::string dedupe_key;  // 1..128 printable ASCII, e.g. "sale:<event id>"
  std::string preference;  // a NotificationPreferences flag (IsPreference), or "" for none
  Content content;
};

// Queues `notice` in the caller's transaction; a repeat of (user, dedupe key) adds nothing
// (false).
bool EnqueuePersonal(pqxx::work& tx, const PersonalNotice& notice, absl::Time now);

// What a looked-up contact means for a notice. Pure.
struct PersonalOutcome {
  std::optional<NewNotification> entry;  // the inbox entry (and e-mail) to create, if any
  std::string outcome;                   // "delivered", "declined" or "no_user"
};
// `contact` as ContactSource::Get answered it, or nullopt when there is no contact source (no
// user service configured, or one that predates GetUserContacts): then the entry goes to the
// inbox without e-mail (no preference can be read; the kind defaults to on).
PersonalOutcome Resolve(const PersonalNotice& notice,
                        const std::optional<std::optional<UserContact>>& contact);

struct PersonalOptions {
  // A worker holds a claimed job this long.
  absl::Duration lease = absl::Seconds(60);
  timing::BackoffPolicy backoff{absl::Seconds(1), absl::Minutes(5)};
};

class PersonalWorker {
 public:
  // `contacts` null: inbox only, no e-mail. `metrics` may be null.
  PersonalWorker(db::Pool& pool, ContactSource* contacts, EntryRules rules, PersonalOptions options,
                 NotifyMetrics* metrics)
      : pool_(pool),
        contacts_(contacts),
        rules_(std::move(rules)),
        options_(options),
        metrics_(metrics) {}

  // Claims one due job and finishes or defers it. False when none was due (or the claim
  // failed).
  bool RunOnce();
  // Jobs not finished (for tests and logs).
  absl::StatusOr<int64_t> Pending();

 private:
  struct Job {
    PersonalNotice notice;
    int failures = 0;
  };
  absl::StatusOr<std::optional<Job>> Claim(absl::Time now);
  absl::StatusOr<bool> Finish(const Job& job, const PersonalOutcome& outcome, absl::Time now);
  void Defer(const Job& job, const absl::Status& why);

  db::Pool& pool_;
  ContactSource* const contacts_;
  const EntryRules rules_;
  const PersonalOptions options_;
  NotifyMetrics* const metrics_;
};

}  // namespace shopcast::realtime_push::notify
