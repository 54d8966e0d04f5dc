#pragma once

// The notifications area assembled: inbox store, live subscribers, the go-live fan-out and the
// e-mail outbox with their background loops. The App builds one and wires its parts.

#include <memory>

#include "clients/user_contacts.h"
#include "clients/user_followers.h"
#include "mail/mailer.h"
#include "notify/email_pg_store.h"
#include "notify/email_sender.h"
#include "notify/fanout.h"
#include "notify/fanout_pg_store.h"
#include "notify/inbox_store.h"
#include "notify/notify_hub.h"
#include "notify/notify_metrics.h"
#include "notify/notify_service.h"
#include "notify/periodic.h"
#include "notify/personal.h"
#include "rooms/event_sink_service.h"
#include "rooms/feed_hub.h"

namespace shopcast::realtime_push::notify {

struct NotifyAreaOptions {
  // Every new entry's expiry, and the web app's address for the links in e-mails.
  EntryRules entries;
  absl::Duration purge_interval = absl::Hours(1);
  // Live subscribers' fallback re-read and keep-alive clock.
  absl::Duration subscriber_tick = absl::Seconds(2);
  InboxSubscribeOptions subscribe;
  FanoutOptions fanout;
  absl::Duration fanout_interval = absl::Seconds(1);
  // Notifications to one user (order updates, sales): claimed this often.
  PersonalOptions personal;
  absl::Duration personal_interval = absl::Seconds(1);
  EmailOptions email;
  absl::Duration email_interval = absl::Seconds(1);
};

class NotifyArea {
 public:
  // `followers` null: go-live notifications are off (no user service). `contacts` null:
  // notifications to one user go to the inbox only (no address, no preference to read).
  // `mailer` null: e-mail off. All must outlive the area.
  NotifyArea(db::Pool& pool, server::Executor& executor, const auth::TokenVerifier& verifier,
             const auth::RevocationList* revoked, FollowerSource* followers,
             ContactSource* contacts, mail::Mailer* mailer, NotifyAreaOptions options,
             prometheus::Registry* registry);
  ~NotifyArea();

  NotifyService& service() { return *service_; }
  // For the EventSink: queues the fan-out in the event's transaction; null when off.
  rooms::WentLiveHook went_live_hook();
  // Subscribers are woken through the rooms hub's LISTEN connection. Before hub.Start().
  void ListenOn(rooms::FeedHub& hub);

  void Start();
  // Ends live subscriptions (shutdown), before the host drains.
  void CloseSubscribers(const absl::Status& status);
  void Stop();

 private:
  void RunFanout(const std::function<bool()>& stopping);

  const NotifyAreaOptions options_;
  NotifyMetrics metrics_;
  InboxStore store_;
  NotifyHub hub_;
  std::unique_ptr<NotifyService> service_;
  std::unique_ptr<PgFanoutStore> fanout_store_;
  std::unique_ptr<FanoutWorker> fanout_;
  std::unique_ptr<PersonalWorker> personal_;
  std::unique_ptr<PgEmailStore> email_store_;
  std::unique_ptr<EmailSender> sender_;
  std::vector<std::unique_ptr<Periodic>> loops_;
};

}  // namespace shopcast::realtime_push::notify
