#include "shopcast/auth/revocations.h"

#include <algorithm>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::auth {

RevocationList::RevocationList(RevocationListOptions options) : options_(std::move(options)) {}

absl::Status RevocationList::Check(const Claims& claims) const {
  absl::MutexLock lock(&mu_);
  auto it = not_before_.find(claims.subject);
  const bool user_revoked = it != not_before_.end() && claims.issued_at < it->second;
  const bool session_revoked =
      !claims.session_id.empty() && revoked_sessions_.contains(claims.session_id);
  if (!user_revoked && !session_revoked) return absl::OkStatus();
  return Unauthenticated("TOKEN_REVOKED",
                         "access token was revoked (role change, logout or account deletion); "
                         "sign in again");
}

void RevocationList::Apply(const std::vector<Revocation>& batch) {
  const absl::Time now = options_.clock();
  absl::MutexLock lock(&mu_);
  for (const Revocation& r : batch) {
    if (r.sequence <= last_sequence_) continue;
    last_sequence_ = r.sequence;
    if (!r.session_id.empty()) {
      // An entry already past its retention (a fresh list loading the whole log) is skipped.
      if (r.not_before + options_.session_retention <= now) continue;
      if (revoked_sessions_.try_emplace(r.session_id, r.not_before).second) {
        session_order_.emplace_back(r.not_before, r.session_id);
      }
      continue;
    }
    absl::Time& t = not_before_.try_emplace(r.user_id, r.not_before).first->second;
    t = std::max(t, r.not_before);
  }
  ForgetExpiredSessions(now);
}

void RevocationList::ForgetExpiredSessions(absl::Time now) {
  // Arrival order is sequence order, which is cutoff order up to clock differences between
  // user-service replicas: an entry behind a slightly later one waits for it, a few seconds
  // at most, which the retention's margin covers.
  while (!session_order_.empty() &&
         session_order_.front().first + options_.session_retention <= now) {
    revoked_sessions_.erase(session_order_.front().second);
    session_order_.pop_front();
  }
}

int64_t RevocationList::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

size_t RevocationList::size() const {
  absl::MutexLock lock(&mu_);
  return not_before_.size();
}

size_t RevocationList::session_count() const {
  absl::MutexLock lock(&mu_);
  return revoked_sessions_.size();
}

RevocationSync::RevocationSync(RevocationList& list, RevocationSource source,
                               RevocationSyncOptions options, prometheus::Registry* metrics)
    : list_(list), source_(std::move(source)), options_(options) {
  if (metrics == nullptr) return;
  failures_ = &prometheus::BuildCounter()
                   .Name("shopcast_revocations_sync_failures_total")
                   .Help("Failed pulls of token revocations from the user service.")
                   .Register(*metrics)
                   .Add({});
  stale_gauge_ = &prometheus::BuildGauge()
                      .Name("shopcast_revocations_stale")
                      .Help(
                          "1 while the last pull of token revocations failed (the last "
                          "known list is in use).")
                      .Register(*metrics)
                      .Add({});
  last_success_ = &prometheus::BuildGauge()
                       .Name("shopcast_revocations_last_sync_timestamp_seconds")
                       .Help("Unix time of the last successful pull of token revocations.")
                       .Register(*metrics)
                       .Add({});
  known_ = &prometheus::BuildGauge()
                .Name("shopcast_revocations_users")
                .Help("Users with revoked tokens in the in-memory list.")
                .Register(*metrics)
                .Add({});
  known_sessions_ = &prometheus::BuildGauge()
                         .Name("shopcast_revocations_sessions")
                         .Help(
                             "Logged-out sessions in the in-memory list (kept until their "
                             "access tokens have expired).")
                         .Register(*metrics)
                         .Add({});
}

RevocationSync::~RevocationSync() { Stop(); }

absl::Status RevocationSync::SyncOnce() {
  bool got = false;
  return Pull(absl::ZeroDuration(), &got);
}

absl::Status RevocationSync::Pull(absl::Duration wait, bool* got) {
  absl::Status status;
  while (true) {
    absl::StatusOr<RevocationBatch> batch = source_.fetch(list_.last_sequence(), wait);
    if (!batch.ok()) {
      status = batch.status();
      break;
    }
    if (!batch->revocations.empty()) *got = true;
    list_.Apply(batch->revocations);
    if (!batch->more || batch->revocations.empty()) break;
    wait = absl::ZeroDuration();  // the rest of a backlog is there now
  }
  if (!status.ok()) {
    absl::MutexLock lock(&mu_);
    if (stop_) return status;  // a long poll cancelled by Stop(): not a failure to report
  }
  bool was_stale;
  {
    absl::MutexLock lock(&mu_);
    was_stale = stale_;
    stale_ = !status.ok();
  }
  if (!status.ok()) {
    if (failures_ != nullptr) failures_->Increment();
    if (!was_stale) {
      log::Warn("revocations_sync_failed")
          .Kv("detail", std::string(status.message()))
          .Kv("known_users", static_cast<int64_t>(list_.size()))
          .Kv("note", "using the last known revocations");
    }
  } else {
    if (was_stale) log::Info("revocations_sync_recovered");
    if (last_success_ != nullptr) last_success_->Set(absl::ToUnixSeconds(absl::Now()));
  }
  if (stale_gauge_ != nullptr) stale_gauge_->Set(status.ok() ? 0 : 1);
  if (known_ != nullptr) known_->Set(static_cast<double>(list_.size()));
  if (known_sessions_ != nullptr) {
    known_sessions_->Set(static_cast<double>(list_.session_count()));
  }
  if (options_.on_pulled) options_.on_pulled(list_.last_sequence());
  return status;
}

void RevocationSync::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RevocationSync::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (source_.cancel) source_.cancel();
  if (thread_.joinable()) thread_.join();
}

bool RevocationSync::stale() const {
  absl::MutexLock lock(&mu_);
  return stale_;
}

void RevocationSync::Loop() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
  const timing::BackoffPolicy backoff{options_.interval,
                                      std::max(options_.interval, options_.max_backoff)};
  int failures = 0;
  // With a long poll the first pull starts at once (the user service does the waiting); without,
  // an interval after the caller's own SyncOnce().
  absl::Duration pause =
      options_.long_poll > absl::ZeroDuration() ? absl::ZeroDuration() : options_.interval;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), pause)) return;
    }
    const absl::Time started = absl::Now();
    bool got = false;
    const absl::Status status = Pull(options_.long_poll, &got);
    if (!status.ok()) {
      pause = timing::JitteredBackoff(backoff, ++failures);
      continue;
    }
    failures = 0;
    // A long poll that was held (answered with news, or empty once its wait ran out) is
    // followed at once. One answered empty straight away is a source that does not hold calls
    // (no long poll asked for, or a user service that predates it): pull again after interval,
    // never in a tight loop.
    const bool held = options_.long_poll > absl::ZeroDuration() &&
                      (got || absl::Now() - started >= options_.long_poll / 2);
    pause = held ? absl::ZeroDuration() : options_.interval;
  }
}

RevocationSource ImmediateRevocationSource(
    std::function<absl::StatusOr<RevocationBatch>(int64_t after)> fetch) {
  return RevocationSource{
      [fetch = std::move(fetch)](int64_t after, absl::Duration) { return fetch(after); }, {}};
}

}  // namespace shopcast::auth
