#include "shopcast/testing/wait.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace shopcast::testing {
namespace {

TEST_CASE("WaitUntil returns as soon as the condition holds, and false at the deadline") {
  std::atomic<bool> flag{false};
  std::thread setter([&] { flag = true; });
  CHECK(WaitUntil([&] { return flag.load(); }, absl::Seconds(30)));
  setter.join();
  CHECK_FALSE(WaitUntil([] { return false; }, absl::Milliseconds(50)));
}

TEST_CASE("WaitUntilBlocked tells a thread waiting on a condition from one still running") {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> spin{true};
  std::atomic<pid_t> tid{0};
  std::thread worker([&] {
    tid = CurrentThreadId();
    while (spin.load()) {
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  REQUIRE(WaitUntil([&] { return tid.load() != 0; }, absl::Seconds(30)));
  // Busy: never asleep in a futex.
  CHECK_FALSE(WaitUntilBlocked(tid, absl::Milliseconds(100)));
  spin = false;
  CHECK(WaitUntilBlocked(tid, absl::Seconds(30)));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  worker.join();
}

TEST_CASE("ThreadCount sees a thread come and go") {
  const int before = ThreadCount();
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load()) std::this_thread::yield();
  });
  CHECK(ThreadCount() == before + 1);
  stop = true;
  worker.join();
  CHECK(WaitUntil([&] { return ThreadCount() == before; }, absl::Seconds(30)));
}

}  // namespace
}  // namespace shopcast::testing
