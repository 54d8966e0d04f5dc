#include "auctions/auction_closer.h"

#include <algorithm>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions {

AuctionCloser::AuctionCloser(AuctionStore& store, absl::Duration interval)
    : store_(store), interval_(interval) {}

AuctionCloser::~AuctionCloser() { Stop(); }

void AuctionCloser::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void AuctionCloser::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool AuctionCloser::Round() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return true;
    }
    absl::StatusOr<bool> closed = store_.CloseOneDue();
    if (!closed.ok()) {
      log::Warn("auction_close_failed")
          .Kv("code", absl::StatusCodeToString(closed.status().code()))
          .Kv("reason", ReasonOf(closed.status()))
          .Kv("detail", std::string(closed.status().message()));
      return false;
    }
    if (!*closed) return true;
  }
}

void AuctionCloser::Run() {
  absl::Duration backoff = interval_;
  for (;;) {
    // A failing database is retried with a growing pause (up to 30 s), not hammered.
    backoff = Round() ? interval_ : std::min(backoff * 2, absl::Seconds(30));
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
    if (stopping_) return;
  }
}

}  // namespace shopcast::product_inventory::auctions
