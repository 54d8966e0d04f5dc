#pragma once

// Room wake-ups (each a walk over one room's local subscribers, starting their writes) shared
// out between a drainer posted to gRPC's context and gRPC's own callback threads.
//
// Before this, a Publish batch's wake-ups ran in one gRPC Alarm callback, and gRPC 1.51 ran
// those callbacks on one thread of its executor: with 100 rooms × 100 subscribers that one
// thread carried about half a core of writes while gRPC's polling ("nexting") threads, which
// run every write completion and every Publish handler, did a fifth as much each
// (tools/bench/RESULTS.md, fanout runs 9 and 10). The bare broadcast server writes a room from
// the polling thread that read its Publish, so its writes use both cores.
//
// Here the wake-ups are queued one room per job. A drainer is posted as before, so a quiet
// server wakes its rooms exactly as fast as it did; and every callback gRPC runs anyway (a
// subscriber's write completing, a Publish arriving) first takes one queued job, so under
// load the rooms are walked by whichever of gRPC's threads is running, with no extra thread
// and no extra wake-up. Only rooms up to `help_up_to` subscribers are shared: walking a room
// of 10,000 from a polling thread would stall that thread's own callbacks for the whole walk,
// so large rooms are posted on their own, as before.
//
// A room's events still reach each subscriber in order: a job only calls each listener's
// Wake(), and a subscriber writes the next sequence it needs from the feed under its own lock,
// whichever thread wakes it and however many wake it at once.

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shopcast::realtime_push::rooms {

class WakeQueue : public std::enable_shared_from_this<WakeQueue> {
 public:
  using Job = std::function<void()>;
  // Runs a function soon on another thread (RunInGrpcContext in the service).
  using Post = std::function<void(Job)>;

  // `help_up_to`: jobs for rooms with at most this many listeners are queued for helpers; 0
  // shares none (every job is posted, as before this queue).
  static std::shared_ptr<WakeQueue> Make(Post post, size_t help_up_to);

  // Queues one job per room (`listeners` each: a room's local subscribers) and makes sure a
  // drainer will run them.
  struct RoomWake {
    Job job;
    size_t listeners = 0;
  };
  void Push(std::vector<RoomWake> wakes);

  // Runs at most `max_jobs` queued jobs on the calling thread; costs one atomic load when
  // nothing is queued. Runs nothing when called from inside a job (a write completing inline
  // under a walk), so walks never nest.
  int Help(int max_jobs = 1);

  // Jobs queued and not yet taken.
  size_t queued() const { return queued_.load(std::memory_order_relaxed); }

  WakeQueue(Post post, size_t help_up_to);

 private:
  void Drain();
  bool Pop(Job* job);

  const Post post_;
  const size_t help_up_to_;
  absl::Mutex mu_;
  std::deque<Job> jobs_ ABSL_GUARDED_BY(mu_);
  bool drainer_posted_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<size_t> queued_{0};
};

}  // namespace shopcast::realtime_push::rooms
