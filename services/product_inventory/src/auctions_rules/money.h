#pragma once

// Money in auctions: integer minor units of one ISO 4217 currency, never a float.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shopcast::product_inventory::auctions_rules {

struct Money {
  int64_t minor = 0;
  std::string currency;  // "USD", "EUR": three upper-case letters.

  friend bool operator==(const Money&, const Money&) = default;
};

// The largest amount any auction field may hold: 10^15 minor units, so that the sum of two
// amounts (a price plus an increment) can never overflow int64.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000'000'000;

// OK for three upper-case ASCII letters; INVALID_ARGUMENT/UNSUPPORTED_CURRENCY on `field`.
absl::Status ValidateCurrency(absl::string_view currency, absl::string_view field);

// OK for 1..kMaxAmountMinor; INVALID_ARGUMENT/`reason` on `field` otherwise.
absl::Status ValidatePositiveAmount(int64_t minor, absl::string_view field,
                                    absl::string_view reason);

}  // namespace shopcast::product_inventory::auctions_rules
