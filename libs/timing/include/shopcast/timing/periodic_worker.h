#pragma once

// A background loop: runs a round on its own thread at once on Start, then again after each
// pause, until Stop. The services' sweepers, closers and advancers each own one and keep only
// their round (what to do) and its logging.
//
// A failed round is retried after a pause that doubles from the last one, up to a cap, so a
// failing database is retried, not hammered. Pauses are measured on the injected steady clock
// (Abseil's timed waits follow the wall clock, which jumps), and Stop or Wake end one at once.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "shopcast/timing/clock.h"

namespace shopcast::timing {

class PeriodicWorker {
 public:
  struct Options {
    // The pause after a successful round.
    absl::Duration interval = absl::Seconds(10);
    // The cap on the pause after failed rounds (each failure doubles the previous pause). Equal
    // to `interval`: a failed round is simply retried at the interval.
    absl::Duration max_backoff = absl::Seconds(30);
    // When set, the pause after a successful round (a round that knows when work falls due
    // asks for less than the interval); called on the worker's thread.
    std::function<absl::Duration()> next_wait;
  };

  // `round` returns false when it failed; it runs on the worker's thread only. A round that
  // works through many items checks stop_requested() between them to end early. `clock`
  // outlives the worker.
  PeriodicWorker(Options options, std::function<bool()> round,
                 const SteadyClock& clock = SteadyClock::Real());
  // Every `interval`, with the default backoff.
  PeriodicWorker(absl::Duration interval, std::function<bool()> round,
                 const SteadyClock& clock = SteadyClock::Real());
  ~PeriodicWorker();  // Stop()s.
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  // Starts the thread, whose first round runs at once. Does nothing once started or stopped.
  void Start();
  // Ends the pause, lets the round in progress finish, then returns. Idempotent; never call it
  // from a round.
  void Stop();
  // Runs a round soon, without waiting for the pause to end (at once after a round in
  // progress). Cheap; never blocks on a round.
  void Wake();
  // True once Stop was called.
  bool stop_requested() const;

 private:
  void Run();

  const Options options_;
  const std::function<bool()> round_;
  const SteadyClock& clock_;
  std::mutex join_mu_;  // Serialises Start and Stop (thread_).
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_, as is woken_.
  bool woken_ = false;
  std::thread thread_;  // Guarded by join_mu_.
};

}  // namespace shopcast::timing
