#pragma once

// The go-live fan-out: a job per stream that went live, worked through in the background a page
// of followers at a time. Each page's inbox entries (and e-mails) are written in the same
// transaction that moves the job's cursor, so a worker that dies resumes after the last
// committed page and nobody is notified twice (entries are also unique per user and key).
// Several replicas may run workers: a job is leased to one at a time, and a page is committed
// only if the cursor is still where that worker read it.

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/user_followers.h"
#include "notify/notification.h"
#include "notify/notify_metrics.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::realtime_push::notify {

struct FanoutJob {
  std::string dedupe_key;
  std::string host_id;
  std::string stream_id;
  std::string title;
  std::string after_user_id;  // the cursor: followers up to it are done
  int failures = 0;
};

// Where the jobs live (PostgreSQL in the service; a fake in unit tests).
class FanoutStore {
 public:
  virtual ~FanoutStore() = default;
  // A due job, leased to the caller until `lease_until`; nullopt when none is due.
  virtual absl::StatusOr<std::optional<FanoutJob>> Claim(absl::Time now,
                                                         absl::Time lease_until) = 0;
  // Atomically: creates `batch` (each unless it exists) and moves the cursor from
  // job.after_user_id to `next` ("" = done), keeping the lease until `lease_until`. How many
  // entries were created. FAILED_PRECONDITION FANOUT_CURSOR_MOVED, and nothing written, if
  // the cursor is no longer job.after_user_id (another worker took over).
  virtual absl::StatusOr<int64_t> CommitBatch(const FanoutJob& job,
                                              const std::vector<NewNotification>& batch,
                                              const std::string& next, absl::Time now,
                                              absl::Time lease_until) = 0;
  // The job failed at its cursor: try again at `retry_at`.
  virtual absl::Status Defer(const FanoutJob& job, absl::Time retry_at,
                             const std::string& error) = 0;
};

struct FanoutOptions {
  int page_size = 500;
  // A worker holds a job this long past its last committed page.
  absl::Duration lease = absl::Seconds(60);
  timing::BackoffPolicy backoff{absl::Seconds(1), absl::Minutes(5)};
};

class FanoutWorker {
 public:
  // `metrics` may be null.
  FanoutWorker(FanoutStore& store, FollowerSource& followers, FanoutOptions options,
               NotifyMetrics* metrics)
      : store_(store), followers_(followers), options_(options), metrics_(metrics) {}

  // Claims one due job and works it to the end, a page per transaction, until it is done, a
  // step fails (the job is deferred with backoff) or Cancel() is called. False when no job
  // was due (or the claim failed).
  bool RunOnce();
  // Stops RunOnce between pages (the job's lease lapses and another worker resumes it).
  void Cancel() { cancelled_ = true; }

 private:
  std::vector<NewNotification> BatchOf(const FanoutJob& job, const FollowerPage& page) const;
  void Defer(const FanoutJob& job, const absl::Status& why);

  FanoutStore& store_;
  FollowerSource& followers_;
  const FanoutOptions options_;
  NotifyMetrics* const metrics_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace shopcast::realtime_push::notify
