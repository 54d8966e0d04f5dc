#pragma once

// The simulated provider's test tokens (PlaceholderPaymentMethod.token in
// protos/shopcast/order/v1/order.proto): the token alone decides what a payment does.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::order::payments {

inline constexpr char kTokenApprove[] = "pm_test_approve";
inline constexpr char kTokenDecline[] = "pm_test_decline";
inline constexpr char kTokenCardDeclined[] = "pm_test_card_declined";
inline constexpr char kTokenInsufficientFunds[] = "pm_test_insufficient_funds";
inline constexpr char kTokenTimeout[] = "pm_test_timeout";
inline constexpr char kTokenErrorAfterCharge[] = "pm_test_error_after_charge";
inline constexpr char kTokenPending[] = "pm_test_pending";

inline constexpr char kDeclineCardDeclined[] = "card_declined";
inline constexpr char kDeclineInsufficientFunds[] = "insufficient_funds";

// What Authorize does with a token.
enum class TokenBehaviour {
  kApprove,           // Authorized at once.
  kDecline,           // Declined at once with TestToken::decline_code.
  kTimeout,           // No answer by the deadline, nothing recorded, every time.
  kErrorAfterCharge,  // The first call authorizes, then answers UNAVAILABLE.
  kPending,           // Pending until SimulatedProvider::Settle.
};

struct TestToken {
  TokenBehaviour behaviour = TokenBehaviour::kApprove;
  std::string decline_code;  // kDecline only.
};

// The behaviour of `token`; INVALID_ARGUMENT/PAYMENT_METHOD_INVALID (field method_token) for
// anything else.
absl::StatusOr<TestToken> ParseTestToken(absl::string_view token);

}  // namespace shopcast::order::payments
