#include "payments/provider.h"

namespace shopcast::order::payments {

const char* ProviderStateName(ProviderState state) {
  switch (state) {
    case ProviderState::kNone:
      return "none";
    case ProviderState::kPending:
      return "pending";
    case ProviderState::kAuthorized:
      return "authorized";
    case ProviderState::kDeclined:
      return "declined";
    case ProviderState::kCaptured:
      return "captured";
    case ProviderState::kVoided:
      return "voided";
    case ProviderState::kRefunded:
      return "refunded";
  }
  return "unknown";
}

}  // namespace shopcast::order::payments
