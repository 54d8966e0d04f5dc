#include "shopcast/timing/periodic_worker.h"

#include <algorithm>
#include <utility>

namespace shopcast::timing {

PeriodicWorker::PeriodicWorker(Options options, std::function<bool()> round,
                               const SteadyClock& clock)
    : options_(std::move(options)), round_(std::move(round)), clock_(clock) {}

namespace {

PeriodicWorker::Options Every(absl::Duration interval) {
  PeriodicWorker::Options options;
  options.interval = interval;
  return options;
}

}  // namespace

PeriodicWorker::PeriodicWorker(absl::Duration interval, std::function<bool()> round,
                               const SteadyClock& clock)
    : PeriodicWorker(Every(interval), std::move(round), clock) {}

PeriodicWorker::~PeriodicWorker() { Stop(); }

void PeriodicWorker::Start() {
  std::lock_guard<std::mutex> join(join_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
  }
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void PeriodicWorker::Stop() {
  std::lock_guard<std::mutex> join(join_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

bool PeriodicWorker::stop_requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void PeriodicWorker::Run() {
  absl::Duration pause = options_.interval;
  for (;;) {
    const bool ok = round_();
    if (stop_requested()) return;
    if (!ok) {
      pause = std::min(pause * 2, options_.max_backoff);
    } else {
      pause = options_.next_wait ? options_.next_wait() : options_.interval;
    }
    std::unique_lock<std::mutex> lock(mu_);
    const SteadyClock::TimePoint deadline = clock_.Now() + ToSteady(pause);
    while (!stopping_ && !woken_ && clock_.WaitUntil(wake_, lock, deadline)) {
    }
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace shopcast::timing
