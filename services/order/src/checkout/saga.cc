#include "checkout/saga.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg_time.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {

using payments::ProviderPayment;
using payments::ProviderState;

struct CheckoutSaga::StepResult {
  bool go_on = false;
  // Stopped: when recovery may look at the order again, and what the caller is told.
  absl::Time resume_after = absl::InfinitePast();
  absl::Status error;
  // Stopped because the lease was lost or the process "crashed" (test): keep hands off.
  bool abandoned = false;
};

namespace {

CheckoutSaga::StepResult Next() {
  CheckoutSaga::StepResult r;
  r.go_on = true;
  return r;
}
CheckoutSaga::StepResult Finished() { return CheckoutSaga::StepResult(); }

bool PeerDown(const absl::Status& s) {
  // Anything but a refusal about the reservation itself means "no usable answer": retry later.
  return s.code() != absl::StatusCode::kFailedPrecondition &&
         s.code() != absl::StatusCode::kNotFound &&
         s.code() != absl::StatusCode::kPermissionDenied &&
         s.code() != absl::StatusCode::kInvalidArgument;
}

absl::Status InventoryUnavailable() {
  return Error(absl::StatusCode::kUnavailable, "INVENTORY_UNAVAILABLE",
               "product-inventory is unavailable; retry with the same idempotency key");
}

const char* ReleaseReasonOf(v1::OrderFailureReason r) {
  switch (r) {
    case v1::ORDER_FAILURE_REASON_PAYMENT_DECLINED:
      return "PAYMENT_DECLINED";
    case v1::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT:
      return "PAYMENT_TIMEOUT";
    case v1::ORDER_FAILURE_REASON_PAYMENT_ERROR:
      return "PAYMENT_ERROR";
    case v1::ORDER_FAILURE_REASON_RESERVATION_EXPIRED:
      return "RESERVATION_EXPIRED";
    default:
      return "ORDER_FAILED";
  }
}

// Where an authorized payment goes: the reservation's commit, or straight to the capture for
// an access pass (no stock to commit).
const char* AfterAuthorize(const OrderRecord& rec) {
  return IsAccessPass(rec.order) ? step::kCapture : step::kCommit;
}

void SetTimeIfSet(absl::Time t, google::protobuf::Timestamp* out) {
  if (t != absl::InfinitePast()) ToProto(TruncateToMicros(t), out);
}

// Copies the provider's view onto the order's payment.
void Snapshot(const ProviderPayment& p, v1::Payment* out) {
  if (!p.reference.empty()) out->set_provider_reference(p.reference);
  if (!p.decline_code.empty()) out->set_decline_code(p.decline_code);
  SetTimeIfSet(p.authorized_at, out->mutable_authorized_at());
  SetTimeIfSet(p.captured_at, out->mutable_captured_at());
  SetTimeIfSet(p.settled_at, out->mutable_settled_at());
}

}  // namespace

CheckoutSaga::CheckoutSaga(OrderStore& store, Inventory& inventory,
                           payments::PaymentProvider& provider, std::string owner,
                           SagaOptions options, prometheus::Registry* metrics)
    : store_(store),
      inventory_(inventory),
      provider_(provider),
      owner_(std::move(owner)),
      options_(std::move(options)) {
  if (metrics == nullptr) return;
  outcomes_ = &prometheus::BuildCounter()
                   .Name("order_checkout_outcomes_total")
                   .Help(
                       "PlaceOrder calls by item (product, access_pass) and outcome "
                       "(confirmed, pending, failed_*, rejected_*, unavailable).")
                   .Register(*metrics);
  step_seconds_ = &prometheus::BuildHistogram()
                       .Name("order_saga_step_seconds")
                       .Help("Time of each checkout saga step, its peer call and its record.")
                       .Register(*metrics);
}

void CheckoutSaga::CountOutcome(const std::string& outcome, const std::string& item) {
  if (outcomes_ != nullptr) outcomes_->Add({{"item", item}, {"outcome", outcome}}).Increment();
}

bool CheckoutSaga::TryEnter(const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  return running_.insert(order_id).second;
}

void CheckoutSaga::Leave(const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  running_.erase(order_id);
}

absl::StatusOr<RunOutcome> CheckoutSaga::Run(const std::string& order_id) {
  if (!TryEnter(order_id)) {
    ASSIGN_OR_RETURN(OrderRecord rec, store_.Get(order_id));
    return RunOutcome{std::move(rec), absl::OkStatus(), false};
  }
  struct Exit {
    CheckoutSaga* saga;
    const std::string& id;
    ~Exit() { saga->Leave(id); }
  } exit{this, order_id};

  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(bool claimed, store_.Claim(order_id, owner_, NewLeaseUntil(now), now));
  ASSIGN_OR_RETURN(OrderRecord rec, store_.Get(order_id));
  if (!claimed) return RunOutcome{std::move(rec), absl::OkStatus(), false};

  StepResult r;
  while (rec.step != step::kDone) {
    const std::string at = rec.step;
    const auto started = std::chrono::steady_clock::now();
    r = RunStep(rec);
    if (step_seconds_ != nullptr) {
      step_seconds_
          ->Add({{"step", at}},
                prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                        2.5, 5, 10, 30})
          .Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    if (!r.go_on) break;
    if (options_.crash_after && options_.crash_after(order_id, rec.step)) {
      r.abandoned = true;
      break;
    }
  }
  if (!r.abandoned) {
    const absl::Time resume = r.resume_after == absl::InfinitePast() ? absl::Now() : r.resume_after;
    if (absl::Status s = store_.Unlease(order_id, owner_, resume); !s.ok()) {
      // The lease lapses by itself; recovery picks the order up then.
      log::Warn("order_unlease_failed").Kv("order_id", order_id).Kv("detail", s.ToString());
    }
  }
  // What the caller sees is what is stored (the in-memory copy may hold an unrecorded step).
  ASSIGN_OR_RETURN(OrderRecord stored, store_.Get(order_id));
  return RunOutcome{std::move(stored), r.error, true};
}

absl::StatusOr<OrderRecord> CheckoutSaga::WaitWhileRunning(const std::string& order_id,
                                                           absl::Time deadline) {
  for (;;) {
    // Holding the order's in-process slot while probing its lease: this process's recovery
    // cannot start a run between the claim and the give-back, whose Unlease would otherwise
    // clear that live run's lease (the owner is the same) and let another replica claim it.
    if (TryEnter(order_id)) {
      struct Exit {
        CheckoutSaga* saga;
        const std::string& id;
        ~Exit() { saga->Leave(id); }
      } exit{this, order_id};
      // Free for this runner to claim means nobody else runs it either: the lease is free or
      // lapsed. Claim and give back at once, without running anything.
      ASSIGN_OR_RETURN(OrderRecord rec, store_.Get(order_id));
      if (rec.step == step::kDone || rec.step == step::kAwaitingPayment) return rec;
      const absl::Time now = absl::Now();
      ASSIGN_OR_RETURN(bool free, store_.Claim(order_id, owner_, now + options_.lease_ttl, now));
      if (free) {
        RETURN_IF_ERROR(store_.Unlease(order_id, owner_, now));
        return store_.Get(order_id);
      }
    }
    if (absl::Now() + options_.wait_poll >= deadline) return store_.Get(order_id);
    absl::SleepFor(options_.wait_poll);
  }
}

CheckoutSaga::StepResult CheckoutSaga::RunStep(OrderRecord& rec) {
  if (rec.step == step::kLock) return Lock(rec);
  if (rec.step == step::kAuthorize) return Authorize(rec);
  if (rec.step == step::kAwaitingPayment) return AwaitPayment(rec);
  if (rec.step == step::kCommit) return Commit(rec);
  if (rec.step == step::kCapture) return Capture(rec);
  if (rec.step == step::kVoid) return Void(rec);
  if (rec.step == step::kRelease) return Release(rec);
  // A step this build does not know: a newer replica's. Leave it to that one.
  log::Error("order_unknown_step").Kv("order_id", rec.order.id()).Kv("step", rec.step);
  return StepResult{false, absl::Now() + options_.retry_after, absl::OkStatus(), false};
}

absl::Status CheckoutSaga::Advance(OrderRecord& rec, const std::string& from,
                                   v1::OrderStatus previous) {
  const absl::Time now = TruncateToMicros(absl::Now());
  ToProto(now, rec.order.mutable_updated_at());
  if (rec.order.status() == v1::ORDER_STATUS_CONFIRMED && previous != rec.order.status()) {
    ToProto(now, rec.order.mutable_confirmed_at());
  }
  return store_.Save(rec, from, previous, owner_, now + options_.lease_ttl, now);
}

// Stops the run after a failed record: lease lost (another runner has it) or a database error
// (the lease lapses and the step is repeated).
#define SHOPCAST_ADVANCE_OR_STOP(rec, from, previous)                  \
  do {                                                                 \
    if (absl::Status s_ = Advance(rec, from, previous); !s_.ok()) {    \
      log::Warn("order_step_not_recorded")                             \
          .Kv("order_id", rec.order.id())                              \
          .Kv("step", from)                                            \
          .Kv("reason", ReasonOf(s_));                                 \
      StepResult r_;                                                   \
      r_.abandoned = ReasonOf(s_) == "LEASE_LOST";                     \
      r_.resume_after = absl::Now() + options_.retry_after;            \
      r_.error = ReasonOf(s_) == "LEASE_LOST" ? absl::OkStatus() : s_; \
      return r_;                                                       \
    }                                                                  \
  } while (false)

CheckoutSaga::StepResult CheckoutSaga::Lock(OrderRecord& rec) {
  if (IsAccessPass(rec.order)) {
    // Nothing to hold (a pass order starts at authorize; this only moves a stray one on).
    const v1::OrderStatus previous = rec.order.status();
    rec.step = step::kAuthorize;
    SHOPCAST_ADVANCE_OR_STOP(rec, step::kLock, previous);
    return Next();
  }
  const v1::OrderLine& line = rec.order.lines(0);
  auto locked = inventory_.Lock(line.reservation_id(), rec.order.id(), options_.lock_duration);
  const v1::OrderStatus previous = rec.order.status();
  StepResult result;
  result.go_on = true;
  if (locked.ok()) {
    rec.step = step::kAuthorize;
  } else if (PeerDown(locked.status())) {
    return StepResult{false, absl::Now() + options_.retry_after, InventoryUnavailable(), false};
  } else {
    // The hold is gone or another order has it: nothing was taken, the order simply fails.
    const std::string reason = ReasonOf(locked.status());
    rec.step = step::kDone;
    rec.order.set_status(v1::ORDER_STATUS_FAILED);
    if (reason == "RESERVATION_EXPIRED") {
      rec.order.set_failure_reason(v1::ORDER_FAILURE_REASON_RESERVATION_EXPIRED);
    } else if (locked.status().code() == absl::StatusCode::kNotFound) {
      result.error = NotFound("RESERVATION_NOT_FOUND", "no such reservation");
    } else {
      result.error = Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_ALREADY_USED",
                           "another order holds or bought the reservation", "reservation_id");
    }
    result.go_on = false;
  }
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kLock, previous);
  return result;
}

CheckoutSaga::StepResult CheckoutSaga::Authorize(OrderRecord& rec) {
  payments::AuthorizeRequest request;
  request.payment_id = rec.order.payment().id();
  request.order_id = rec.order.id();
  request.buyer_id = rec.order.buyer_id();
  request.amount_minor = rec.order.total().amount_minor();
  request.currency = rec.order.total().currency();
  request.method_token = rec.method_token;
  absl::StatusOr<ProviderPayment> paid;
  for (int attempt = 1; attempt <= options_.provider_attempts; ++attempt) {
    paid = provider_.Authorize(request, absl::Now() + options_.provider_timeout);
    // A definite answer, or a bug no repeat mends.
    if (paid.ok() || paid.status().code() == absl::StatusCode::kInvalidArgument) break;
    if (attempt < options_.provider_attempts) {
      absl::SleepFor(options_.provider_retry_pause * attempt);
    }
  }
  const v1::OrderStatus previous = rec.order.status();
  v1::Payment* payment = rec.order.mutable_payment();
  if (!paid.ok()) {
    // No answer after every attempt: whatever the provider may have taken is voided.
    log::Warn("order_payment_unanswered")
        .Kv("order_id", rec.order.id())
        .Kv("code", absl::StatusCodeToString(paid.status().code()));
    rec.order.set_failure_reason(paid.status().code() == absl::StatusCode::kDeadlineExceeded
                                     ? v1::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT
                                     : v1::ORDER_FAILURE_REASON_PAYMENT_ERROR);
    rec.step = step::kVoid;
  } else {
    Snapshot(*paid, payment);
    switch (paid->state) {
      case ProviderState::kAuthorized:
      case ProviderState::kCaptured:
        payment->set_status(v1::PAYMENT_STATUS_AUTHORIZED);
        rec.step = AfterAuthorize(rec);
        break;
      case ProviderState::kPending:
        payment->set_status(v1::PAYMENT_STATUS_PENDING);
        if (rec.pending_since == absl::InfinitePast()) {
          rec.pending_since = TruncateToMicros(absl::Now());
        }
        rec.step = step::kAwaitingPayment;
        break;
      case ProviderState::kDeclined:
        payment->set_status(v1::PAYMENT_STATUS_DECLINED);
        rec.order.set_failure_reason(v1::ORDER_FAILURE_REASON_PAYMENT_DECLINED);
        rec.step = step::kRelease;
        break;
      default:
        // Voided or unknown to the provider right after authorizing: treat as an error.
        rec.order.set_failure_reason(v1::ORDER_FAILURE_REASON_PAYMENT_ERROR);
        rec.step = step::kVoid;
        break;
    }
  }
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kAuthorize, previous);
  if (rec.step == step::kAwaitingPayment) {
    return StepResult{false, rec.pending_since + options_.pending_timeout, absl::OkStatus(), false};
  }
  return Next();
}

CheckoutSaga::StepResult CheckoutSaga::AwaitPayment(OrderRecord& rec) {
  auto looked = provider_.Lookup(rec.order.payment().id(), absl::Now() + options_.provider_timeout);
  const v1::OrderStatus previous = rec.order.status();
  const bool timed_out = absl::Now() >= rec.pending_since + options_.pending_timeout;
  v1::Payment* payment = rec.order.mutable_payment();
  if (looked.ok() &&
      (looked->state == ProviderState::kAuthorized || looked->state == ProviderState::kCaptured)) {
    Snapshot(*looked, payment);
    payment->set_status(v1::PAYMENT_STATUS_AUTHORIZED);
    rec.step = AfterAuthorize(rec);
  } else if (looked.ok() && looked->state == ProviderState::kDeclined) {
    Snapshot(*looked, payment);
    payment->set_status(v1::PAYMENT_STATUS_DECLINED);
    rec.order.set_failure_reason(v1::ORDER_FAILURE_REASON_PAYMENT_DECLINED);
    rec.step = step::kRelease;
  } else if (looked.ok() && looked->state == ProviderState::kNone) {
    // The provider never recorded the authorization: ask again (same payment id).
    rec.step = step::kAuthorize;
  } else if (timed_out) {
    rec.order.set_failure_reason(v1::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT);
    rec.step = step::kVoid;
  } else {
    // Still pending (or no answer): look again when it would time out, or when settled.
    const absl::Time next = looked.ok() ? rec.pending_since + options_.pending_timeout
                                        : absl::Now() + options_.retry_after;
    return StepResult{false, next, absl::OkStatus(), false};
  }
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kAwaitingPayment, previous);
  return Next();
}

CheckoutSaga::StepResult CheckoutSaga::Commit(OrderRecord& rec) {
  if (IsAccessPass(rec.order)) {
    // Nothing to commit (a pass goes from authorize to capture; this moves a stray one on).
    const v1::OrderStatus previous = rec.order.status();
    rec.step = step::kCapture;
    SHOPCAST_ADVANCE_OR_STOP(rec, step::kCommit, previous);
    return Next();
  }
  const v1::OrderLine& line = rec.order.lines(0);
  auto committed = inventory_.Commit(line.reservation_id(), rec.order.id());
  const v1::OrderStatus previous = rec.order.status();
  if (committed.ok()) {
    rec.step = step::kCapture;
  } else if (PeerDown(committed.status())) {
    // Whether it committed is unknown: the same commit is repeated later, never compensated.
    return StepResult{false, absl::Now() + options_.retry_after, InventoryUnavailable(), false};
  } else {
    // The hold lapsed (its units went back on sale) or is gone: void what was authorized.
    const std::string reason = ReasonOf(committed.status());
    if (reason != "RESERVATION_EXPIRED") {
      log::Error("order_commit_refused").Kv("order_id", rec.order.id()).Kv("reason", reason);
    }
    rec.order.set_failure_reason(v1::ORDER_FAILURE_REASON_RESERVATION_EXPIRED);
    rec.step = step::kVoid;
  }
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kCommit, previous);
  return Next();
}

CheckoutSaga::StepResult CheckoutSaga::Capture(OrderRecord& rec) {
  absl::StatusOr<ProviderPayment> captured;
  for (int attempt = 1; attempt <= options_.provider_attempts; ++attempt) {
    captured = provider_.Capture(rec.order.payment().id(), absl::Now() + options_.provider_timeout);
    if (captured.ok() || captured.status().code() == absl::StatusCode::kFailedPrecondition ||
        captured.status().code() == absl::StatusCode::kInvalidArgument) {
      break;
    }
    if (attempt < options_.provider_attempts) {
      absl::SleepFor(options_.provider_retry_pause * attempt);
    }
  }
  if (!captured.ok() || captured->state != ProviderState::kCaptured) {
    // The units are sold: the capture must happen, so it is repeated later. A refusal here
    // means the authorization vanished, which the saga never causes; say so loudly.
    if (captured.ok() || captured.status().code() == absl::StatusCode::kFailedPrecondition) {
      log::Error("order_capture_refused").Kv("order_id", rec.order.id());
    }
    return StepResult{false, absl::Now() + options_.retry_after, absl::OkStatus(), false};
  }
  const v1::OrderStatus previous = rec.order.status();
  Snapshot(*captured, rec.order.mutable_payment());
  rec.order.mutable_payment()->set_status(v1::PAYMENT_STATUS_CAPTURED);
  rec.order.set_status(v1::ORDER_STATUS_CONFIRMED);
  rec.step = step::kDone;
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kCapture, previous);
  log::Info("order_confirmed").Kv("order_id", rec.order.id());
  return Finished();
}

CheckoutSaga::StepResult CheckoutSaga::Void(OrderRecord& rec) {
  const std::string& payment_id = rec.order.payment().id();
  absl::StatusOr<ProviderPayment> voided;
  for (int attempt = 1; attempt <= options_.provider_attempts; ++attempt) {
    voided = provider_.Void(payment_id, absl::Now() + options_.provider_timeout);
    if (voided.ok() || voided.status().code() == absl::StatusCode::kFailedPrecondition) break;
    if (attempt < options_.provider_attempts) {
      absl::SleepFor(options_.provider_retry_pause * attempt);
    }
  }
  if (!voided.ok() && voided.status().code() == absl::StatusCode::kFailedPrecondition) {
    // Captured after all (the saga never captures before commit, so this is a provider's
    // doing): give it all back, so a failed order never keeps money.
    log::Error("order_void_refused_refunding").Kv("order_id", rec.order.id());
    voided =
        provider_.Refund(payment_id, absl::StrCat("void_", rec.order.id()),
                         rec.order.total().amount_minor(), absl::Now() + options_.provider_timeout);
  }
  if (!voided.ok()) {
    return StepResult{false, absl::Now() + options_.retry_after, absl::OkStatus(), false};
  }
  const v1::OrderStatus previous = rec.order.status();
  Snapshot(*voided, rec.order.mutable_payment());
  if (voided->state == ProviderState::kVoided) {
    rec.order.mutable_payment()->set_status(v1::PAYMENT_STATUS_VOIDED);
  } else if (voided->state == ProviderState::kRefunded) {
    rec.order.mutable_payment()->set_status(v1::PAYMENT_STATUS_REFUNDED);
  }
  rec.step = step::kRelease;
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kVoid, previous);
  return Next();
}

CheckoutSaga::StepResult CheckoutSaga::Release(OrderRecord& rec) {
  const v1::OrderLine& line = rec.order.lines(0);
  // An access pass holds no stock: nothing to give back.
  absl::Status released = IsAccessPass(rec.order)
                              ? absl::OkStatus()
                              : inventory_.Release(line.reservation_id(), rec.order.id(),
                                                   ReleaseReasonOf(rec.order.failure_reason()));
  if (!released.ok() && PeerDown(released)) {
    return StepResult{false, absl::Now() + options_.retry_after, absl::OkStatus(), false};
  }
  if (!released.ok() && ReasonOf(released) != "RESERVATION_EXPIRED") {
    // Already released (or expired) is what we wanted; anything else is logged, and the
    // order fails all the same: its payment is voided.
    log::Warn("order_release_refused")
        .Kv("order_id", rec.order.id())
        .Kv("reason", ReasonOf(released));
  }
  const v1::OrderStatus previous = rec.order.status();
  rec.order.set_status(v1::ORDER_STATUS_FAILED);
  rec.step = step::kDone;
  SHOPCAST_ADVANCE_OR_STOP(rec, step::kRelease, previous);
  log::Info("order_failed")
      .Kv("order_id", rec.order.id())
      .Kv("failure_reason", v1::OrderFailureReason_Name(rec.order.failure_reason()));
  return Finished();
}

#undef SHOPCAST_ADVANCE_OR_STOP

}  // namespace shopcast::order::checkout
