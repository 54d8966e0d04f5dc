#include "auctions_rules/money.h"

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions_rules {

absl::Status ValidateCurrency(absl::string_view currency, absl::string_view field) {
  bool ok = currency.size() == 3;
  for (char c : currency) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) {
    return InvalidArgument(field, "UNSUPPORTED_CURRENCY",
                           "currency must be an ISO 4217 code such as USD");
  }
  return absl::OkStatus();
}

absl::Status ValidatePositiveAmount(int64_t minor, absl::string_view field,
                                    absl::string_view reason) {
  if (minor < 1 || minor > kMaxAmountMinor) {
    return InvalidArgument(field, reason,
                           absl::StrCat("amount must be 1..", kMaxAmountMinor, " minor units"));
  }
  return absl::OkStatus();
}

}  // namespace shopcast::product_inventory::auctions_rules
