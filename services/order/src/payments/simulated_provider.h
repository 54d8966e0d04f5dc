#pragma once

// The built-in payment provider: real bookkeeping, simulated bank. It keeps its own ledger in
// the order database (migrations/V002__payment_ledger.sql: provider_payments, one row per
// payment id, and the append-only provider_ledger_entries) and lets the payment method's test
// token (test_tokens.h) decide each authorization's outcome, including the failures a real
// processor has: a decline, no answer at all, an error after the money was taken, an answer
// that arrives later.
//
// Every call is one transaction that first locks the payment's row (or creates it with
// INSERT ... ON CONFLICT DO NOTHING), so concurrent repeats of a call, and races between
// calls (Settle against Void, Authorize against Void), each see the other's outcome; partial
// unique indexes on the ledger make a second authorization, capture or void, or a repeated
// refund id, impossible whatever the code above does.
//
// The deadline only bounds pm_test_timeout's wait: everything else answers from the database
// (bounded by the pool's acquire timeout) and has nothing to abandon halfway.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "payments/provider.h"
#include "shopcast/db/pool.h"

namespace shopcast::order::payments {

struct SimulatedProviderOptions {
  // Stamps the payments and entries, and is the clock deadlines are read on. null = absl::Now.
  std::function<absl::Time()> clock;
  // "pm_test_timeout" waits min(deadline, now + this), then answers DEADLINE_EXCEEDED.
  absl::Duration timeout_wait = absl::Seconds(2);
};

class SimulatedProvider final : public PaymentProvider {
 public:
  // `pool` (with PreparedStatements()) outlives the provider.
  explicit SimulatedProvider(db::Pool& pool, SimulatedProviderOptions options = {});

  // "placeholder".
  std::string name() const override;

  // Runs the token's behaviour (test_tokens.h). A repeat answers the payment's state; with
  // another order, buyer, amount, currency or token INVALID_ARGUMENT/PAYMENT_ID_REUSED. An id
  // voided before it was authorized answers kVoided and takes nothing. Bad fields:
  // INVALID_ARGUMENT (validation.h); unknown token: INVALID_ARGUMENT/PAYMENT_METHOD_INVALID.
  absl::StatusOr<ProviderPayment> Authorize(const AuthorizeRequest& request,
                                            absl::Time deadline) override;
  // FAILED_PRECONDITION/PAYMENT_NOT_FOUND (never authorized), PAYMENT_NOT_AUTHORIZED (pending,
  // declined, voided). A captured or refunded payment answers its state.
  absl::StatusOr<ProviderPayment> Capture(const std::string& payment_id,
                                          absl::Time deadline) override;
  // Voids a pending or authorized payment; an unknown id becomes a voided tombstone. Voided
  // and declined payments answer their state (nothing is held either way).
  // FAILED_PRECONDITION/PAYMENT_ALREADY_CAPTURED once captured.
  absl::StatusOr<ProviderPayment> Void(const std::string& payment_id, absl::Time deadline) override;
  // FAILED_PRECONDITION/PAYMENT_NOT_FOUND, PAYMENT_NOT_CAPTURED; INVALID_ARGUMENT/
  // REFUND_AMOUNT_INVALID beyond what remains, REFUND_ID_REUSED (same id, other amount).
  // Refunding all that remains makes the payment kRefunded; less leaves it kCaptured with
  // refunded_minor grown.
  absl::StatusOr<ProviderPayment> Refund(const std::string& payment_id,
                                         const std::string& refund_id, int64_t amount_minor,
                                         absl::Time deadline) override;
  absl::StatusOr<ProviderPayment> Lookup(const std::string& payment_id,
                                         absl::Time deadline) override;

  // CompletePlaceholderPayment: settles a kPending payment (approve -> kAuthorized; else
  // kDeclined with decline_code, default "card_declined"). Same outcome again: returns the
  // state; a different one: FAILED_PRECONDITION PAYMENT_ALREADY_SETTLED (a voided pending
  // payment or tombstone included); unknown id: NOT_FOUND PAYMENT_NOT_FOUND.
  absl::StatusOr<ProviderPayment> Settle(const std::string& payment_id, bool approve,
                                         const std::string& decline_code);

  struct LedgerTotal {
    std::string currency;
    int64_t captured_minor = 0;
    int64_t refunded_minor = 0;
    int64_t payments_captured = 0;
  };
  // Per currency, sorted: what the ledger says was taken and given back. The fault test
  // compares this with the sum of paid orders.
  absl::StatusOr<std::vector<LedgerTotal>> Totals();

  // (name, sql) the pool must prepare on every connection.
  static std::vector<std::pair<std::string, std::string>> PreparedStatements();

 private:
  absl::Time Now() const;
  // pm_test_timeout: waits min(deadline, now + timeout_wait) of real time, then answers.
  absl::Status WaitOutTimeout(absl::Time deadline) const;

  db::Pool& pool_;
  const SimulatedProviderOptions options_;
};

}  // namespace shopcast::order::payments
