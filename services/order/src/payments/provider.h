#pragma once

// The boundary between checkout and whoever moves the money. The order saga talks only to this
// interface; the built-in SimulatedProvider (simulated_provider.h) implements it against its own
// ledger tables in the order database, and a real card processor would implement it the same
// way (see services/order/README.md, "Payment providers").
//
// Every call is idempotent on the ids the caller passes (payment_id, refund_id): the saga
// repeats a call after a crash, a timeout or an error without knowing whether the first one
// reached the provider, and the provider must answer with the state it already has instead of
// moving money twice. That is the whole contract that makes "never double-charged" hold.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shopcast::order::payments {

// The provider's view of one payment.
enum class ProviderState {
  kNone,        // The provider has no record of it (never reached it, or it timed out before).
  kPending,     // Waiting for an outside decision (3-D Secure, a bank transfer, a test).
  kAuthorized,  // Funds reserved, nothing taken yet.
  kDeclined,    // Refused; decline_code says why. Terminal.
  kCaptured,    // Funds taken (refunded_minor may be > 0 after partial refunds).
  kVoided,      // Authorization released without capture. Terminal.
  kRefunded,    // Everything captured was given back. Terminal.
};

// "none", "pending", "authorized", "declined", "captured", "voided", "refunded" (provider.cc).
const char* ProviderStateName(ProviderState state);

struct ProviderPayment {
  ProviderState state = ProviderState::kNone;
  // The provider's own reference (opaque, stable for the payment's life).
  std::string reference;
  // kDeclined: machine-readable, e.g. "card_declined", "insufficient_funds".
  std::string decline_code;
  int64_t amount_minor = 0;
  std::string currency;
  int64_t captured_minor = 0;
  int64_t refunded_minor = 0;
  absl::Time authorized_at = absl::InfinitePast();
  absl::Time captured_at = absl::InfinitePast();
  absl::Time settled_at = absl::InfinitePast();  // voided or last refund
};

struct AuthorizeRequest {
  std::string payment_id;  // pay_…: the idempotency key of the authorization.
  std::string order_id;
  std::string buyer_id;
  int64_t amount_minor = 0;  // > 0
  std::string currency;      // ISO 4217
  std::string method_token;  // e.g. "pm_test_approve"
};

// Errors mean "no answer" and are worth a retry with the same ids: DEADLINE_EXCEEDED (the
// provider did not answer by `deadline`), UNAVAILABLE (it answered with an error). Whether money
// moved is then unknown until Lookup or a repeated call says. INVALID_ARGUMENT is a caller bug
// and never worth a retry. A decline is not an error: it is a ProviderPayment in kDeclined.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // "placeholder" for the simulated provider; stored on the payment.
  virtual std::string name() const = 0;

  // Reserves the amount. Repeating it returns the payment's current state (never a second
  // authorization). May answer kPending; the outcome then arrives via Lookup.
  virtual absl::StatusOr<ProviderPayment> Authorize(const AuthorizeRequest& request,
                                                    absl::Time deadline) = 0;
  // Takes the authorized amount. Idempotent: on kCaptured it returns that state.
  // FAILED_PRECONDITION when the payment is not authorized (declined, voided, unknown).
  virtual absl::StatusOr<ProviderPayment> Capture(const std::string& payment_id,
                                                  absl::Time deadline) = 0;
  // Releases an authorization (or gives up a pending one). Idempotent; on kNone it records
  // the void so a late authorization can never succeed afterwards; a declined payment answers
  // its state (nothing is held). FAILED_PRECONDITION once captured (refund instead).
  virtual absl::StatusOr<ProviderPayment> Void(const std::string& payment_id,
                                               absl::Time deadline) = 0;
  // Gives back amount_minor of a captured payment. Idempotent per refund_id (a repeat returns
  // the payment's state without refunding again). FAILED_PRECONDITION when not captured,
  // INVALID_ARGUMENT when more than what remains.
  virtual absl::StatusOr<ProviderPayment> Refund(const std::string& payment_id,
                                                 const std::string& refund_id, int64_t amount_minor,
                                                 absl::Time deadline) = 0;
  // The provider's current state of the payment (kNone if it never saw it).
  virtual absl::StatusOr<ProviderPayment> Lookup(const std::string& payment_id,
                                                 absl::Time deadline) = 0;
};

}  // namespace shopcast::order::payments
