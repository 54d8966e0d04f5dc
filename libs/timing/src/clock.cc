#include "shopcast/timing/clock.h"

namespace shopcast::timing {
namespace {

class RealSteadyClock final : public SteadyClock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    // libstdc++ waits for steady_clock deadlines with pthread_cond_clockwait(CLOCK_MONOTONIC).
    return cv.wait_until(lock, deadline) == std::cv_status::no_timeout;
  }
};

}  // namespace

const SteadyClock& SteadyClock::Real() {
  static const RealSteadyClock* clock = new RealSteadyClock();  // never destroyed
  return *clock;
}

std::chrono::steady_clock::duration ToSteady(absl::Duration d) {
  if (d >= absl::Hours(24 * 365 * 100)) return std::chrono::hours(24 * 365 * 100);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

SteadyClock::TimePoint FakeSteadyClock::Now() const {
  std::lock_guard<std::mutex> l(mu_);
  return now_;
}

bool FakeSteadyClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                                TimePoint deadline) const {
  if (Now() >= deadline) return false;
  cv.wait_for(lock, std::chrono::milliseconds(1));
  return Now() < deadline;
}

void FakeSteadyClock::Advance(absl::Duration d) {
  std::lock_guard<std::mutex> l(mu_);
  now_ += ToSteady(d);
}

}  // namespace shopcast::timing
