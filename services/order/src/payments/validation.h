#pragma once

// Checks of what the saga hands a payment provider. Any provider runs them first, so a caller
// bug is INVALID_ARGUMENT (never retried) before anything reaches the provider's books.

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "payments/provider.h"

namespace shopcast::order::payments {

// Ids (payment, order, buyer, refund) and decline codes: at most this many bytes.
inline constexpr size_t kMaxIdBytes = 64;
// 10^12 minor units: far above any checkout, far below what sums of bigints can hold.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000'000;

// OK iff `id` is 1..kMaxIdBytes printable ASCII without spaces; else INVALID_ARGUMENT with
// `reason` on `field`.
absl::Status ValidateId(absl::string_view id, absl::string_view field, absl::string_view reason);

// OK iff 0 < amount_minor <= kMaxAmountMinor; else INVALID_ARGUMENT/AMOUNT_INVALID on `field`.
absl::Status ValidateAmount(int64_t amount_minor, absl::string_view field);

// OK iff three upper-case ASCII letters (ISO 4217 shape); else INVALID_ARGUMENT/
// CURRENCY_INVALID.
absl::Status ValidateCurrency(absl::string_view currency);

// OK iff 1..kMaxIdBytes of [a-z0-9_]; else INVALID_ARGUMENT/DECLINE_CODE_INVALID.
absl::Status ValidateDeclineCode(absl::string_view code);

// Every field of an authorization but the method token, whose meaning is the provider's.
absl::Status ValidateAuthorizeRequest(const AuthorizeRequest& request);

}  // namespace shopcast::order::payments
