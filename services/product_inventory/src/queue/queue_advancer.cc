#include "queue/queue_advancer.h"

#include <algorithm>
#include <vector>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::queue {
namespace {

// Never spin: even a deadline already passed waits this long (the round just ran).
constexpr absl::Duration kMinWait = absl::Milliseconds(5);

void LogFailure(const char* what, const absl::Status& s) {
  log::Warn(what)
      .Kv("code", absl::StatusCodeToString(s.code()))
      .Kv("reason", ReasonOf(s))
      .Kv("detail", std::string(s.message()));
}

}  // namespace

QueueAdvancer::QueueAdvancer(QueueStore& store, absl::Duration interval,
                             std::function<void(const std::string&)> changed)
    : store_(store), interval_(interval), changed_(std::move(changed)) {}

QueueAdvancer::~QueueAdvancer() { Stop(); }

void QueueAdvancer::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void QueueAdvancer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void QueueAdvancer::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

bool QueueAdvancer::Round() {
  // A queue advanced this round is not claimed again in it: one that stays due without
  // progress (a ticket wanting more than is left while the rest is held) waits for the next.
  std::vector<std::string> done;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return true;
    }
    absl::StatusOr<AdvanceResult> advanced = store_.AdvanceOneDue(done);
    if (!advanced.ok()) {
      LogFailure("queue_advance_failed", advanced.status());
      return false;
    }
    if (advanced->product_id.empty()) return true;
    if (advanced->offers > 0 || advanced->settled > 0 || advanced->cancelled > 0) {
      log::Info("queue_advanced")
          .Kv("product_id", advanced->product_id)
          .Kv("offers", advanced->offers)
          .Kv("settled", advanced->settled)
          .Kv("cancelled", advanced->cancelled);
      if (changed_) changed_(advanced->product_id);
    }
    done.push_back(advanced->product_id);
  }
}

absl::Duration QueueAdvancer::NextWait() {
  absl::StatusOr<std::optional<absl::Time>> deadline = store_.NextDeadline();
  if (!deadline.ok()) {
    LogFailure("queue_deadline_failed", deadline.status());
    return interval_;
  }
  if (!deadline->has_value()) return interval_;
  return std::clamp(**deadline - store_.Now(), kMinWait, interval_);
}

void QueueAdvancer::Run() {
  absl::Duration backoff = interval_;
  for (;;) {
    const bool ok = Round();
    // A failing database is retried with a growing pause (up to 30 s), not hammered.
    backoff = ok ? NextWait() : std::min(backoff * 2, absl::Seconds(30));
    absl::MutexLock lock(&mu_);
    auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
    mu_.AwaitWithTimeout(absl::Condition(&wake), backoff);
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace shopcast::product_inventory::queue
