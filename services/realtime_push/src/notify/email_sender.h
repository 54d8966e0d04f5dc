#pragma once

// The e-mail outbox's sender: claims due e-mails, sends each once through the Mailer and
// records the outcome. Retries only what mail::SafeToRetry says did not go out (with jittered
// backoff, up to max_attempts); a refusal is final; an ambiguous outcome (the message went out,
// no reply came) is never resent: an e-mail is delivered at most once. The in-app entry exists
// whatever happens here.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mail/mailer.h"
#include "notify/notify_metrics.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::realtime_push::notify {

struct EmailJob {
  std::string notification_id;
  std::string to;
  std::string subject;
  std::string body;
  int attempts = 0;  // this one included
};

enum class EmailResult { kSent, kFailed, kUnknown };

// Where the outbox lives (PostgreSQL in the service; a fake in unit tests).
class EmailStore {
 public:
  virtual ~EmailStore() = default;
  // Up to `limit` due e-mails, each marked as being sent until `lease_until`.
  virtual absl::StatusOr<std::vector<EmailJob>> Claim(absl::Time now, absl::Time lease_until,
                                                      int limit) = 0;
  virtual absl::Status Finish(const std::string& notification_id, EmailResult result,
                              const std::string& detail, absl::Time now) = 0;
  virtual absl::Status Retry(const std::string& notification_id, absl::Time at,
                             const std::string& detail) = 0;
  // E-mails whose sender vanished mid-send (lease passed) become unknown; how many.
  virtual absl::StatusOr<int64_t> ReapLost(absl::Time now) = 0;
};

struct EmailOptions {
  std::string from;
  int batch = 20;
  int max_attempts = 10;
  // Longer than a Send can take (SmtpOptions.total_timeout).
  absl::Duration lease = absl::Minutes(2);
  timing::BackoffPolicy backoff{absl::Seconds(5), absl::Minutes(30)};
};

class EmailSender {
 public:
  // `metrics` may be null.
  EmailSender(EmailStore& store, mail::Mailer& mailer, EmailOptions options, NotifyMetrics* metrics)
      : store_(store), mailer_(mailer), options_(std::move(options)), metrics_(metrics) {}

  // Sends one batch of due e-mails; how many were attempted.
  absl::StatusOr<int> RunOnce();

 private:
  void SendOne(const EmailJob& job);

  EmailStore& store_;
  mail::Mailer& mailer_;
  const EmailOptions options_;
  NotifyMetrics* const metrics_;
};

}  // namespace shopcast::realtime_push::notify
