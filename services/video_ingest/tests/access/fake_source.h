#pragma once

// An AccessSource in memory: the test sets gates and passes, counts the loads, and can fail.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "access/access_cache.h"

namespace shopcast::video_ingest::access::testing {

class FakeSource final : public AccessSource {
 public:
  void SetGate(const std::string& stream, StreamGate gate) {
    absl::MutexLock lock(&mu_);
    gates_[stream] = gate;
  }
  void SetPass(const std::string& viewer, const std::string& stream, bool active) {
    absl::MutexLock lock(&mu_);
    if (active) {
      passes_.insert({viewer, stream});
    } else {
      passes_.erase({viewer, stream});
    }
  }
  void SetFailing(bool failing) {
    absl::MutexLock lock(&mu_);
    failing_ = failing;
  }
  int loads() const {
    absl::MutexLock lock(&mu_);
    return loads_;
  }

  absl::StatusOr<std::map<std::string, StreamGate>> Gates(
      const std::vector<std::string>& ids) override {
    absl::MutexLock lock(&mu_);
    ++loads_;
    if (failing_) return absl::UnavailableError("database down");
    std::map<std::string, StreamGate> out;
    for (const auto& id : ids) {
      if (auto it = gates_.find(id); it != gates_.end()) out[id] = it->second;
    }
    return out;
  }
  absl::StatusOr<std::set<ViewerStream>> ActivePasses(
      const std::vector<ViewerStream>& pairs) override {
    absl::MutexLock lock(&mu_);
    ++loads_;
    if (failing_) return absl::UnavailableError("database down");
    std::set<ViewerStream> out;
    for (const auto& p : pairs) {
      if (passes_.count(p) > 0) out.insert(p);
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, StreamGate> gates_ ABSL_GUARDED_BY(mu_);
  std::set<ViewerStream> passes_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  int loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::video_ingest::access::testing
