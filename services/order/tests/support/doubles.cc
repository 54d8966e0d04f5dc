#include "support/doubles.h"

#include "absl/time/clock.h"
#include "common/pg_time.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::order::testing {

using payments::ProviderPayment;
using payments::ProviderState;
namespace pi = ::shopcast::product_inventory::v1;

// ---- ScriptedProvider ----

absl::StatusOr<ProviderPayment> ScriptedProvider::Authorize(
    const payments::AuthorizeRequest& request, absl::Time) {
  absl::MutexLock lock(&mu_);
  ++authorize_calls_;
  if (!authorize_errors_.empty()) {
    absl::Status s = authorize_errors_.front();
    authorize_errors_.pop_front();
    return s;
  }
  auto it = payments_.find(request.payment_id);
  if (it != payments_.end()) return it->second;
  const std::string& t = request.method_token;
  if (t == "pm_test_timeout") {
    return absl::DeadlineExceededError("the provider did not answer");
  }
  ProviderPayment p;
  p.reference = "sim_" + request.payment_id;
  p.amount_minor = request.amount_minor;
  p.currency = request.currency;
  if (t == "pm_test_decline" || t == "pm_test_card_declined") {
    p.state = ProviderState::kDeclined;
    p.decline_code = "card_declined";
  } else if (t == "pm_test_insufficient_funds") {
    p.state = ProviderState::kDeclined;
    p.decline_code = "insufficient_funds";
  } else if (t == "pm_test_pending") {
    p.state = ProviderState::kPending;
  } else {
    p.state = ProviderState::kAuthorized;
    p.authorized_at = absl::Now();
    ++authorizations_;
  }
  payments_[request.payment_id] = p;
  if (t == "pm_test_error_after_charge") {
    return absl::UnavailableError("the provider failed after taking the authorization");
  }
  return p;
}

absl::StatusOr<ProviderPayment> ScriptedProvider::Capture(const std::string& payment_id,
                                                          absl::Time) {
  absl::MutexLock lock(&mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return absl::FailedPreconditionError("not authorized");
  ProviderPayment& p = it->second;
  if (p.state == ProviderState::kAuthorized) {
    p.state = ProviderState::kCaptured;
    p.captured_minor = p.amount_minor;
    p.captured_at = absl::Now();
  }
  if (p.state != ProviderState::kCaptured) return absl::FailedPreconditionError("not authorized");
  return p;
}

absl::StatusOr<ProviderPayment> ScriptedProvider::Void(const std::string& payment_id, absl::Time) {
  absl::MutexLock lock(&mu_);
  ProviderPayment& p = payments_[payment_id];
  if (p.state == ProviderState::kCaptured || p.state == ProviderState::kRefunded) {
    return absl::FailedPreconditionError("captured");
  }
  if (p.state != ProviderState::kDeclined) {
    p.state = ProviderState::kVoided;
    p.settled_at = absl::Now();
  }
  return p;
}

absl::StatusOr<ProviderPayment> ScriptedProvider::Refund(const std::string& payment_id,
                                                         const std::string& refund_id,
                                                         int64_t amount, absl::Time) {
  absl::MutexLock lock(&mu_);
  ++refund_calls_;
  if (!refund_errors_.empty()) {
    absl::Status s = refund_errors_.front();
    refund_errors_.pop_front();
    return s;
  }
  ProviderPayment& p = payments_[payment_id];
  // Idempotent per refund id, like a real processor's refund idempotency key.
  const std::string key = payment_id + "/" + refund_id;
  auto prior = refunds_.find(key);
  if (prior != refunds_.end()) {
    if (prior->second != amount) {
      return Error(absl::StatusCode::kInvalidArgument, "REFUND_ID_REUSED", "other amount");
    }
    return p;
  }
  if (p.state != ProviderState::kCaptured) return absl::FailedPreconditionError("not captured");
  if (amount <= 0 || amount > p.captured_minor - p.refunded_minor) {
    return Error(absl::StatusCode::kInvalidArgument, "REFUND_AMOUNT_INVALID", "too much");
  }
  refunds_[key] = amount;
  p.refunded_minor += amount;
  p.settled_at = absl::Now();
  if (p.refunded_minor >= p.captured_minor) p.state = ProviderState::kRefunded;
  return p;
}

void ScriptedProvider::FailNextRefund(absl::Status s) {
  absl::MutexLock lock(&mu_);
  refund_errors_.push_back(std::move(s));
}

int ScriptedProvider::refund_calls() const {
  absl::MutexLock lock(&mu_);
  return refund_calls_;
}

int ScriptedProvider::refunds() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(refunds_.size());
}

int64_t ScriptedProvider::refunded_total() const {
  absl::MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& [key, amount] : refunds_) total += amount;
  return total;
}

absl::StatusOr<ProviderPayment> ScriptedProvider::Lookup(const std::string& payment_id,
                                                         absl::Time) {
  absl::MutexLock lock(&mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return ProviderPayment{};
  return it->second;
}

absl::Status ScriptedProvider::Settle(const std::string& payment_id, bool approve,
                                      const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return NotFound("PAYMENT_NOT_FOUND", "no such payment");
  ProviderPayment& p = it->second;
  const ProviderState wanted = approve ? ProviderState::kAuthorized : ProviderState::kDeclined;
  if (p.state == ProviderState::kPending) {
    p.state = wanted;
    if (approve) {
      p.authorized_at = absl::Now();
      ++authorizations_;
    } else {
      p.decline_code = code.empty() ? "card_declined" : code;
    }
    return absl::OkStatus();
  }
  if (p.state == wanted || (approve && p.state == ProviderState::kCaptured)) {
    return absl::OkStatus();
  }
  return Error(absl::StatusCode::kFailedPrecondition, "PAYMENT_ALREADY_SETTLED",
               "settled differently");
}

void ScriptedProvider::FailNextAuthorize(absl::Status s) {
  absl::MutexLock lock(&mu_);
  authorize_errors_.push_back(std::move(s));
}

int ScriptedProvider::authorize_calls() const {
  absl::MutexLock lock(&mu_);
  return authorize_calls_;
}

int ScriptedProvider::authorizations() const {
  absl::MutexLock lock(&mu_);
  return authorizations_;
}

int64_t ScriptedProvider::captured_total() const {
  absl::MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& [id, p] : payments_) {
    if (p.state == ProviderState::kCaptured) total += p.captured_minor;
  }
  return total;
}

ProviderState ScriptedProvider::StateOf(const std::string& payment_id) const {
  absl::MutexLock lock(&mu_);
  auto it = payments_.find(payment_id);
  return it == payments_.end() ? ProviderState::kNone : it->second.state;
}

// ---- FakeInventory ----

std::string FakeInventory::AddHold(const std::string& buyer, const std::string& seller,
                                   const std::string& stream, int quantity, int64_t unit_minor) {
  Item item;
  pi::Reservation& r = item.reservation;
  r.set_id(ids::NewId("res"));
  r.set_product_id(ids::NewId("prd"));
  r.set_buyer_id(buyer);
  r.set_seller_id(seller);
  r.set_stream_id(stream);
  r.set_quantity(quantity);
  r.mutable_unit_price()->set_amount_minor(unit_minor);
  r.mutable_unit_price()->set_currency("USD");
  r.set_status(pi::RESERVATION_STATUS_HELD);
  ToProto(absl::Now(), r.mutable_created_at());
  ToProto(absl::Now() + absl::Minutes(5), r.mutable_expires_at());
  item.product.set_id(r.product_id());
  item.product.set_seller_id(seller);
  item.product.set_title("Enamel mug");
  pi::ShippingRate* rate = item.profile.add_rates();
  rate->add_country_codes("*");
  rate->mutable_first_unit()->set_amount_minor(500);
  rate->mutable_first_unit()->set_currency("USD");
  rate->mutable_additional_unit()->set_amount_minor(100);
  rate->mutable_additional_unit()->set_currency("USD");
  absl::MutexLock lock(&mu_);
  items_[r.id()] = item;
  return r.id();
}

void FakeInventory::Expire(const std::string& id) {
  absl::MutexLock lock(&mu_);
  items_.at(id).reservation.set_status(pi::RESERVATION_STATUS_EXPIRED);
}

void FakeInventory::ExpireAtCommit(const std::string& id) {
  absl::MutexLock lock(&mu_);
  expire_at_commit_[id] = true;
}

void FakeInventory::SetDown(bool down) {
  absl::MutexLock lock(&mu_);
  down_ = down;
}

void FakeInventory::GoDownAfterNextGet() {
  absl::MutexLock lock(&mu_);
  down_after_get_ = true;
}

pi::ReservationStatus FakeInventory::StatusOf(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return items_.at(id).reservation.status();
}

std::string FakeInventory::ReleaseReasonOf(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return items_.at(id).reservation.release_reason();
}

int FakeInventory::commits() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

absl::StatusOr<pi::GetReservationForCheckoutResponse> FakeInventory::GetForCheckout(
    const std::string& id, const std::string& buyer) {
  absl::MutexLock lock(&mu_);
  if (down_) return absl::UnavailableError("down");
  auto it = items_.find(id);
  if (it == items_.end()) return NotFound("RESERVATION_NOT_FOUND", "no such reservation");
  if (it->second.reservation.buyer_id() != buyer) {
    return PermissionDenied("NOT_RESERVATION_OWNER", "not yours");
  }
  pi::GetReservationForCheckoutResponse out;
  *out.mutable_reservation() = it->second.reservation;
  *out.mutable_product() = it->second.product;
  *out.mutable_shipping_profile() = it->second.profile;
  if (down_after_get_) {
    down_after_get_ = false;
    down_ = true;
  }
  return out;
}

absl::StatusOr<pi::Reservation> FakeInventory::Lock(const std::string& id,
                                                    const std::string& order_id, absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (down_) return absl::UnavailableError("down");
  pi::Reservation& r = items_.at(id).reservation;
  switch (r.status()) {
    case pi::RESERVATION_STATUS_HELD:
      r.set_status(pi::RESERVATION_STATUS_IN_CHECKOUT);
      r.set_order_id(order_id);
      return r;
    case pi::RESERVATION_STATUS_IN_CHECKOUT:
      if (r.order_id() == order_id) return r;
      return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_IN_CHECKOUT", "locked");
    case pi::RESERVATION_STATUS_EXPIRED:
      return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_EXPIRED", "expired");
    default:
      return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_ALREADY_COMMITTED", "used");
  }
}

absl::StatusOr<pi::Reservation> FakeInventory::Commit(const std::string& id,
                                                      const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  if (down_) return absl::UnavailableError("down");
  pi::Reservation& r = items_.at(id).reservation;
  if (expire_at_commit_[id] && r.status() != pi::RESERVATION_STATUS_COMMITTED) {
    r.set_status(pi::RESERVATION_STATUS_EXPIRED);
  }
  if (r.status() == pi::RESERVATION_STATUS_COMMITTED && r.order_id() == order_id) return r;
  if (r.status() == pi::RESERVATION_STATUS_EXPIRED) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_EXPIRED", "expired");
  }
  if (r.status() != pi::RESERVATION_STATUS_IN_CHECKOUT || r.order_id() != order_id) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_ALREADY_COMMITTED", "used");
  }
  r.set_status(pi::RESERVATION_STATUS_COMMITTED);
  ++commits_;
  return r;
}

absl::Status FakeInventory::Release(const std::string& id, const std::string&,
                                    const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (down_) return absl::UnavailableError("down");
  pi::Reservation& r = items_.at(id).reservation;
  if (r.status() == pi::RESERVATION_STATUS_COMMITTED) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_ALREADY_COMMITTED", "sold");
  }
  if (r.status() == pi::RESERVATION_STATUS_EXPIRED) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_EXPIRED", "expired");
  }
  if (r.status() != pi::RESERVATION_STATUS_RELEASED) {
    r.set_status(pi::RESERVATION_STATUS_RELEASED);
    r.set_release_reason(reason);
  }
  return absl::OkStatus();
}

absl::Status FakeInventory::ReturnCommittedStock(const std::string& id,
                                                 const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  ++return_calls_;
  if (down_) return absl::UnavailableError("down");
  auto it = items_.find(id);
  if (it == items_.end()) return NotFound("RESERVATION_NOT_FOUND", "no such reservation");
  pi::Reservation& r = it->second.reservation;
  auto done = returned_.find(id);
  if (done != returned_.end()) {
    if (done->second == order_id) return absl::OkStatus();
    return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_NOT_COMMITTED", "other");
  }
  if (r.status() != pi::RESERVATION_STATUS_COMMITTED || r.order_id() != order_id) {
    return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_NOT_COMMITTED",
                 "not sold to this order");
  }
  r.set_status(pi::RESERVATION_STATUS_RELEASED);
  returned_[id] = order_id;
  returned_units_ += r.quantity();
  return absl::OkStatus();
}

int FakeInventory::returned_units() const {
  absl::MutexLock lock(&mu_);
  return returned_units_;
}

int FakeInventory::return_calls() const {
  absl::MutexLock lock(&mu_);
  return return_calls_;
}

bool FakeInventory::Returned(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return returned_.count(id) > 0;
}

}  // namespace shopcast::order::testing
