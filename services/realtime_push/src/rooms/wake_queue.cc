#include "rooms/wake_queue.h"

#include <utility>

namespace shopcast::realtime_push::rooms {
namespace {

// Set while this thread runs a job (drainer or helper): a write completing inline under a
// walk must not start another walk inside it.
thread_local bool t_in_job = false;

class InJob {
 public:
  InJob() { t_in_job = true; }
  ~InJob() { t_in_job = false; }
  InJob(const InJob&) = delete;
  InJob& operator=(const InJob&) = delete;
};

}  // namespace

std::shared_ptr<WakeQueue> WakeQueue::Make(Post post, size_t help_up_to) {
  return std::make_shared<WakeQueue>(std::move(post), help_up_to);
}

WakeQueue::WakeQueue(Post post, size_t help_up_to)
    : post_(std::move(post)), help_up_to_(help_up_to) {}

void WakeQueue::Push(std::vector<RoomWake> wakes) {
  bool post_drainer = false;
  std::vector<Job> alone;
  {
    absl::MutexLock lock(&mu_);
    for (RoomWake& w : wakes) {
      if (w.listeners > help_up_to_) {
        // A large room is walked on its own, as before: not by a helper, and not behind the
        // small ones.
        alone.push_back(std::move(w.job));
        continue;
      }
      jobs_.push_back(std::move(w.job));
    }
    queued_.store(jobs_.size(), std::memory_order_relaxed);
    if (!jobs_.empty() && !drainer_posted_) {
      drainer_posted_ = true;
      post_drainer = true;
    }
  }
  for (Job& job : alone) post_(std::move(job));
  if (post_drainer) {
    // The drainer keeps the queue alive until it has run.
    post_([self = shared_from_this()] { self->Drain(); });
  }
}

bool WakeQueue::Pop(Job* job) {
  absl::MutexLock lock(&mu_);
  if (jobs_.empty()) return false;
  *job = std::move(jobs_.front());
  jobs_.pop_front();
  queued_.store(jobs_.size(), std::memory_order_relaxed);
  return true;
}

void WakeQueue::Drain() {
  InJob in_job;
  for (;;) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      if (jobs_.empty()) {
        // Cleared under the lock Push takes: a job queued after this posts a new drainer.
        drainer_posted_ = false;
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
      queued_.store(jobs_.size(), std::memory_order_relaxed);
    }
    job();
  }
}

int WakeQueue::Help(int max_jobs) {
  if (queued_.load(std::memory_order_relaxed) == 0 || t_in_job) return 0;
  InJob in_job;
  int ran = 0;
  Job job;
  while (ran < max_jobs && Pop(&job)) {
    job();
    job = nullptr;
    ++ran;
  }
  return ran;
}

}  // namespace shopcast::realtime_push::rooms
