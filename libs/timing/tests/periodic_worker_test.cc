#include "shopcast/timing/periodic_worker.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "shopcast/testing/wait.h"

namespace shopcast::timing {
namespace {

using shopcast::testing::WaitUntil;

constexpr absl::Duration kDeadline = absl::Seconds(30);

PeriodicWorker::Options Every(absl::Duration interval) {
  PeriodicWorker::Options options;
  options.interval = interval;
  return options;
}

// A fake clock that remembers the pause the worker waits for now, so a test reads the pause
// instead of guessing it from what did not happen yet.
class PauseClock final : public SteadyClock {
 public:
  TimePoint Now() const override { return fake_.Now(); }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    {
      std::lock_guard<std::mutex> l(mu_);
      deadline_ = deadline;
    }
    return fake_.WaitUntil(cv, lock, deadline);
  }
  void Advance(absl::Duration d) { fake_.Advance(d); }
  // How far the worker's current wait reaches beyond now.
  absl::Duration Pause() const {
    std::lock_guard<std::mutex> l(mu_);
    return absl::FromChrono(deadline_ - fake_.Now());
  }

 private:
  FakeSteadyClock fake_;
  mutable std::mutex mu_;
  mutable TimePoint deadline_{};
};

TEST_CASE("a worker runs a round at once, then one per interval of its clock") {
  PauseClock clock;
  std::atomic<int> rounds{0};
  PeriodicWorker worker(
      Every(absl::Minutes(1)), [&] { return ++rounds > 0; }, clock);
  worker.Start();
  REQUIRE(WaitUntil([&] { return rounds == 1 && clock.Pause() == absl::Minutes(1); }, kDeadline));
  for (int i = 2; i <= 4; ++i) {
    clock.Advance(absl::Minutes(1));
    REQUIRE(WaitUntil([&] { return rounds == i && clock.Pause() == absl::Minutes(1); }, kDeadline));
  }
  worker.Stop();
  CHECK(rounds == 4);
}

TEST_CASE(
    "a failing round does not stop the worker, whose pause doubles to the cap and then resets") {
  PauseClock clock;
  const std::vector<bool> results = {false, false, false, true};  // Later rounds succeed.
  std::atomic<int> rounds{0};
  PeriodicWorker::Options options = Every(absl::Seconds(10));
  options.max_backoff = absl::Seconds(30);
  PeriodicWorker worker(
      options,
      [&] {
        const size_t n = static_cast<size_t>(rounds++);
        return n < results.size() ? results[n] : true;
      },
      clock);
  worker.Start();
  // After each round: the pause it earned, and the advance that lets the next one run.
  const absl::Duration expected[] = {absl::Seconds(20), absl::Seconds(30), absl::Seconds(30),
                                     absl::Seconds(10), absl::Seconds(10)};
  for (int i = 0; i < 5; ++i) {
    INFO("round " << i + 1);
    REQUIRE(WaitUntil([&] { return rounds == i + 1 && clock.Pause() == expected[i]; }, kDeadline));
    clock.Advance(expected[i]);
  }
  REQUIRE(WaitUntil([&] { return rounds == 6; }, kDeadline));
}

TEST_CASE("Stop is prompt: it ends a long pause, and a round that asks ends early") {
  SECTION("in a pause of an hour") {
    std::atomic<int> rounds{0};
    PeriodicWorker worker(Every(absl::Hours(1)), [&] { return ++rounds > 0; });
    worker.Start();
    REQUIRE(WaitUntil([&] { return rounds == 1; }, kDeadline));
    const auto start = std::chrono::steady_clock::now();
    worker.Stop();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(rounds == 1);
  }
  SECTION("in a round that checks stop_requested") {
    std::atomic<bool> in_round{false};
    std::atomic<bool> saw_stop{false};
    PeriodicWorker* self = nullptr;
    PeriodicWorker worker(Every(absl::Hours(1)), [&] {
      in_round = true;
      while (!self->stop_requested()) std::this_thread::yield();
      saw_stop = true;
      return true;
    });
    self = &worker;
    worker.Start();
    REQUIRE(WaitUntil([&] { return in_round.load(); }, kDeadline));
    worker.Stop();
    CHECK(saw_stop);
    worker.Stop();  // Idempotent.
  }
}

TEST_CASE("Wake runs a round without waiting for the pause") {
  PauseClock clock;  // Never advanced: only Wake can bring the next round.
  std::atomic<int> rounds{0};
  PeriodicWorker worker(
      Every(absl::Hours(1)), [&] { return ++rounds > 0; }, clock);
  worker.Start();
  REQUIRE(WaitUntil([&] { return rounds == 1 && clock.Pause() == absl::Hours(1); }, kDeadline));
  worker.Wake();
  REQUIRE(WaitUntil([&] { return rounds == 2; }, kDeadline));
}

TEST_CASE("next_wait sets the pause after a successful round, not after a failed one") {
  PauseClock clock;
  std::atomic<int> rounds{0};
  PeriodicWorker::Options options = Every(absl::Hours(1));
  options.next_wait = [] { return absl::Seconds(5); };
  PeriodicWorker worker(
      options, [&] { return ++rounds != 2; }, clock);  // The 2nd round fails.
  worker.Start();
  REQUIRE(WaitUntil([&] { return rounds == 1 && clock.Pause() == absl::Seconds(5); }, kDeadline));
  clock.Advance(absl::Seconds(5));
  // Doubled from the last pause, as any failure.
  REQUIRE(WaitUntil([&] { return rounds == 2 && clock.Pause() == absl::Seconds(10); }, kDeadline));
}

TEST_CASE("a stopped worker does not start, and Stop needs no Start") {
  std::atomic<int> rounds{0};
  PeriodicWorker never(Every(absl::Hours(1)), [&] { return ++rounds > 0; });
  never.Stop();
  never.Start();
  never.Stop();
  CHECK(rounds == 0);
}

}  // namespace
}  // namespace shopcast::timing
