#include "payments/test_tokens.h"

#include "payments/reasons.h"
#include "shopcast/status/status.h"

namespace shopcast::order::payments {

absl::StatusOr<TestToken> ParseTestToken(absl::string_view token) {
  if (token == kTokenApprove) return TestToken{TokenBehaviour::kApprove, ""};
  if (token == kTokenDecline || token == kTokenCardDeclined) {
    return TestToken{TokenBehaviour::kDecline, kDeclineCardDeclined};
  }
  if (token == kTokenInsufficientFunds) {
    return TestToken{TokenBehaviour::kDecline, kDeclineInsufficientFunds};
  }
  if (token == kTokenTimeout) return TestToken{TokenBehaviour::kTimeout, ""};
  if (token == kTokenErrorAfterCharge) return TestToken{TokenBehaviour::kErrorAfterCharge, ""};
  if (token == kTokenPending) return TestToken{TokenBehaviour::kPending, ""};
  return InvalidArgument("method_token", reason::kPaymentMethodInvalid,
                         "unknown payment method token");
}

}  // namespace shopcast::order::payments
