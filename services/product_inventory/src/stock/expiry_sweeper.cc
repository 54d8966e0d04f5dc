#include "stock/expiry_sweeper.h"

#include "shopcast/log/log.h"

namespace shopcast::product_inventory::stock {

ExpirySweeper::ExpirySweeper(StockStore& store, Options options, const timing::SteadyClock& clock)
    : store_(store), options_(options), clock_(clock) {}

ExpirySweeper::~ExpirySweeper() { Stop(); }

void ExpirySweeper::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void ExpirySweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t ExpirySweeper::units_tidied() const {
  std::lock_guard<std::mutex> lock(mu_);
  return units_tidied_;
}

void ExpirySweeper::Run() {
  while (true) {
    absl::StatusOr<int64_t> tidied = store_.SweepExpired(options_.products_per_pass);
    if (!tidied.ok()) {
      log::Warn("stock_sweep_failed").Kv("status", tidied.status().ToString());
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (tidied.ok()) units_tidied_ += *tidied;
    const auto deadline = clock_.Now() + timing::ToSteady(options_.interval);
    while (!stopping_ && clock_.WaitUntil(wake_, lock, deadline)) {
    }
    if (stopping_) return;
  }
}

}  // namespace shopcast::product_inventory::stock
