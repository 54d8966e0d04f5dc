#include "notify/fanout.h"

#include "absl/time/clock.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {

std::vector<NewNotification> FanoutWorker::BatchOf(const FanoutJob& job,
                                                   const FollowerPage& page) const {
  std::vector<NewNotification> batch;
  const Content content = GoLiveContent(job.stream_id, job.title);
  for (const Follower& f : page.followers) {
    // The follower's own choice; the host never notifies themself.
    if (!f.followed_host_live || f.user_id == job.host_id) continue;
    batch.push_back(NewNotification{f.user_id, job.dedupe_key, content, f.email, f.display_name});
  }
  return batch;
}

void FanoutWorker::Defer(const FanoutJob& job, const absl::Status& why) {
  const absl::Time at = absl::Now() + timing::JitteredBackoff(options_.backoff, job.failures + 1);
  log::Warn("notify_fanout_deferred")
      .Kv("stream_id", job.stream_id)
      .Kv("reason", ReasonOf(why))
      .Kv("detail", std::string(why.message()));
  if (absl::Status s = store_.Defer(job, at, ReasonOf(why)); !s.ok()) {
    // The lease lapses instead; the job is tried again then.
    log::Warn("notify_fanout_defer_failed").Kv("detail", std::string(s.message()));
  }
}

bool FanoutWorker::RunOnce() {
  absl::Time now = absl::Now();
  absl::StatusOr<std::optional<FanoutJob>> claimed = store_.Claim(now, now + options_.lease);
  if (!claimed.ok()) {
    log::Warn("notify_fanout_claim_failed").Kv("detail", std::string(claimed.status().message()));
    return false;
  }
  if (!claimed->has_value()) return false;
  FanoutJob job = **claimed;
  while (!cancelled_) {
    absl::StatusOr<FollowerPage> page =
        followers_.Page(job.host_id, job.after_user_id, options_.page_size);
    if (!page.ok()) {
      Defer(job, page.status());
      return true;
    }
    if (!page->next_after_user_id.empty() && page->next_after_user_id <= job.after_user_id) {
      // A cursor that does not advance would page forever.
      Defer(job, Error(absl::StatusCode::kInternal, "FOLLOWER_CURSOR_STUCK",
                       "the follower source returned a cursor that does not advance"));
      return true;
    }
    now = absl::Now();
    absl::StatusOr<int64_t> created = store_.CommitBatch(
        job, BatchOf(job, *page), page->next_after_user_id, now, now + options_.lease);
    if (!created.ok()) {
      if (ReasonOf(created.status()) != "FANOUT_CURSOR_MOVED") Defer(job, created.status());
      return true;
    }
    if (metrics_ != nullptr) metrics_->Created(*created);
    if (page->next_after_user_id.empty()) {
      log::Info("notify_fanout_done").Kv("stream_id", job.stream_id);
      return true;
    }
    job.after_user_id = page->next_after_user_id;
    job.failures = 0;
  }
  return true;
}

}  // namespace shopcast::realtime_push::notify
