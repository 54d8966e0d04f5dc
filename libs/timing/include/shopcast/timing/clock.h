#pragma once

// A steady (monotonic) clock for elapsed time, timeouts and deadlines, injectable so that tests
// can move time. The wall clock is only for timestamps shown to people or stored; it jumps
// (NTP steps, an operator's date -s) and must never decide how long something waited.
//
// Abseil's Mutex/CondVar timed waits measure against the wall clock in the Abseil this project
// builds with, so code that waits with a timeout waits through SteadyClock::WaitUntil on a
// std::condition_variable (CLOCK_MONOTONIC underneath) instead.

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace shopcast::timing {

class SteadyClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~SteadyClock() = default;

  virtual TimePoint Now() const = 0;

  // Waits on `cv` (whose mutex `lock` holds) until notified, a spurious wake-up, or this clock
  // reaching `deadline`. Returns false iff the deadline has been reached. Callers re-check their
  // condition in a loop, as with any condition variable.
  virtual bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;

  // The process's std::chrono::steady_clock. Lives forever.
  static const SteadyClock& Real();
};

// Converts an absl::Duration for arithmetic on SteadyClock::TimePoint (saturating at infinity).
std::chrono::steady_clock::duration ToSteady(absl::Duration d);

// Seconds between two steady instants.
inline double SecondsBetween(SteadyClock::TimePoint from, SteadyClock::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

// A clock for tests: time stands still until Advance(). Waiters poll it every millisecond of
// real time, so advancing it releases them without further help. Thread-safe.
class FakeSteadyClock final : public SteadyClock {
 public:
  TimePoint Now() const override;
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
  void Advance(absl::Duration d);

 private:
  mutable std::mutex mu_;
  TimePoint now_{std::chrono::hours(1000)};
};

}  // namespace shopcast::timing
