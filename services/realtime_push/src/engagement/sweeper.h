#pragma once

// Ends the presence of sessions that stopped heartbeating, on an interval, in the background;
// each room whose viewers changed gets a coalesced ViewerCount push. Every replica runs one:
// the sweep skips rows another replica is sweeping, so none is counted out twice.

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engagement/coalescer.h"
#include "engagement/presence_store.h"

namespace shopcast::realtime_push::engagement {

struct SweeperOptions {
  absl::Duration interval = absl::Seconds(5);
  // Sessions ended per transaction; a full batch is followed by another at once.
  int batch = 500;
};

class Sweeper {
 public:
  Sweeper(PresenceStore& store, Coalescer& coalescer, SweeperOptions options)
      : store_(store), coalescer_(coalescer), options_(options) {}
  ~Sweeper() { Stop(); }
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  void Start();
  void Stop();
  // One sweep now (every batch); how many rooms' viewers changed.
  absl::StatusOr<int> RunOnce();

 private:
  PresenceStore& store_;
  Coalescer& coalescer_;
  const SweeperOptions options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::realtime_push::engagement
