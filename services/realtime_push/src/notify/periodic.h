#pragma once

// A background loop: runs a function on its own thread every interval until stopped. The
// notifications area's fan-out, e-mail sender and purge each run on one.

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::realtime_push::notify {

class Periodic {
 public:
  // `fn` gets a stop check to end long work early.
  Periodic(absl::Duration interval, std::function<void(const std::function<bool()>&)> fn)
      : interval_(interval), fn_(std::move(fn)) {}
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void Start() {
    thread_ = std::thread([this] {
      const std::function<bool()> stopping = [this] {
        absl::MutexLock lock(&mu_);
        return stopping_;
      };
      for (;;) {
        {
          absl::MutexLock lock(&mu_);
          if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
        }
        fn_(stopping);
      }
    });
  }
  // Idempotent; waits for a run in progress.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  const absl::Duration interval_;
  const std::function<void(const std::function<bool()>&)> fn_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::realtime_push::notify
