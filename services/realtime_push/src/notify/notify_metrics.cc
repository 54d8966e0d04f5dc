#include "notify/notify_metrics.h"

namespace shopcast::realtime_push::notify {

NotifyMetrics::NotifyMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  created_ = &prometheus::BuildCounter()
                  .Name("shopcast_realtime_push_inbox_notifications_created_total")
                  .Help("Inbox entries created (repeats not counted)")
                  .Register(*registry)
                  .Add({});
  pending_fanouts_ = &prometheus::BuildGauge()
                          .Name("shopcast_realtime_push_fanout_jobs_pending")
                          .Help("Go-live fan-out jobs not finished yet")
                          .Register(*registry)
                          .Add({});
  auto& emails = prometheus::BuildCounter()
                     .Name("shopcast_realtime_push_emails_total")
                     .Help("Notification e-mail send attempts by result")
                     .Register(*registry);
  sent_ = &emails.Add({{"result", "sent"}});
  failed_ = &emails.Add({{"result", "failed"}});
  retried_ = &emails.Add({{"result", "retried"}});
  unknown_ = &emails.Add({{"result", "outcome_unknown"}});
  cut_ = &prometheus::BuildCounter()
              .Name("shopcast_realtime_push_notification_subscribers_cut_total")
              .Help("SubscribeNotifications calls ended because the client read too slowly")
              .Register(*registry)
              .Add({});
}

void NotifyMetrics::Created(int64_t n) {
  if (created_ != nullptr && n > 0) created_->Increment(static_cast<double>(n));
}
void NotifyMetrics::SetPendingFanouts(int64_t n) {
  if (pending_fanouts_ != nullptr) pending_fanouts_->Set(static_cast<double>(n));
}
void NotifyMetrics::EmailSent() {
  if (sent_ != nullptr) sent_->Increment();
}
void NotifyMetrics::EmailFailed() {
  if (failed_ != nullptr) failed_->Increment();
}
void NotifyMetrics::EmailRetried() {
  if (retried_ != nullptr) retried_->Increment();
}
void NotifyMetrics::EmailOutcomeUnknown(int64_t n) {
  if (unknown_ != nullptr && n > 0) unknown_->Increment(static_cast<double>(n));
}
void NotifyMetrics::SubscriberCut() {
  if (cut_ != nullptr) cut_->Increment();
}

}  // namespace shopcast::realtime_push::notify
