#include "notify/inbox_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "notify/personal.h"
#include "rooms/pg_time.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"

namespace shopcast::realtime_push::notify {
namespace {

pb::Notification FromRow(const pqxx::row& r) {
  pb::Notification n;
  n.set_id(r[0].as<std::string>());
  n.set_user_id(r[1].as<std::string>());
  n.set_kind(static_cast<pb::NotificationKind>(r[2].as<int>()));
  n.set_title(r[3].as<std::string>());
  n.set_body(r[4].as<std::string>());
  n.set_stream_id(r[5].as<std::string>());
  n.set_product_id(r[6].as<std::string>());
  n.set_auction_id(r[7].as<std::string>());
  n.set_order_id(r[8].as<std::string>());
  n.set_link(r[9].as<std::string>());
  ToProto(FromMicros(r[10].as<int64_t>()), n.mutable_created_at());
  if (!r[11].is_null()) ToProto(FromMicros(r[11].as<int64_t>()), n.mutable_read_at());
  ToProto(FromMicros(r[12].as<int64_t>()), n.mutable_expires_at());
  return n;
}

int64_t UnreadCount(pqxx::work& tx, const std::string& user_id, absl::Time now) {
  return tx.exec_prepared1("ntf_unread_count", user_id, PgTime(now))[0].as<int64_t>();
}

}  // namespace

bool InsertTx(pqxx::work& tx, const NewNotification& n, absl::Time now, const EntryRules& rules) {
  const std::string id = ids::NewId("ntf");
  const Content& c = n.content;
  pqxx::result r = tx.exec_prepared("ntf_insert", id, n.user_id, n.dedupe_key, c.kind, c.title,
                                    c.body, c.stream_id, c.product_id, c.auction_id, c.order_id,
                                    c.link, PgTime(now), PgTime(now + rules.ttl));
  if (r.empty()) return false;
  if (!n.email_to.empty()) {
    EmailText email = RenderEmail(c, n.display_name, rules.web_base_url);
    tx.exec_prepared0("ntf_insert_email", id, n.email_to, email.subject, email.body, PgTime(now));
  }
  tx.exec_prepared("ntf_notify_user", n.user_id);
  return true;
}

absl::StatusOr<int64_t> InboxStore::Notify(const std::vector<std::string>& user_ids,
                                           const Content& content, const std::string& dedupe_key,
                                           absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    int64_t created = 0;
    for (const std::string& user : user_ids) {
      if (InsertTx(tx, NewNotification{user, dedupe_key, content, "", ""}, now, rules_)) ++created;
    }
    return created;
  });
}

absl::StatusOr<int64_t> InboxStore::Queue(const std::vector<std::string>& user_ids,
                                          const Content& content, const std::string& dedupe_key,
                                          const std::string& preference, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    int64_t queued = 0;
    for (const std::string& user : user_ids) {
      if (EnqueuePersonal(tx, PersonalNotice{user, dedupe_key, preference, content}, now)) {
        ++queued;
      }
    }
    return queued;
  });
}

absl::StatusOr<ListResult> InboxStore::List(const std::string& user_id, bool unread_only, int limit,
                                            const std::optional<ListCursor>& after,
                                            absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ListResult> {
    ListResult out;
    // One more row than asked says whether a next page exists.
    pqxx::result rows =
        after.has_value()
            ? tx.exec_prepared("ntf_list_after", user_id, PgTime(now), unread_only, limit + 1,
                               PgTime(FromMicros(after->created_us)), after->id)
            : tx.exec_prepared("ntf_list_first", user_id, PgTime(now), unread_only, limit + 1);
    for (const auto& row : rows) {
      if (static_cast<int>(out.notifications.size()) == limit) break;
      out.notifications.push_back(FromRow(row));
    }
    if (static_cast<int>(rows.size()) > limit) {
      const pb::Notification& last = out.notifications.back();
      out.next = ListCursor{absl::ToUnixMicros(FromProto(last.created_at())), last.id()};
    }
    out.unread_count = UnreadCount(tx, user_id, now);
    return out;
  });
}

absl::StatusOr<MarkResult> InboxStore::MarkIds(const std::string& user_id,
                                               const std::vector<std::string>& ids,
                                               absl::Time now) {
  const std::string array = db::TextArray(ids);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<MarkResult> {
    MarkResult out;
    out.marked = tx.exec_prepared0("ntf_mark_ids", user_id, array, PgTime(now)).affected_rows();
    out.unread = UnreadCount(tx, user_id, now);
    return out;
  });
}

absl::StatusOr<MarkResult> InboxStore::MarkUpTo(const std::string& user_id, absl::Time up_to,
                                                absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<MarkResult> {
    MarkResult out;
    out.marked =
        tx.exec_prepared0("ntf_mark_up_to", user_id, PgTime(up_to), PgTime(now)).affected_rows();
    out.unread = UnreadCount(tx, user_id, now);
    return out;
  });
}

absl::StatusOr<Horizon> InboxStore::Start(const std::string& user_id, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Horizon> {
    // One snapshot for the horizon, the count and what is already visible above the horizon.
    tx.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    Horizon h;
    h.txid = tx.exec_prepared1("ntf_horizon")[0].as<int64_t>();
    h.unread_count = UnreadCount(tx, user_id, now);
    for (const auto& row : tx.exec_params(
             "SELECT id FROM notifications WHERE user_id = $1 AND txid >= $2", user_id, h.txid)) {
      h.already_visible.push_back(row[0].as<std::string>());
    }
    return h;
  });
}

absl::StatusOr<NewNotifications> InboxStore::ReadNew(const std::string& user_id, int64_t from_txid,
                                                     int limit, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<NewNotifications> {
    NewNotifications out;
    // Read committed: the rows statement's snapshot is newer than the horizon's, so every row
    // of a transaction below the horizon is visible to it.
    out.horizon = tx.exec_prepared1("ntf_horizon")[0].as<int64_t>();
    for (const auto& row :
         tx.exec_prepared("ntf_read_new", user_id, from_txid, out.horizon, PgTime(now), limit)) {
      out.notifications.push_back(FromRow(row));
    }
    return out;
  });
}

absl::StatusOr<int64_t> InboxStore::Purge(absl::Time now, absl::Time emails_before) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    int64_t n = tx.exec_prepared0("ntf_purge_notifications", PgTime(now)).affected_rows();
    tx.exec_prepared0("ntf_purge_emails", PgTime(emails_before));
    tx.exec_prepared0("ntf_purge_personal", PgTime(emails_before));
    return n;
  });
}

}  // namespace shopcast::realtime_push::notify
