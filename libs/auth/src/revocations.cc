#include "shopcast/auth/revocations.h"

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::auth {

absl::Status RevocationList::Check(const Claims& claims) const {
  absl::MutexLock lock(&mu_);
  auto it = not_before_.find(claims.subject);
  if (it == not_before_.end() || claims.issued_at >= it->second) return absl::OkStatus();
  return Unauthenticated("TOKEN_REVOKED",
                         "access token was revoked (role change, logout or account deletion); "
                         "sign in again");
}

void RevocationList::Apply(const std::vector<Revocation>& batch) {
  absl::MutexLock lock(&mu_);
  for (const Revocation& r : batch) {
    if (r.sequence <= last_sequence_) continue;
    last_sequence_ = r.sequence;
    absl::Time& t = not_before_.try_emplace(r.user_id, r.not_before).first->second;
    t = std::max(t, r.not_before);
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
                      .Help("1 while the last pull of token revocations failed (the last "
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
}

RevocationSync::~RevocationSync() { Stop(); }

absl::Status RevocationSync::SyncOnce() {
  absl::Status status;
  while (true) {
    absl::StatusOr<RevocationBatch> batch = source_(list_.last_sequence());
    if (!batch.ok()) {
      status = batch.status();
      break;
    }
    list_.Apply(batch->revocations);
    if (!batch->more || batch->revocations.empty()) break;
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
  if (thread_.joinable()) thread_.join();
}

bool RevocationSync::stale() const {
  absl::MutexLock lock(&mu_);
  return stale_;
}

void RevocationSync::Loop() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.interval)) return;
    }
    (void)SyncOnce();
  }
}

}  // namespace shopcast::auth
