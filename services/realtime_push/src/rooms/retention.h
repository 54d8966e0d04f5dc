#pragma once

// Purges room events beyond the retention window on an interval, in the background.

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rooms/room_log.h"

namespace shopcast::realtime_push::rooms {

struct RetentionOptions {
  int64_t keep_events = 10000;
  absl::Duration keep_age = absl::Hours(24);
  absl::Duration interval = absl::Minutes(1);
};

class Retention {
 public:
  Retention(RoomLog& log, RetentionOptions options) : log_(log), options_(options) {}
  ~Retention() { Stop(); }
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  void Start();
  void Stop();
  // One purge now; how many events went.
  absl::StatusOr<int64_t> RunOnce();

 private:
  RoomLog& log_;
  const RetentionOptions options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::realtime_push::rooms
