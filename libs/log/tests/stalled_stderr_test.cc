// A stalled stderr (a pipe nobody reads) must not stall the threads that log.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "prometheus/metric_family.h"
#include "shopcast/log/log.h"

namespace {

double DroppedMetric() {
  for (const prometheus::MetricFamily& f : shopcast::log::Metrics()->Collect()) {
    if (f.name == "log_lines_dropped_total" && !f.metric.empty()) {
      return f.metric.front().counter.value;
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("logging onto a stderr nobody reads returns promptly and counts the dropped lines") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int saved_stderr = ::dup(STDERR_FILENO);
  REQUIRE(saved_stderr >= 0);
  REQUIRE(::dup2(fds[1], STDERR_FILENO) == STDERR_FILENO);
  const uint64_t dropped_before = shopcast::log::DroppedLines();

  // Far more than the pipe (64 KiB) and the logger's queue can hold.
  constexpr int kThreads = 16;
  constexpr int kLinesEach = 2000;
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&finished, t] {
      for (int i = 0; i < kLinesEach; ++i) {
        shopcast::log::Info("rpc")
            .Kv("method", "GetSigningKeys")
            .Kv("request_id", std::string(40, 'r'))
            .Kv("thread", t)
            .Kv("i", i);
      }
      finished.fetch_add(1);
    });
  }
  // Generous for a loaded machine; a logger that blocks on the pipe never gets there at all.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (finished.load() < kThreads && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool all_returned = finished.load() == kThreads;
  const uint64_t dropped = shopcast::log::DroppedLines() - dropped_before;
  const double metric = DroppedMetric();

  // Unstall: stderr back to what it was, then drain the pipe until its last writer is done.
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(fds[1]);
  std::thread drainer([fd = fds[0]] {
    char buf[65536];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  });
  for (std::thread& t : threads) t.join();
  CHECK(shopcast::log::Flush(absl::Seconds(30)));
  drainer.join();
  ::close(fds[0]);

  CHECK(all_returned);
  CHECK(dropped > 0);
  CHECK(metric >= static_cast<double>(dropped));
}
