#pragma once

// A fixed pool of threads with a bounded queue for blocking work (database calls). gRPC
// callback reactions must never block, so handlers hand their work here and finish from here.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shopcast::server {

class Executor {
 public:
  // `threads` workers; at most `max_queue` tasks waiting beyond those running.
  Executor(int threads, int max_queue);
  ~Executor();  // Runs Shutdown().
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task`; false (and the task is not run) when the queue is full or shut down.
  bool TrySubmit(std::function<void()> task);

  // Stops accepting work, runs what is queued, joins the workers. Idempotent.
  void Shutdown();

  int queued() const;

 private:
  void Work();

  const size_t max_queue_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace shopcast::server
