#include "notify/email_sender.h"

#include "absl/time/clock.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {

absl::StatusOr<int> EmailSender::RunOnce() {
  const absl::Time now = absl::Now();
  absl::StatusOr<int64_t> lost = store_.ReapLost(now);
  if (lost.ok() && *lost > 0) {
    log::Warn("notify_email_outcome_unknown").Kv("count", *lost).Kv("reason", "SENDER_LOST");
    if (metrics_ != nullptr) metrics_->EmailOutcomeUnknown(*lost);
  }
  absl::StatusOr<std::vector<EmailJob>> jobs =
      store_.Claim(now, now + options_.lease, options_.batch);
  if (!jobs.ok()) return jobs.status();
  for (const EmailJob& job : *jobs) SendOne(job);
  return static_cast<int>(jobs->size());
}

void EmailSender::SendOne(const EmailJob& job) {
  mail::MailMessage message{options_.from, job.to, job.subject, job.body, job.notification_id};
  const absl::Status sent = mailer_.Send(message);
  const absl::Time now = absl::Now();
  absl::Status recorded;
  if (sent.ok()) {
    recorded = store_.Finish(job.notification_id, EmailResult::kSent, "", now);
    if (metrics_ != nullptr) metrics_->EmailSent();
  } else if (mail::SafeToRetry(sent) && job.attempts < options_.max_attempts) {
    const absl::Time at = now + timing::JitteredBackoff(options_.backoff, job.attempts);
    recorded = store_.Retry(job.notification_id, at, ReasonOf(sent));
    if (metrics_ != nullptr) metrics_->EmailRetried();
  } else if (sent.code() == absl::StatusCode::kUnknown) {
    // It may have been delivered: a second copy is worse than none.
    recorded = store_.Finish(job.notification_id, EmailResult::kUnknown, ReasonOf(sent), now);
    if (metrics_ != nullptr) metrics_->EmailOutcomeUnknown();
  } else {
    const std::string why = mail::SafeToRetry(sent) ? "SMTP_RETRIES_EXHAUSTED" : ReasonOf(sent);
    recorded = store_.Finish(job.notification_id, EmailResult::kFailed, why, now);
    if (metrics_ != nullptr) metrics_->EmailFailed();
  }
  if (!sent.ok()) {
    log::Warn("notify_email_not_sent")
        .Kv("notification_id", job.notification_id)
        .Kv("attempt", job.attempts)
        .Kv("reason", ReasonOf(sent));
  }
  if (!recorded.ok()) {
    // The row stays 'sending' and its lease ends as unknown: never a second copy.
    log::Warn("notify_email_record_failed")
        .Kv("notification_id", job.notification_id)
        .Kv("detail", std::string(recorded.message()));
  }
}

}  // namespace shopcast::realtime_push::notify
