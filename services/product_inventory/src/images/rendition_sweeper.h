#pragma once

// Runs RenditionCollector::Sweep every interval on its own thread and logs one line per round.
// Every replica may run one: the collector's rename makes concurrent sweeps over a shared folder
// safe. (A simple loop of its own for now; it moves onto the service's common periodic worker
// once that exists.)

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "images/rendition_gc.h"
#include "shopcast/timing/clock.h"

namespace shopcast::product_inventory::images {

class RenditionSweeper {
 public:
  // `collector` and `clock` (which times the rounds) outlive the sweeper.
  RenditionSweeper(RenditionCollector& collector, absl::Duration interval,
                   const timing::SteadyClock& clock = timing::SteadyClock::Real());
  ~RenditionSweeper();  // Stop()s.
  RenditionSweeper(const RenditionSweeper&) = delete;
  RenditionSweeper& operator=(const RenditionSweeper&) = delete;

  // Starts the thread: a round at once (files orphaned while no replica ran), then every
  // interval.
  void Start();
  // Waits for a round in progress to end. Idempotent.
  void Stop();

  // Rounds finished so far (tests wait for one).
  int64_t rounds() const;

 private:
  void Run();

  RenditionCollector& collector_;
  const absl::Duration interval_;
  const timing::SteadyClock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_, as is rounds_.
  int64_t rounds_ = 0;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::images
