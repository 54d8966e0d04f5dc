#include "lifecycle/lifecycle.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg_time.h"
#include "lifecycle/rules.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::order::lifecycle {

using payments::ProviderPayment;
using payments::ProviderState;

struct Lifecycle::StepResult {
  bool go_on = false;
  std::string next;
  // Stopped: when recovery may look again (InfinitePast: at once).
  absl::Time resume_after = absl::InfinitePast();
  // Stopped because the lease was lost or the process "crashed" (test): hands off.
  bool abandoned = false;
};

namespace {

// The reason release gives product-inventory for a cancelled order's hold.
constexpr char kReleaseReason[] = "ORDER_CANCELLED";

bool PeerDown(const absl::Status& s) {
  // Anything but a refusal of the request itself means "no usable answer": retry later.
  return s.code() != absl::StatusCode::kFailedPrecondition &&
         s.code() != absl::StatusCode::kNotFound &&
         s.code() != absl::StatusCode::kPermissionDenied &&
         s.code() != absl::StatusCode::kInvalidArgument;
}

// The order's payment status from the provider's view.
v1::PaymentStatus PaymentStatusOf(const ProviderPayment& p) {
  switch (p.state) {
    case ProviderState::kPending:
      return v1::PAYMENT_STATUS_PENDING;
    case ProviderState::kAuthorized:
      return v1::PAYMENT_STATUS_AUTHORIZED;
    case ProviderState::kDeclined:
      return v1::PAYMENT_STATUS_DECLINED;
    case ProviderState::kCaptured:
      return p.refunded_minor > 0 ? v1::PAYMENT_STATUS_PARTIALLY_REFUNDED
                                  : v1::PAYMENT_STATUS_CAPTURED;
    case ProviderState::kVoided:
    case ProviderState::kNone:  // a void of a payment it never saw: nothing is held
      return v1::PAYMENT_STATUS_VOIDED;
    case ProviderState::kRefunded:
      return v1::PAYMENT_STATUS_REFUNDED;
  }
  return v1::PAYMENT_STATUS_UNSPECIFIED;
}

bool SagaCanBeTakenOver(const std::string& saga_step) {
  return saga_step == checkout::step::kLock || saga_step == checkout::step::kAuthorize ||
         saga_step == checkout::step::kAwaitingPayment;
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

}  // namespace

Lifecycle::Lifecycle(checkout::OrderStore& orders, LifecycleStore& store,
                     checkout::Inventory& inventory, payments::PaymentProvider& provider,
                     std::string owner, LifecycleOptions options,
                     std::function<std::string(absl::string_view)> new_id,
                     prometheus::Registry* metrics)
    : orders_(orders),
      store_(store),
      inventory_(inventory),
      provider_(provider),
      owner_(std::move(owner)),
      options_(std::move(options)),
      new_id_(std::move(new_id)) {
  if (metrics == nullptr) return;
  transitions_ = &prometheus::BuildCounter()
                      .Name("order_lifecycle_transitions_total")
                      .Help(
                          "CancelOrder, MarkOrderShipped and RefundOrder calls by kind and "
                          "outcome (cancelled_unpaid, cancelled_paid, shipped, refunded_full, "
                          "refunded_partial, repeated, rejected_<reason>).")
                      .Register(*metrics);
  steps_ = &prometheus::BuildCounter()
                .Name("order_lifecycle_steps_total")
                .Help(
                    "Remote steps of cancels and refunds (void, release, refund, "
                    "return_stock) by outcome: done, retry (peer did not answer), refused "
                    "(someone must look).")
                .Register(*metrics);
  unfinished_ = &prometheus::BuildGauge()
                     .Name("order_lifecycle_unfinished")
                     .Help(
                         "Orders whose cancel or refund still has remote work to do, as the "
                         "last recovery round counted them.")
                     .Register(*metrics)
                     .Add({});
}

void Lifecycle::Count(const std::string& kind, const std::string& outcome) {
  if (transitions_ != nullptr) {
    transitions_->Add({{"kind", kind}, {"outcome", outcome}}).Increment();
  }
}

void Lifecycle::CountStep(const std::string& step, const std::string& outcome) {
  if (steps_ != nullptr) steps_->Add({{"step", step}, {"outcome", outcome}}).Increment();
}

absl::Time Lifecycle::WaitUntil(absl::Time deadline) const {
  return std::min(deadline - options_.wait_margin, absl::Now() + options_.max_wait);
}

bool Lifecycle::TryEnter(const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  return running_.insert(order_id).second;
}

void Lifecycle::Leave(const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  running_.erase(order_id);
}

absl::StatusOr<checkout::OrderRecord> Lifecycle::ReadVisible(const auth::Caller& caller,
                                                             const std::string& order_id) {
  if (!ids::IsValidId(order_id, "ord")) {
    return NotFound(reason::kOrderNotFound, "no such order");
  }
  ASSIGN_OR_RETURN(checkout::OrderRecord rec, orders_.Get(order_id));
  if (PartyOf(caller, rec.order) == Party::kNone) {
    return NotFound(reason::kOrderNotFound, "no such order");
  }
  return rec;
}

// ---- decisions ----

absl::StatusOr<v1::Order> Lifecycle::Cancel(const auth::Caller& caller,
                                            const v1::CancelOrderRequest& request,
                                            absl::Time deadline) {
  auto rejected = [&](const absl::Status& s) {
    Count("cancel", absl::StrCat("rejected_", Lower(ReasonOf(s))));
    return s;
  };
  if (absl::Status s = ValidateCancel(request); !s.ok()) return rejected(s);
  auto visible = ReadVisible(caller, request.order_id());
  if (!visible.ok()) return rejected(visible.status());
  const absl::Time wait_until = WaitUntil(deadline);
  bool paid = false;
  auto decide = [&](const LockedOrder& locked) -> absl::StatusOr<Decision> {
    const v1::Order& o = locked.rec.order;
    const Party party = PartyOf(caller, o);
    if (party == Party::kNone) return NotFound(reason::kOrderNotFound, "no such order");
    RETURN_IF_ERROR(CheckCancel(party, o.status(), request.reason()));
    Decision d;
    if (o.status() == v1::ORDER_STATUS_CANCELLED) return d;  // already: as it stands
    const absl::Time now = TruncateToMicros(absl::Now());
    d.write = true;
    d.order = o;
    d.order.set_status(v1::ORDER_STATUS_CANCELLED);
    d.order.set_cancel_reason(request.reason());
    d.order.set_cancel_note(request.note());
    d.order.set_cancelled_by(caller.user_id);
    ToProto(now, d.order.mutable_cancelled_at());
    if (o.status() == v1::ORDER_STATUS_PENDING_PAYMENT) {
      if (!SagaCanBeTakenOver(locked.rec.step)) {
        return Error(absl::StatusCode::kFailedPrecondition, reason::kOrderPaymentInProgress,
                     "the checkout is completing its payment; cancel once it is confirmed");
      }
      paid = false;
      d.take_over_saga = true;
      return d;
    }
    // CONFIRMED: everything not refunded yet goes back, and so do the units.
    paid = true;
    const int64_t remaining = o.total().amount_minor() - locked.refunds_asked_minor;
    if (remaining > 0) {
      RefundRow r;
      r.refund_id = new_id_("rfd");
      r.amount_minor = remaining;
      r.full = true;
      r.requested_by = caller.user_id;
      r.note = request.note();
      d.refund = std::move(r);
    }
    d.return_stock = HasProductLines(o);
    return d;
  };
  absl::StatusOr<Decided> decided;
  for (;;) {
    const absl::Time now = absl::Now();
    decided = store_.Decide(request.order_id(), "", decide, owner_, now + options_.lease_ttl, now);
    // A checkout committing its stock finishes in moments (or its runner died and recovery
    // finishes it): wait for CONFIRMED (or FAILED) and decide again.
    if (decided.ok() || ReasonOf(decided.status()) != reason::kOrderPaymentInProgress ||
        absl::Now() + options_.wait_poll >= wait_until) {
      break;
    }
    absl::SleepFor(options_.wait_poll);
  }
  if (!decided.ok()) return rejected(decided.status());
  if (!decided->wrote) {
    Count("cancel", "repeated");
  } else {
    Count("cancel", paid ? "cancelled_paid" : "cancelled_unpaid");
    log::Info("order_cancelled")
        .Kv("order_id", request.order_id())
        .Kv("by", caller.user_id)
        .Kv("reason", v1::CancelReason_Name(request.reason()))
        .Kv("paid", paid)
        .Kv("next_step", decided->lifecycle_step);
  }
  return Finish("cancel", *decided, wait_until);
}

absl::StatusOr<v1::Order> Lifecycle::Ship(const auth::Caller& caller,
                                          const v1::MarkOrderShippedRequest& request) {
  auto rejected = [&](const absl::Status& s) {
    Count("ship", absl::StrCat("rejected_", Lower(ReasonOf(s))));
    return s;
  };
  if (absl::Status s = ValidateShip(request); !s.ok()) return rejected(s);
  auto visible = ReadVisible(caller, request.order_id());
  if (!visible.ok()) return rejected(visible.status());
  auto decide = [&](const LockedOrder& locked) -> absl::StatusOr<Decision> {
    const v1::Order& o = locked.rec.order;
    const Party party = PartyOf(caller, o);
    if (party == Party::kNone) return NotFound(reason::kOrderNotFound, "no such order");
    RETURN_IF_ERROR(CheckShip(party, o.status(), HasProductLines(o)));
    Decision d;
    if (o.status() == v1::ORDER_STATUS_SHIPPED) {
      if (o.carrier() == request.carrier() && o.tracking_number() == request.tracking_number()) {
        return d;  // the same shipment again
      }
      return Error(absl::StatusCode::kFailedPrecondition, reason::kOrderAlreadyShipped,
                   "the order was shipped with other tracking data");
    }
    d.write = true;
    d.order = o;
    d.order.set_status(v1::ORDER_STATUS_SHIPPED);
    d.order.set_carrier(request.carrier());
    d.order.set_tracking_number(request.tracking_number());
    ToProto(TruncateToMicros(absl::Now()), d.order.mutable_shipped_at());
    return d;
  };
  // A shipment leaves no remote work: no lease is taken (a refund still pending stays due).
  const absl::Time now = absl::Now();
  absl::StatusOr<Decided> decided_or =
      store_.Decide(request.order_id(), "", decide, owner_, now, now);
  if (!decided_or.ok()) return rejected(decided_or.status());
  Decided& decided = *decided_or;
  if (decided.wrote) {
    Count("ship", "shipped");
    log::Info("order_shipped").Kv("order_id", request.order_id()).Kv("by", caller.user_id);
  } else {
    Count("ship", "repeated");
  }
  return std::move(decided.rec.order);
}

absl::StatusOr<v1::Order> Lifecycle::Refund(const auth::Caller& caller,
                                            const v1::RefundOrderRequest& request,
                                            absl::Time deadline) {
  auto rejected = [&](const absl::Status& s) {
    Count("refund", absl::StrCat("rejected_", Lower(ReasonOf(s))));
    return s;
  };
  if (absl::Status s = ValidateRefund(request); !s.ok()) return rejected(s);
  auto visible = ReadVisible(caller, request.order_id());
  if (!visible.ok()) return rejected(visible.status());
  const std::string fingerprint = RefundFingerprint(request);
  bool full = false;
  auto decide = [&](const LockedOrder& locked) -> absl::StatusOr<Decision> {
    const v1::Order& o = locked.rec.order;
    const Party party = PartyOf(caller, o);
    if (party == Party::kNone) return NotFound(reason::kOrderNotFound, "no such order");
    if (party == Party::kBuyer) RETURN_IF_ERROR(CheckRefund(party, o.status()));
    Decision d;
    if (locked.same_key_fingerprint) {
      // A retry: the same refund (whatever the order's state became since), never a second.
      if (*locked.same_key_fingerprint != fingerprint) {
        return Error(absl::StatusCode::kFailedPrecondition, reason::kRefundKeyReused,
                     "this refund_key was used for a different refund", "refund_key");
      }
      return d;
    }
    RETURN_IF_ERROR(CheckRefund(party, o.status()));
    const int64_t remaining = o.total().amount_minor() - locked.refunds_asked_minor;
    if (remaining <= 0) {
      return Error(absl::StatusCode::kFailedPrecondition, reason::kOrderAlreadyRefunded,
                   "everything captured was refunded");
    }
    ASSIGN_OR_RETURN(int64_t amount, RefundAmount(request, remaining, o.total().currency()));
    full = amount == remaining;
    RefundRow r;
    r.refund_key = request.refund_key();
    r.refund_id = new_id_("rfd");
    r.fingerprint = fingerprint;
    r.amount_minor = amount;
    r.full = full;
    r.keep_stock = request.keep_stock();
    r.requested_by = caller.user_id;
    r.note = request.note();
    d.write = true;
    d.order = o;
    d.refund = std::move(r);
    if (full) {
      d.order.set_status(v1::ORDER_STATUS_REFUNDED);
      d.return_stock = !request.keep_stock() && HasProductLines(o);
    }
    return d;
  };
  const absl::Time wait_until = WaitUntil(deadline);
  const absl::Time now = absl::Now();
  absl::StatusOr<Decided> decided_or = store_.Decide(request.order_id(), request.refund_key(),
                                                     decide, owner_, now + options_.lease_ttl, now);
  if (!decided_or.ok()) return rejected(decided_or.status());
  const Decided& decided = *decided_or;
  if (decided.wrote) {
    Count("refund", full ? "refunded_full" : "refunded_partial");
    log::Info("order_refund_requested")
        .Kv("order_id", request.order_id())
        .Kv("by", caller.user_id)
        .Kv("full", full)
        .Kv("keep_stock", request.keep_stock())
        .Kv("next_step", decided.lifecycle_step);
  } else {
    Count("refund", "repeated");
  }
  return Finish("refund", decided, wait_until);
}

absl::StatusOr<v1::Order> Lifecycle::Finish(const std::string& kind, const Decided& decided,
                                            absl::Time wait_until) {
  const std::string& id = decided.rec.order.id();
  if (decided.lifecycle_step.empty()) return decided.rec.order;
  if (decided.wrote && decided.leased && options_.crash_after &&
      options_.crash_after(id, decided.lifecycle_step)) {
    return decided.rec.order;  // "died" holding the lease: recovery finishes it
  }
  Drive(id, wait_until);
  auto stored = orders_.Get(id);
  if (!stored.ok()) {
    log::Warn("order_lifecycle_reread_failed").Kv("order_id", id).Kv("kind", kind);
    return decided.rec.order;  // the decision stands; what followed shows on GetOrder
  }
  return std::move(stored->order);
}

// ---- the remote work ----

void Lifecycle::Drive(const std::string& order_id, absl::Time wait_until) {
  if (!TryEnter(order_id)) return;  // this process runs it right now
  struct Exit {
    Lifecycle* lifecycle;
    const std::string& id;
    ~Exit() { lifecycle->Leave(id); }
  } exit{this, order_id};

  // A decision landing between this run's last record and its unlease adds work the run did
  // not see: one more round picks it up (recovery would, a little later).
  for (int round = 0; round < 3; ++round) {
    for (;;) {
      const absl::Time now = absl::Now();
      auto claimed = store_.Claim(order_id, owner_, now + options_.lease_ttl, now);
      if (!claimed.ok()) {
        log::Warn("order_lifecycle_claim_failed")
            .Kv("order_id", order_id)
            .Kv("reason", ReasonOf(claimed.status()));
        return;
      }
      if (*claimed) break;
      // Nothing left, or another runner has it: it finds any new work on its next step.
      if (absl::Now() + options_.wait_poll >= wait_until) return;
      auto work = store_.Read(order_id);
      if (!work.ok() || work->lifecycle_step.empty()) return;
      absl::SleepFor(options_.wait_poll);
    }

    StepResult r;
    for (;;) {
      auto work = store_.Read(order_id);
      if (!work.ok()) {
        log::Warn("order_lifecycle_read_failed")
            .Kv("order_id", order_id)
            .Kv("reason", ReasonOf(work.status()));
        r = StepResult{false, "", absl::Now() + options_.retry_after, false};
        break;
      }
      if (work->lifecycle_step.empty()) {
        r = StepResult{};
        break;
      }
      if (work->lease_owner != owner_) {
        r = StepResult{false, "", absl::InfinitePast(), true};
        break;
      }
      r = RunStep(*work);
      if (!r.go_on) break;
      if (options_.crash_after && options_.crash_after(order_id, r.next)) {
        r.abandoned = true;
        break;
      }
    }
    if (r.abandoned) return;
    const bool finished = r.resume_after == absl::InfinitePast();
    const absl::Time resume = finished ? absl::Now() : r.resume_after;
    if (absl::Status s = store_.Unlease(order_id, owner_, resume); !s.ok()) {
      // The lease lapses by itself; recovery picks the order up then.
      log::Warn("order_lifecycle_unlease_failed")
          .Kv("order_id", order_id)
          .Kv("detail", s.ToString());
      return;
    }
    if (!finished) return;  // a peer failed: recovery retries at resume_after
    auto work = store_.Read(order_id);
    if (!work.ok() || work->lifecycle_step.empty()) return;
  }
}

bool Lifecycle::RecoverOnce(int batch, const std::function<bool()>& stop_requested) {
  const absl::Time now = absl::Now();
  auto claimed = store_.ClaimDue(owner_, now + options_.lease_ttl, now, batch);
  if (!claimed.ok()) {
    log::Warn("order_lifecycle_recovery_failed").Kv("reason", ReasonOf(claimed.status()));
    return false;
  }
  for (const std::string& id : *claimed) {
    if (stop_requested()) break;
    log::Info("order_lifecycle_resumed").Kv("order_id", id);
    // Claimed above under this runner's name: Drive finds the lease its own.
    Drive(id, absl::Now());
  }
  if (unfinished_ != nullptr) {
    if (auto n = store_.CountUnfinished(); n.ok()) unfinished_->Set(static_cast<double>(*n));
  }
  return true;
}

Lifecycle::StepResult Lifecycle::RunStep(const LifecycleStore::Work& work) {
  const std::string& s = work.lifecycle_step;
  if (s == step::kVoid) return Void(work);
  if (s == step::kRelease) return Release(work);
  if (s == step::kRefund) return RefundStep(work);
  if (s == step::kReturnStock) return ReturnStock(work);
  // A step this build does not know: a newer replica's. Leave it to that one.
  log::Error("order_lifecycle_unknown_step").Kv("order_id", work.rec.order.id()).Kv("step", s);
  return StepResult{false, "", absl::Now() + options_.retry_after, false};
}

Lifecycle::StepResult Lifecycle::Recorded(const std::string& order_id, const StepRecord& record) {
  const absl::Time now = TruncateToMicros(absl::Now());
  auto next = store_.Record(order_id, record, owner_, now + options_.lease_ttl, now);
  if (!next.ok()) {
    log::Warn("order_lifecycle_step_not_recorded")
        .Kv("order_id", order_id)
        .Kv("step", record.from)
        .Kv("reason", ReasonOf(next.status()));
    StepResult r;
    r.abandoned = ReasonOf(next.status()) == "LEASE_LOST";
    r.resume_after = absl::Now() + options_.retry_after;
    return r;
  }
  CountStep(record.from, "done");
  StepResult r;
  r.go_on = !next->empty();
  r.next = *next;
  return r;
}

Lifecycle::StepResult Lifecycle::Void(const LifecycleStore::Work& work) {
  const v1::Order& o = work.rec.order;
  absl::StatusOr<ProviderPayment> voided;
  for (int attempt = 1; attempt <= options_.provider_attempts; ++attempt) {
    voided = provider_.Void(o.payment().id(), absl::Now() + options_.provider_timeout);
    if (voided.ok() || !PeerDown(voided.status())) break;
    if (attempt < options_.provider_attempts) {
      absl::SleepFor(options_.provider_retry_pause * attempt);
    }
  }
  if (!voided.ok() && voided.status().code() == absl::StatusCode::kFailedPrecondition) {
    // Captured after all (the saga never captures before commit, which the cancel excluded):
    // give it all back, so a cancelled unpaid order never keeps money.
    log::Error("order_cancel_void_refused_refunding").Kv("order_id", o.id());
    voided = provider_.Refund(o.payment().id(), absl::StrCat("cancel_", o.id()),
                              o.total().amount_minor(), absl::Now() + options_.provider_timeout);
  }
  if (!voided.ok()) {
    const bool down = PeerDown(voided.status());
    CountStep(step::kVoid, down ? "retry" : "refused");
    if (!down) {
      log::Error("order_cancel_void_failed")
          .Kv("order_id", o.id())
          .Kv("reason", ReasonOf(voided.status()));
    }
    return StepResult{false, "",
                      absl::Now() + (down ? options_.retry_after : options_.refused_retry_after),
                      false};
  }
  StepRecord record;
  record.from = step::kVoid;
  record.payment_status = PaymentStatusOf(*voided);
  record.settled_at = voided->settled_at;
  return Recorded(o.id(), record);
}

Lifecycle::StepResult Lifecycle::Release(const LifecycleStore::Work& work) {
  const v1::Order& o = work.rec.order;
  StepRecord record;
  record.from = step::kRelease;
  for (const v1::OrderLine& line : o.lines()) {
    if (line.reservation_id().empty()) continue;  // an access pass holds no stock
    absl::Status released = inventory_.Release(line.reservation_id(), o.id(), kReleaseReason);
    if (released.ok()) continue;
    if (PeerDown(released)) {
      CountStep(step::kRelease, "retry");
      return StepResult{false, "", absl::Now() + options_.retry_after, false};
    }
    const std::string why = ReasonOf(released);
    if (why == "RESERVATION_ALREADY_COMMITTED") {
      // Sold after all (the cancel took the saga over before commit, so a bug elsewhere):
      // the units still go back.
      log::Error("order_cancel_release_found_committed").Kv("order_id", o.id());
      record.return_stock_instead = true;
    } else {
      // Expired, released or another order's lock: nothing of this order's is held.
      log::Info("order_cancel_release_nothing_held").Kv("order_id", o.id()).Kv("reason", why);
    }
  }
  return Recorded(o.id(), record);
}

Lifecycle::StepResult Lifecycle::RefundStep(const LifecycleStore::Work& work) {
  const v1::Order& o = work.rec.order;
  absl::StatusOr<ProviderPayment> refunded;
  for (int attempt = 1; attempt <= options_.provider_attempts; ++attempt) {
    refunded = provider_.Refund(o.payment().id(), work.refund_id, work.refund_minor,
                                absl::Now() + options_.provider_timeout);
    if (refunded.ok() || !PeerDown(refunded.status())) break;
    if (attempt < options_.provider_attempts) {
      absl::SleepFor(options_.provider_retry_pause * attempt);
    }
  }
  if (!refunded.ok()) {
    const bool down = PeerDown(refunded.status());
    CountStep(step::kRefund, down ? "retry" : "refused");
    if (!down) {
      // The books disagree (the provider has less captured than the order says): never
      // retried into money moving twice; an operator must look.
      log::Error("order_refund_refused")
          .Kv("order_id", o.id())
          .Kv("refund_id", work.refund_id)
          .Kv("reason", ReasonOf(refunded.status()));
    }
    return StepResult{false, "",
                      absl::Now() + (down ? options_.retry_after : options_.refused_retry_after),
                      false};
  }
  log::Info("order_refunded")
      .Kv("order_id", o.id())
      .Kv("refund_id", work.refund_id)
      .Kv("amount_minor", work.refund_minor);
  StepRecord record;
  record.from = step::kRefund;
  record.payment_status = PaymentStatusOf(*refunded);
  record.settled_at = refunded->settled_at;
  record.refunded_id = work.refund_id;
  return Recorded(o.id(), record);
}

Lifecycle::StepResult Lifecycle::ReturnStock(const LifecycleStore::Work& work) {
  const v1::Order& o = work.rec.order;
  for (const v1::OrderLine& line : o.lines()) {
    if (line.reservation_id().empty() || !line.access_stream_id().empty()) continue;
    absl::Status returned = inventory_.ReturnCommittedStock(line.reservation_id(), o.id());
    if (returned.ok()) continue;
    if (PeerDown(returned)) {
      CountStep(step::kReturnStock, "retry");
      return StepResult{false, "", absl::Now() + options_.retry_after, false};
    }
    // Not committed to this order: there is nothing of its to give back.
    CountStep(step::kReturnStock, "refused");
    log::Error("order_stock_return_refused")
        .Kv("order_id", o.id())
        .Kv("reservation_id", line.reservation_id())
        .Kv("reason", ReasonOf(returned));
  }
  log::Info("order_stock_returned").Kv("order_id", o.id());
  StepRecord record;
  record.from = step::kReturnStock;
  record.stock_returned = true;
  return Recorded(o.id(), record);
}

LifecycleRecovery::LifecycleRecovery(Lifecycle& lifecycle, absl::Duration interval, int batch)
    : lifecycle_(lifecycle), batch_(batch), worker_(interval, [this] {
        return lifecycle_.RecoverOnce(batch_, [this] { return worker_.stop_requested(); });
      }) {}

}  // namespace shopcast::order::lifecycle
