#pragma once

// CancelOrder, MarkOrderShipped and RefundOrder on plain types, and the runner of the remote
// work they leave behind. The RPC surface (lifecycle_rpcs.h) authenticates and maps statuses;
// this decides.
//
// Every change is a decision first: under the order's row lock, the rules (rules.h) are
// checked and the new state, the refund asked for and the events are written in one
// transaction. The remote work a decision implies is recorded there too (orders.lifecycle_step)
// and run afterwards, one call at a time, each outcome recorded before the next call starts,
// under a lease (like the checkout saga's): void the payment and release the hold (an unpaid
// order cancelled), refund at the provider (idempotent per refund id), return the stock to
// product-inventory (idempotent per order). A process that dies keeps its lease until it lapses;
// LifecycleRecovery then finishes the work on any replica, so money and stock always end
// consistent with the order.
//
// An unpaid order (PENDING_PAYMENT) is cancelled by taking its saga over while the saga has not
// committed the stock: the decision ends the saga (orders.step = 'done') in the same row lock
// the saga's own records take, so a saga runner still inside a call finds its next record
// refused (LEASE_LOST) and stops before its next call; whatever that call did is undone by the
// void (a late authorization finds the void and takes nothing) and the release. Once the saga
// is committing or capturing, the stock is sold: the cancel waits (briefly) for it to be
// CONFIRMED and then cancels a paid order, or answers FAILED_PRECONDITION/
// ORDER_PAYMENT_IN_PROGRESS.

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "checkout/inventory.h"
#include "checkout/order_store.h"
#include "lifecycle/lifecycle_store.h"
#include "payments/provider.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/auth/caller.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/timing/periodic_worker.h"

namespace shopcast::order::lifecycle {

struct LifecycleOptions {
  // How long a runner owns an order's lifecycle work without recording progress.
  absl::Duration lease_ttl = absl::Seconds(30);
  // Each provider call's deadline, calls per step, and the pause before the n-th repeat.
  absl::Duration provider_timeout = absl::Seconds(5);
  int provider_attempts = 3;
  absl::Duration provider_retry_pause = absl::Milliseconds(200);
  // When a peer did not answer, recovery tries again after this.
  absl::Duration retry_after = absl::Seconds(2);
  // When a peer refused what should not be refused (a bug or a hand-made change: someone must
  // look), recovery tries again after this; order_lifecycle_steps_total{outcome="refused"}.
  absl::Duration refused_retry_after = absl::Minutes(5);
  // How long a call waits for a running checkout or another runner (less its deadline's
  // margin), and how often it looks.
  absl::Duration max_wait = absl::Seconds(5);
  absl::Duration wait_margin = absl::Milliseconds(500);
  absl::Duration wait_poll = absl::Milliseconds(50);
  // Tests: called after each recorded decision or step with the step that runs next; true
  // abandons the run there as a crash would (the lease is kept until it lapses).
  std::function<bool(const std::string& order_id, const std::string& next_step)> crash_after;
};

class Lifecycle {
 public:
  // Everything outlives the Lifecycle; `owner` names this runner in leases (unique per
  // process); `new_id` makes "<prefix>_…" ids; `metrics` may be null.
  Lifecycle(checkout::OrderStore& orders, LifecycleStore& store, checkout::Inventory& inventory,
            payments::PaymentProvider& provider, std::string owner, LifecycleOptions options,
            std::function<std::string(absl::string_view)> new_id, prometheus::Registry* metrics);

  // The order once cancelled (see order.proto); its refund and stock return have run unless a
  // peer is down (then they finish later).
  absl::StatusOr<v1::Order> Cancel(const auth::Caller& caller,
                                   const v1::CancelOrderRequest& request, absl::Time deadline);
  absl::StatusOr<v1::Order> Ship(const auth::Caller& caller,
                                 const v1::MarkOrderShippedRequest& request);
  absl::StatusOr<v1::Order> Refund(const auth::Caller& caller,
                                   const v1::RefundOrderRequest& request, absl::Time deadline);

  // Runs the order's lifecycle work if nobody else does (waiting until `wait_until` for a
  // runner that has it), until it is done, a peer fails, or the run is abandoned.
  void Drive(const std::string& order_id, absl::Time wait_until);
  // Recovery: leases due work nobody runs and drives it; false when the database failed.
  bool RecoverOnce(int batch, const std::function<bool()>& stop_requested);

  const std::string& owner() const { return owner_; }

  // One step's result (lifecycle.cc).
  struct StepResult;

 private:
  // The decision, with waiting for a running checkout (Cancel) and the run that follows.
  absl::StatusOr<v1::Order> Finish(const std::string& kind, const Decided& decided,
                                   absl::Time wait_until);
  absl::StatusOr<checkout::OrderRecord> ReadVisible(const auth::Caller& caller,
                                                    const std::string& order_id);
  StepResult RunStep(const LifecycleStore::Work& work);
  StepResult Void(const LifecycleStore::Work& work);
  StepResult Release(const LifecycleStore::Work& work);
  StepResult RefundStep(const LifecycleStore::Work& work);
  StepResult ReturnStock(const LifecycleStore::Work& work);
  StepResult Recorded(const std::string& order_id, const StepRecord& record);
  absl::Time WaitUntil(absl::Time deadline) const;
  void Count(const std::string& kind, const std::string& outcome);
  void CountStep(const std::string& step, const std::string& outcome);

  bool TryEnter(const std::string& order_id);
  void Leave(const std::string& order_id);

  checkout::OrderStore& orders_;
  LifecycleStore& store_;
  checkout::Inventory& inventory_;
  payments::PaymentProvider& provider_;
  const std::string owner_;
  const LifecycleOptions options_;
  std::function<std::string(absl::string_view)> new_id_;

  absl::Mutex mu_;
  absl::flat_hash_set<std::string> running_ ABSL_GUARDED_BY(mu_);

  prometheus::Family<prometheus::Counter>* transitions_ = nullptr;
  prometheus::Family<prometheus::Counter>* steps_ = nullptr;
  prometheus::Gauge* unfinished_ = nullptr;
};

// Runs Lifecycle::RecoverOnce at start and then every `interval` (on every replica; the claim
// gives each order to one).
class LifecycleRecovery {
 public:
  LifecycleRecovery(Lifecycle& lifecycle, absl::Duration interval, int batch = 20);
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }

 private:
  Lifecycle& lifecycle_;
  const int batch_;
  timing::PeriodicWorker worker_;
};

}  // namespace shopcast::order::lifecycle
