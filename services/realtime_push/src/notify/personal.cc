#include "notify/personal.h"

#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "notify/inbox_store.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {
namespace {

bool Wants(const UserContact& c, const std::string& preference) {
  if (preference == kOrderUpdatesPreference) return c.order_updates;
  if (preference == "outbid") return c.outbid;
  if (preference == "followed_host_live") return c.followed_host_live;
  if (preference == "marketing") return c.marketing;
  return true;  // a kind no flag governs (SYSTEM)
}

}  // namespace

bool EnqueuePersonal(pqxx::work& tx, const PersonalNotice& n, absl::Time now) {
  const Content& c = n.content;
  return tx.exec_prepared0("ntf_enqueue_personal", n.user_id, n.dedupe_key, n.preference, c.kind,
                           c.title, c.body, c.stream_id, c.product_id, c.auction_id, c.order_id,
                           c.link, PgTime(now))
             .affected_rows() == 1;
}

PersonalOutcome Resolve(const PersonalNotice& notice,
                        const std::optional<std::optional<UserContact>>& contact) {
  PersonalOutcome out;
  NewNotification entry{notice.user_id, notice.dedupe_key, notice.content, "", ""};
  if (!contact.has_value()) {
    out.entry = std::move(entry);
    out.outcome = "delivered";
    return out;
  }
  if (!contact->has_value()) {
    out.outcome = "no_user";
    return out;
  }
  const UserContact& c = **contact;
  if (!Wants(c, notice.preference)) {
    out.outcome = "declined";
    return out;
  }
  entry.email_to = c.email;
  entry.display_name = c.display_name;
  out.entry = std::move(entry);
  out.outcome = "delivered";
  return out;
}

absl::StatusOr<std::optional<PersonalWorker::Job>> PersonalWorker::Claim(absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<Job>> {
    pqxx::result r =
        tx.exec_prepared("ntf_claim_personal", PgTime(now), PgTime(now + options_.lease));
    if (r.empty()) return std::optional<Job>();
    Job job;
    PersonalNotice& n = job.notice;
    n.user_id = r[0][0].as<std::string>();
    n.dedupe_key = r[0][1].as<std::string>();
    n.preference = r[0][2].as<std::string>();
    n.content.kind = r[0][3].as<int>();
    n.content.title = r[0][4].as<std::string>();
    n.content.body = r[0][5].as<std::string>();
    n.content.stream_id = r[0][6].as<std::string>();
    n.content.product_id = r[0][7].as<std::string>();
    n.content.auction_id = r[0][8].as<std::string>();
    n.content.order_id = r[0][9].as<std::string>();
    n.content.link = r[0][10].as<std::string>();
    job.failures = r[0][11].as<int>();
    return std::optional<Job>(std::move(job));
  });
}

absl::StatusOr<bool> PersonalWorker::Finish(const Job& job, const PersonalOutcome& outcome,
                                            absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    // The job row first: a second worker that took over after a lapsed lease finds it done.
    const pqxx::result done =
        tx.exec_prepared0("ntf_finish_personal", job.notice.user_id, job.notice.dedupe_key,
                          outcome.outcome, PgTime(now));
    if (done.affected_rows() == 0) return false;
    return outcome.entry.has_value() && InsertTx(tx, *outcome.entry, now, rules_);
  });
}

void PersonalWorker::Defer(const Job& job, const absl::Status& why) {
  const absl::Time at = absl::Now() + timing::JitteredBackoff(options_.backoff, job.failures + 1);
  log::Warn("notify_personal_deferred")
      .Kv("user_id", job.notice.user_id)
      .Kv("dedupe_key", job.notice.dedupe_key)
      .Kv("reason", ReasonOf(why))
      .Kv("detail", std::string(why.message()));
  absl::Status s = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared0("ntf_defer_personal", job.notice.user_id, job.notice.dedupe_key, PgTime(at),
                      ReasonOf(why));
    return absl::OkStatus();
  });
  // Otherwise the lease lapses and the job is tried again then.
  if (!s.ok()) log::Warn("notify_personal_defer_failed").Kv("detail", std::string(s.message()));
}

bool PersonalWorker::RunOnce() {
  absl::StatusOr<std::optional<Job>> claimed = Claim(absl::Now());
  if (!claimed.ok()) {
    log::Warn("notify_personal_claim_failed").Kv("detail", std::string(claimed.status().message()));
    return false;
  }
  if (!claimed->has_value()) return false;
  const Job& job = **claimed;
  std::optional<std::optional<UserContact>> contact;
  if (contacts_ != nullptr) {
    absl::StatusOr<std::optional<UserContact>> got = contacts_->Get(job.notice.user_id);
    if (got.ok()) {
      contact = *std::move(got);
    } else if (!absl::IsUnimplemented(got.status())) {
      Defer(job, got.status());
      return true;
    } else {
      // A user service that predates GetUserContacts: the inbox entry is worth more than
      // waiting for an upgrade; without an address there is no e-mail.
      log::Warn("notify_personal_contacts_unimplemented").Kv("user_id", job.notice.user_id);
    }
  }
  const PersonalOutcome outcome = Resolve(job.notice, contact);
  absl::StatusOr<bool> created = Finish(job, outcome, absl::Now());
  if (!created.ok()) {
    Defer(job, created.status());
    return true;
  }
  if (*created && metrics_ != nullptr) metrics_->Created(1);
  return true;
}

absl::StatusOr<int64_t> PersonalWorker::Pending() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared1("ntf_pending_personal")[0].as<int64_t>();
  });
}

}  // namespace shopcast::realtime_push::notify
