#include "revocation_waits.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace shopcast::user {

bool RevocationWaits::Hold(const void* key, int64_t after, absl::Time until, Release release) {
  absl::MutexLock lock(&mu_);
  if (gone_.contains(key)) return false;  // its client left while it read
  // A revocation the caller's read did not see may have been pulled since: answer it now
  // rather than wait for the next one.
  if (closed_ || known_ > after || held_.size() >= max_held_) return false;
  held_[key] = Held{after, until, std::move(release)};
  return true;
}

bool RevocationWaits::Drop(const void* key) {
  absl::MutexLock lock(&mu_);
  if (held_.erase(key) > 0) return true;
  gone_.insert(key);
  return false;
}

void RevocationWaits::Forget(const void* key) {
  absl::MutexLock lock(&mu_);
  gone_.erase(key);
}

void RevocationWaits::Advance(int64_t last_sequence, absl::Time now) {
  std::vector<std::pair<Release, bool>> released;
  {
    absl::MutexLock lock(&mu_);
    known_ = std::max(known_, last_sequence);
    for (auto it = held_.begin(); it != held_.end();) {
      const bool news = it->second.after < known_;
      if (news || it->second.until <= now) {
        released.emplace_back(std::move(it->second.release), news);
        held_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& [release, news] : released) release(news);
}

void RevocationWaits::Close() {
  absl::flat_hash_map<const void*, Held> held;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    held.swap(held_);
  }
  for (auto& [key, h] : held) h.release(false);
}

size_t RevocationWaits::held() const {
  absl::MutexLock lock(&mu_);
  return held_.size();
}

}  // namespace shopcast::user
