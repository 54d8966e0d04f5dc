#pragma once

// A fresh database with the payment ledger (migrations/V002) for one test, a pool with the
// provider's statements prepared, the provider, and what its tables say, read directly.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "payments/provider.h"
#include "payments/simulated_provider.h"
#include "shopcast/db/pool.h"
#include "shopcast/testing/pg.h"

namespace shopcast::order::payments::testing {

// A deadline no call under test should come near, even on a loaded machine.
inline absl::Time Deadline() { return absl::Now() + absl::Seconds(30); }

// Sums over the rows of provider_payments of one currency.
struct PaymentSums {
  int64_t captured_minor = 0;
  int64_t refunded_minor = 0;
  int64_t payments_captured = 0;  // Rows with captured_minor > 0.
};

class PaymentsFixture {
 public:
  explicit PaymentsFixture(SimulatedProviderOptions options = {}, int pool_size = 12);
  ~PaymentsFixture();

  db::Pool& pool() { return *pool_; }
  SimulatedProvider& provider() { return *provider_; }

  // An authorization with fresh payment, order and buyer ids.
  static AuthorizeRequest Request(const std::string& token, int64_t amount_minor = 1250,
                                  const std::string& currency = "EUR");

  // Rows of provider_payments for the id (0 or 1).
  int64_t PaymentRows(const std::string& payment_id);
  // Ledger entries of `kind` for the payment ("" = every kind).
  int64_t Entries(const std::string& payment_id, const std::string& kind = "");
  // Sum of the amounts of the payment's entries of `kind`.
  int64_t EntrySum(const std::string& payment_id, const std::string& kind);
  // Per currency, over provider_payments.
  std::map<std::string, PaymentSums> SumsByCurrency();

 private:
  // The single bigint `sql` answers with `args` bound.
  template <typename... Args>
  int64_t Count(const std::string& sql, const Args&... args);

  shopcast::testing::TestDatabase db_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<SimulatedProvider> provider_;
};

}  // namespace shopcast::order::payments::testing
