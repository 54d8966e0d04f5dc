#include "images/rendition_sweeper.h"

#include "shopcast/log/log.h"

namespace shopcast::product_inventory::images {

RenditionSweeper::RenditionSweeper(RenditionCollector& collector, absl::Duration interval,
                                   const timing::SteadyClock& clock)
    : collector_(collector), interval_(interval), clock_(clock) {}

RenditionSweeper::~RenditionSweeper() { Stop(); }

void RenditionSweeper::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void RenditionSweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t RenditionSweeper::rounds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rounds_;
}

void RenditionSweeper::Run() {
  while (true) {
    const timing::SteadyClock::TimePoint started = clock_.Now();
    const CollectStats s = collector_.Sweep();
    // One line per round, quiet or not: an operator sees the collector is alive and what it
    // freed; errors were logged one by one as they happened.
    log::Line(s.errors > 0 ? log::Level::kWarn : log::Level::kInfo, "image_gc_round")
        .Kv("files_seen", s.files_seen)
        .Kv("candidates", s.candidates)
        .Kv("deleted", s.deleted)
        .Kv("bytes_freed", s.bytes_freed)
        .Kv("restored", s.restored)
        .Kv("lost_race", s.lost_race)
        .Kv("temp_deleted", s.temp_deleted)
        .Kv("errors", s.errors)
        .Kv("ms", timing::SecondsBetween(started, clock_.Now()) * 1000.0);
    std::unique_lock<std::mutex> lock(mu_);
    ++rounds_;
    const auto deadline = clock_.Now() + timing::ToSteady(interval_);
    while (!stopping_ && clock_.WaitUntil(wake_, lock, deadline)) {
    }
    if (stopping_) return;
  }
}

}  // namespace shopcast::product_inventory::images
