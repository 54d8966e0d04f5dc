#include "queue/queue_advancer.h"

#include <algorithm>
#include <vector>

#include "common/due_rounds.h"
#include "shopcast/log/log.h"

namespace shopcast::product_inventory::queue {
namespace {

// Never spin: even a deadline already passed waits this long (the round just ran).
constexpr absl::Duration kMinWait = absl::Milliseconds(5);

timing::PeriodicWorker::Options WorkerOptions(absl::Duration interval,
                                              std::function<absl::Duration()> next_wait) {
  timing::PeriodicWorker::Options options;
  options.interval = interval;
  // After a successful round: the interval, or less to meet a claim deadline. A failing
  // database is retried with a growing pause (up to 30 s), not hammered.
  options.next_wait = std::move(next_wait);
  options.max_backoff = absl::Seconds(30);
  return options;
}

}  // namespace

QueueAdvancer::QueueAdvancer(QueueStore& store, absl::Duration interval,
                             std::function<void(const std::string&)> changed)
    : store_(store),
      interval_(interval),
      changed_(std::move(changed)),
      worker_(WorkerOptions(interval, [this] { return NextWait(); }), [this] { return Round(); }) {}

QueueAdvancer::~QueueAdvancer() { Stop(); }

bool QueueAdvancer::Round() {
  // A queue advanced this round is not claimed again in it: one that stays due without
  // progress (a ticket wanting more than is left while the rest is held) waits for the next.
  std::vector<std::string> done;
  while (!worker_.stop_requested()) {
    absl::StatusOr<AdvanceResult> advanced = store_.AdvanceOneDue(done);
    if (!advanced.ok()) {
      LogRoundFailure("queue_advance_failed", advanced.status());
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
  return true;
}

absl::Duration QueueAdvancer::NextWait() {
  absl::StatusOr<std::optional<absl::Time>> deadline = store_.NextDeadline();
  if (!deadline.ok()) {
    LogRoundFailure("queue_deadline_failed", deadline.status());
    return interval_;
  }
  if (!deadline->has_value()) return interval_;
  return std::clamp(**deadline - store_.Now(), kMinWait, interval_);
}

}  // namespace shopcast::product_inventory::queue
