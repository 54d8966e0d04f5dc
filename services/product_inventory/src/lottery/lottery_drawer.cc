#include "lottery/lottery_drawer.h"

#include <algorithm>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::lottery {

LotteryDrawer::LotteryDrawer(LotteryStore& store, absl::Duration interval)
    : store_(store), interval_(interval) {}

LotteryDrawer::~LotteryDrawer() { Stop(); }

void LotteryDrawer::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void LotteryDrawer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool LotteryDrawer::Round() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return true;
    }
    absl::StatusOr<bool> drawn = store_.DrawOneDue();
    if (!drawn.ok()) {
      log::Warn("lottery_draw_failed")
          .Kv("code", absl::StatusCodeToString(drawn.status().code()))
          .Kv("reason", ReasonOf(drawn.status()))
          .Kv("detail", std::string(drawn.status().message()));
      return false;
    }
    if (!*drawn) return true;
  }
}

void LotteryDrawer::Run() {
  absl::Duration backoff = interval_;
  for (;;) {
    // A failing database (or a draw that keeps failing) is retried with a growing pause, up
    // to 30 s, not hammered.
    backoff = Round() ? interval_ : std::min(backoff * 2, absl::Seconds(30));
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
    if (stopping_) return;
  }
}

}  // namespace shopcast::product_inventory::lottery
