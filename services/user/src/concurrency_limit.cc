#include "concurrency_limit.h"

namespace shopcast::user {

ConcurrencyLimit::ConcurrencyLimit(int max_in_use, absl::Duration max_wait)
    : max_in_use_(max_in_use < 1 ? 1 : max_in_use), max_wait_(max_wait) {}

std::optional<ConcurrencyLimit::Slot> ConcurrencyLimit::Acquire() {
  absl::MutexLock lock(&mu_);
  auto free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_use_ < max_in_use_; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&free), max_wait_)) return std::nullopt;
  ++in_use_;
  return Slot(this);
}

int ConcurrencyLimit::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

void ConcurrencyLimit::Release() {
  absl::MutexLock lock(&mu_);
  --in_use_;
}

}  // namespace shopcast::user
