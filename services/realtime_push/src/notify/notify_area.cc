#include "notify/notify_area.h"

#include "absl/time/clock.h"
#include "notify/notify_sql.h"
#include "shopcast/log/log.h"

namespace shopcast::realtime_push::notify {

NotifyArea::NotifyArea(db::Pool& pool, server::Executor& executor,
                       const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
                       FollowerSource* followers, ContactSource* contacts, mail::Mailer* mailer,
                       NotifyAreaOptions options, prometheus::Registry* registry)
    : options_(std::move(options)),
      metrics_(registry),
      store_(pool, options_.entries),
      hub_(options_.subscriber_tick) {
  service_ = std::make_unique<NotifyService>(NotifyService::Deps{
      verifier, revoked, store_, hub_, executor, options_.subscribe, &metrics_});
  loops_.push_back(
      std::make_unique<Periodic>(options_.purge_interval, [this](const std::function<bool()>&) {
        const absl::Time now = absl::Now();
        absl::StatusOr<int64_t> purged = store_.Purge(now, now - options_.entries.ttl);
        if (!purged.ok()) {
          log::Warn("notify_purge_failed").Kv("detail", std::string(purged.status().message()));
        } else if (*purged > 0) {
          log::Info("notifications_purged").Kv("count", *purged);
        }
      }));
  if (followers != nullptr) {
    fanout_store_ = std::make_unique<PgFanoutStore>(pool, options_.entries);
    fanout_ =
        std::make_unique<FanoutWorker>(*fanout_store_, *followers, options_.fanout, &metrics_);
    loops_.push_back(std::make_unique<Periodic>(
        options_.fanout_interval,
        [this](const std::function<bool()>& stopping) { RunFanout(stopping); }));
  }
  personal_ = std::make_unique<PersonalWorker>(pool, contacts, options_.entries, options_.personal,
                                               &metrics_);
  loops_.push_back(std::make_unique<Periodic>(options_.personal_interval,
                                              [this](const std::function<bool()>& stopping) {
                                                while (!stopping() && personal_->RunOnce()) {
                                                }
                                              }));
  if (mailer != nullptr) {
    email_store_ = std::make_unique<PgEmailStore>(pool);
    sender_ = std::make_unique<EmailSender>(*email_store_, *mailer, options_.email, &metrics_);
    loops_.push_back(std::make_unique<Periodic>(
        options_.email_interval, [this](const std::function<bool()>& stopping) {
          // Batches back to back while the outbox has due e-mails.
          while (!stopping()) {
            absl::StatusOr<int> sent = sender_->RunOnce();
            if (!sent.ok()) {
              log::Warn("notify_email_claim_failed")
                  .Kv("detail", std::string(sent.status().message()));
              return;
            }
            if (*sent == 0) return;
          }
        }));
  }
}

NotifyArea::~NotifyArea() { Stop(); }

void NotifyArea::RunFanout(const std::function<bool()>& stopping) {
  while (!stopping() && fanout_->RunOnce()) {
  }
  absl::StatusOr<int64_t> pending = fanout_store_->Pending();
  if (pending.ok()) metrics_.SetPendingFanouts(*pending);
}

rooms::WentLiveHook NotifyArea::went_live_hook() {
  if (fanout_ == nullptr) return nullptr;
  return [](pqxx::work& tx, const rooms::WentLive& went_live) {
    return EnqueueGoLive(tx, went_live, absl::Now());
  };
}

void NotifyArea::ListenOn(rooms::FeedHub& hub) {
  hub.AddChannel(sql::kChannel,
                 [this](const std::string& user_id) { hub_.OnNotification(user_id); });
}

void NotifyArea::Start() {
  hub_.Start();
  for (auto& loop : loops_) loop->Start();
}

void NotifyArea::CloseSubscribers(const absl::Status& status) { hub_.CloseAll(status); }

void NotifyArea::Stop() {
  // A fan-out in progress stops between pages; its lease lapses and any replica resumes it.
  if (fanout_ != nullptr) fanout_->Cancel();
  for (auto& loop : loops_) loop->Stop();
  hub_.Stop();
}

}  // namespace shopcast::realtime_push::notify
