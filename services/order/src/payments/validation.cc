#include "payments/validation.h"

#include "absl/strings/str_cat.h"
#include "payments/reasons.h"
#include "shopcast/status/status.h"

namespace shopcast::order::payments {

absl::Status ValidateId(absl::string_view id, absl::string_view field, absl::string_view reason) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return InvalidArgument(field, reason,
                           absl::StrCat(field, " must be 1..", kMaxIdBytes, " bytes"));
  }
  for (const char c : id) {
    if (c <= ' ' || c > '~') {
      return InvalidArgument(field, reason,
                             absl::StrCat(field, " must be printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAmount(int64_t amount_minor, absl::string_view field) {
  if (amount_minor <= 0 || amount_minor > kMaxAmountMinor) {
    return InvalidArgument(field, reason::kAmountInvalid,
                           absl::StrCat(field, " must be 1..", kMaxAmountMinor, " minor units"));
  }
  return absl::OkStatus();
}

absl::Status ValidateCurrency(absl::string_view currency) {
  bool ok = currency.size() == 3;
  for (const char c : currency) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) {
    return InvalidArgument("currency", reason::kCurrencyInvalid,
                           "currency must be an ISO 4217 code (three upper-case letters)");
  }
  return absl::OkStatus();
}

absl::Status ValidateDeclineCode(absl::string_view code) {
  bool ok = !code.empty() && code.size() <= kMaxIdBytes;
  for (const char c : code)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) {
    return InvalidArgument("decline_code", reason::kDeclineCodeInvalid,
                           absl::StrCat("decline_code must be 1..", kMaxIdBytes,
                                        " of lower-case letters, digits and '_'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateAuthorizeRequest(const AuthorizeRequest& request) {
  RETURN_IF_ERROR(ValidateId(request.payment_id, "payment_id", reason::kPaymentIdInvalid));
  RETURN_IF_ERROR(ValidateId(request.order_id, "order_id", reason::kOrderIdInvalid));
  RETURN_IF_ERROR(ValidateId(request.buyer_id, "buyer_id", reason::kBuyerIdInvalid));
  RETURN_IF_ERROR(ValidateAmount(request.amount_minor, "amount_minor"));
  return ValidateCurrency(request.currency);
}

}  // namespace shopcast::order::payments
