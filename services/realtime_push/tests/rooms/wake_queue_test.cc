// Room wake-ups shared between a posted drainer and gRPC's callback threads: every job runs
// exactly once, helpers run them on their own thread, a walk never nests another, and large
// rooms are never left to helpers.
#include "rooms/wake_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace rooms = shopcast::realtime_push::rooms;

namespace {

// A Post that keeps what it is given, to run when the test says.
struct Posted {
  absl::Mutex mu;
  std::vector<rooms::WakeQueue::Job> jobs;
  rooms::WakeQueue::Post Fn() {
    return [this](rooms::WakeQueue::Job job) {
      absl::MutexLock lock(&mu);
      jobs.push_back(std::move(job));
    };
  }
  size_t size() {
    absl::MutexLock lock(&mu);
    return jobs.size();
  }
  void RunAll() {
    std::vector<rooms::WakeQueue::Job> now;
    {
      absl::MutexLock lock(&mu);
      now.swap(jobs);
    }
    for (auto& j : now) j();
  }
};

std::vector<rooms::WakeQueue::RoomWake> Wakes(std::vector<int>& counts, size_t listeners) {
  std::vector<rooms::WakeQueue::RoomWake> out;
  for (size_t i = 0; i < counts.size(); ++i) {
    out.push_back({[&counts, i] { ++counts[i]; }, listeners});
  }
  return out;
}

}  // namespace

TEST_CASE("queued rooms are each woken once, by the drainer or by helpers") {
  Posted posted;
  auto q = rooms::WakeQueue::Make(posted.Fn(), 100);
  std::vector<int> counts(5, 0);
  q->Push(Wakes(counts, 10));
  REQUIRE(posted.size() == 1);  // one drainer for the batch
  CHECK(q->queued() == 5);

  CHECK(q->Help(2) == 2);  // a helper takes two rooms on its own thread
  CHECK(counts == std::vector<int>{1, 1, 0, 0, 0});
  posted.RunAll();  // the drainer walks the rest
  CHECK(counts == std::vector<int>{1, 1, 1, 1, 1});
  CHECK(q->queued() == 0);
  CHECK(q->Help() == 0);

  // The drainer has finished: the next batch posts a new one.
  q->Push(Wakes(counts, 10));
  CHECK(posted.size() == 1);
  posted.RunAll();
  CHECK(counts == std::vector<int>{2, 2, 2, 2, 2});
}

TEST_CASE("a batch queued while a drainer is pending posts no second drainer") {
  Posted posted;
  auto q = rooms::WakeQueue::Make(posted.Fn(), 100);
  std::vector<int> a(2, 0);
  std::vector<int> b(3, 0);
  q->Push(Wakes(a, 1));
  q->Push(Wakes(b, 1));
  CHECK(posted.size() == 1);
  posted.RunAll();
  CHECK(a == std::vector<int>{1, 1});
  CHECK(b == std::vector<int>{1, 1, 1});
  posted.RunAll();
  CHECK(posted.size() == 0);
}

TEST_CASE("rooms above the sharing limit are posted alone and never run by helpers") {
  Posted posted;
  auto q = rooms::WakeQueue::Make(posted.Fn(), 100);
  std::vector<int> big(2, 0);
  q->Push(Wakes(big, 101));
  CHECK(posted.size() == 2);  // each on its own
  CHECK(q->queued() == 0);
  CHECK(q->Help(10) == 0);
  CHECK(big == std::vector<int>{0, 0});
  posted.RunAll();
  CHECK(big == std::vector<int>{1, 1});

  // 0 shares nothing: every room posted, as before the queue.
  auto none = rooms::WakeQueue::Make(posted.Fn(), 0);
  std::vector<int> small(3, 0);
  none->Push(Wakes(small, 1));
  CHECK(posted.size() == 3);
  CHECK(none->Help(10) == 0);
  posted.RunAll();
  CHECK(small == std::vector<int>{1, 1, 1});
}

TEST_CASE("a helper called from inside a walk runs nothing") {
  Posted posted;
  auto q = rooms::WakeQueue::Make(posted.Fn(), 100);
  int nested_ran = -1;
  int second = 0;
  std::vector<rooms::WakeQueue::RoomWake> wakes;
  // A write completing inline under a walk calls Help: it must not start the next room there.
  wakes.push_back({[&] { nested_ran = q->Help(10); }, 1});
  wakes.push_back({[&] { ++second; }, 1});
  q->Push(std::move(wakes));
  CHECK(q->Help(1) == 1);
  CHECK(nested_ran == 0);
  CHECK(second == 0);
  posted.RunAll();
  CHECK(second == 1);
}

TEST_CASE("a drainer outliving every other holder of the queue still runs") {
  Posted posted;
  std::vector<int> counts(3, 0);
  {
    auto q = rooms::WakeQueue::Make(posted.Fn(), 100);
    q->Push(Wakes(counts, 1));
  }
  posted.RunAll();
  CHECK(counts == std::vector<int>{1, 1, 1});
}

TEST_CASE("helpers on several threads and the drainer wake every room exactly once") {
  // The drainer runs on a thread of its own, as gRPC's executor would run it.
  std::vector<std::thread> drainers;
  absl::Mutex drainers_mu;
  auto post = [&](rooms::WakeQueue::Job job) {
    absl::MutexLock lock(&drainers_mu);
    drainers.emplace_back(std::move(job));
  };
  auto q = rooms::WakeQueue::Make(post, 100);
  constexpr int kBatches = 200;
  constexpr int kRooms = 20;
  std::vector<std::atomic<int>> counts(kBatches * kRooms);
  std::atomic<bool> pushing{true};
  std::vector<std::thread> helpers;
  for (int h = 0; h < 3; ++h) {
    helpers.emplace_back([&] {
      while (pushing.load() || q->queued() > 0) q->Help(1);
    });
  }
  for (int b = 0; b < kBatches; ++b) {
    std::vector<rooms::WakeQueue::RoomWake> wakes;
    for (int r = 0; r < kRooms; ++r) {
      wakes.push_back({[&counts, i = b * kRooms + r] { counts[i].fetch_add(1); }, 5});
    }
    q->Push(std::move(wakes));
  }
  pushing = false;
  for (auto& t : helpers) t.join();
  for (;;) {
    std::vector<std::thread> now;
    {
      absl::MutexLock lock(&drainers_mu);
      now.swap(drainers);
    }
    if (now.empty()) break;
    for (auto& t : now) t.join();
  }
  CHECK(q->queued() == 0);
  int wrong = 0;
  for (auto& c : counts) wrong += c.load() == 1 ? 0 : 1;
  CHECK(wrong == 0);
}
