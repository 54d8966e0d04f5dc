#pragma once

// The checkout saga of one order: lock the reservation -> authorize -> commit the reservation
// -> capture -> CONFIRMED, or the compensation (void, release) -> FAILED. Every step's outcome
// is recorded with the next step before that step starts (OrderStore::Save), under a lease that
// keeps other runners (a retry, another replica's recovery) off the order; a runner that dies
// leaves a lease that lapses, and whoever claims it next repeats at most the one call whose
// outcome was not recorded. Every call it repeats is idempotent on the order's ids (PI's
// checkout RPCs on the order id, the provider on the payment id), so nothing is charged or
// sold twice.
//
// An access pass to a gated stream (IsAccessPass) has no reservation: its saga starts at
// authorize, goes from an authorized payment straight to the capture, and its compensation
// only voids; product-inventory is never called. Declines, timeouts, pending payments and
// recovery are the goods' ones.

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "checkout/inventory.h"
#include "checkout/order_record.h"
#include "checkout/order_store.h"
#include "payments/provider.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace shopcast::order::checkout {

struct SagaOptions {
  // How long a runner owns an order without recording progress; a dead runner's orders are
  // resumed this long after its last step at the latest. Longer than any one step with its
  // retries.
  absl::Duration lease_ttl = absl::Seconds(30);
  // product-inventory keeps the locked hold this long (30 s..15 min).
  absl::Duration lock_duration = absl::Minutes(10);
  // Each provider call's deadline, how many times a call that got no answer is made (same
  // payment id), and the pause before the n-th repeat (n x this).
  absl::Duration provider_timeout = absl::Seconds(5);
  int provider_attempts = 3;
  absl::Duration provider_retry_pause = absl::Milliseconds(200);
  // A payment still pending this long after the provider said so fails with PAYMENT_TIMEOUT.
  absl::Duration pending_timeout = absl::Minutes(10);
  // When a peer was unavailable, recovery tries the order again after this.
  absl::Duration retry_after = absl::Seconds(2);
  // How often a call waiting for another replica's run looks at the order.
  absl::Duration wait_poll = absl::Milliseconds(50);
  // Tests: called after each step was recorded, with the step that runs next; true abandons
  // the run there as a crash would (the lease is kept until it lapses).
  std::function<bool(const std::string& order_id, const std::string& next_step)> crash_after;
};

// What a run ended with.
struct RunOutcome {
  OrderRecord record;
  // Why the run stopped early: UNAVAILABLE INVENTORY_UNAVAILABLE (product-inventory did not
  // answer; the order resumes later), FAILED_PRECONDITION RESERVATION_ALREADY_USED or
  // NOT_FOUND RESERVATION_NOT_FOUND (the lock was refused; the order FAILED). OK otherwise.
  absl::Status error;
  // False when another runner had the order (nothing was run).
  bool ran = false;
};

class CheckoutSaga {
 public:
  // `owner` names this runner in leases (unique per process). Everything outlives the saga;
  // `metrics` may be null.
  CheckoutSaga(OrderStore& store, Inventory& inventory, payments::PaymentProvider& provider,
               std::string owner, SagaOptions options, prometheus::Registry* metrics);

  // Runs the order's saga if this runner can take it (nobody else runs it), until it is done,
  // waits for the provider, or a peer is unavailable; then the order as it stands. When
  // another runner has it, the order as it stands (not run).
  absl::StatusOr<RunOutcome> Run(const std::string& order_id);

  // Waits until no runner holds the order (its run ended or its lease lapsed) or `deadline`;
  // then the order as it stands.
  absl::StatusOr<OrderRecord> WaitWhileRunning(const std::string& order_id, absl::Time deadline);

  // The lease of a new order this runner creates and then Run()s.
  absl::Time NewLeaseUntil(absl::Time now) const { return now + options_.lease_ttl; }
  const std::string& owner() const { return owner_; }
  const SagaOptions& options() const { return options_; }

  // One step's result (saga.cc).
  struct StepResult;

  // Counts a checkout's outcome (the metric's label): confirmed, pending, failed_<reason>,
  // rejected_<reason>, unavailable; `item` is what was bought (product, access_pass).
  void CountOutcome(const std::string& outcome, const std::string& item = "product");

 private:
  // One step of `rec` (at rec.step), recorded.
  StepResult RunStep(OrderRecord& rec);
  StepResult Lock(OrderRecord& rec);
  StepResult Authorize(OrderRecord& rec);
  StepResult AwaitPayment(OrderRecord& rec);
  StepResult Commit(OrderRecord& rec);
  StepResult Capture(OrderRecord& rec);
  StepResult Void(OrderRecord& rec);
  StepResult Release(OrderRecord& rec);

  // Records rec (moved to `next_step`) from `from` and renews the lease.
  absl::Status Advance(OrderRecord& rec, const std::string& from, v1::OrderStatus previous);

  bool TryEnter(const std::string& order_id);
  void Leave(const std::string& order_id);

  OrderStore& store_;
  Inventory& inventory_;
  payments::PaymentProvider& provider_;
  const std::string owner_;
  const SagaOptions options_;

  // Orders this process runs right now (the lease cannot tell two runs of one owner apart).
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> running_ ABSL_GUARDED_BY(mu_);

  prometheus::Family<prometheus::Counter>* outcomes_ = nullptr;
  prometheus::Family<prometheus::Histogram>* step_seconds_ = nullptr;
};

}  // namespace shopcast::order::checkout
