#include "media/bus_watch.h"

#include <gst/gst.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "media/gstreamer_init.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::media {
namespace {

void PostApplication(GstBus* bus, const char* name) {
  gst_bus_post(bus, gst_message_new_application(nullptr, gst_structure_new_empty(name)));
}

TEST_CASE("Every pipeline's bus is watched on one shared thread", "[bus]") {
  InitGStreamer();
  const int threads_before = testing::ThreadCount();
  constexpr int kBuses = 20;
  absl::Mutex mu;
  std::set<std::thread::id> callback_threads;
  std::atomic<int> messages{0};
  std::vector<GstBus*> buses;
  std::vector<std::unique_ptr<BusWatch>> watches;
  for (int i = 0; i < kBuses; ++i) {
    GstBus* bus = gst_bus_new();
    buses.push_back(bus);
    watches.push_back(std::make_unique<BusWatch>(
        bus,
        [&](GstMessage*) {
          absl::MutexLock lock(&mu);
          callback_threads.insert(std::this_thread::get_id());
          ++messages;
        },
        absl::Seconds(60), [] {}));
  }
  for (GstBus* bus : buses) PostApplication(bus, "hello");
  REQUIRE(testing::WaitUntil([&] { return messages.load() == kBuses; }, absl::Seconds(10)));
  {
    absl::MutexLock lock(&mu);
    CHECK(callback_threads.size() == 1);
    CHECK(callback_threads.count(std::this_thread::get_id()) == 0);
  }
  // At most the one shared thread (if this test started it), not one per bus.
  CHECK(testing::ThreadCount() <= threads_before + 1);
  watches.clear();
  for (GstBus* bus : buses) gst_object_unref(bus);
}

TEST_CASE("The tick runs until the watch is destroyed, and never after", "[bus]") {
  InitGStreamer();
  GstBus* bus = gst_bus_new();
  std::atomic<int> ticks{0};
  std::atomic<bool> destroyed{false};
  std::atomic<bool> late{false};
  auto watch = std::make_unique<BusWatch>(
      bus, [](GstMessage*) {}, absl::Milliseconds(5),
      [&] {
        if (destroyed.load()) late = true;
        ++ticks;
        // Slow callbacks: destruction must wait for one that is running.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      });
  REQUIRE(testing::WaitUntil([&] { return ticks.load() >= 3; }, absl::Seconds(10)));
  watch.reset();
  destroyed = true;
  const int after = ticks.load();
  // Another watch's tick proves the shared thread kept running after the destruction.
  std::atomic<int> other_ticks{0};
  GstBus* other_bus = gst_bus_new();
  auto other = std::make_unique<BusWatch>(
      other_bus, [](GstMessage*) {}, absl::Milliseconds(5), [&] { ++other_ticks; });
  REQUIRE(testing::WaitUntil([&] { return other_ticks.load() >= 5; }, absl::Seconds(10)));
  CHECK(ticks.load() == after);
  CHECK_FALSE(late.load());
  other.reset();
  gst_object_unref(other_bus);
  gst_object_unref(bus);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
