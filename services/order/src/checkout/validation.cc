#include "checkout/validation.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"

namespace shopcast::order::checkout {
namespace {

constexpr char kAddressInvalid[] = "ADDRESS_INVALID";

// Countries whose addresses carry no postal code (UPU list, the common ones).
constexpr std::array<absl::string_view, 24> kNoPostalCode = {
    "AE", "AG", "AO", "BF", "BJ", "BO", "BS", "BW", "CM", "FJ", "GH", "GM",
    "HK", "IE", "JM", "KI", "ML", "MO", "MW", "QA", "RW", "SC", "TG", "UG"};
// Countries whose carriers need a state / province.
constexpr std::array<absl::string_view, 3> kRegionRequired = {"US", "CA", "AU"};

template <size_t N>
bool Contains(const std::array<absl::string_view, N>& list, absl::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

// Valid UTF-8 without control characters, min..max characters.
bool TextOk(absl::string_view s, int64_t min, int64_t max) {
  bool control = false;
  int64_t n = 0;
  if (!text::ForEachCodePoint(s, [&](uint32_t cp) {
        ++n;
        control = control || text::IsControl(cp);
      })) {
    return false;
  }
  if (control) return false;
  if (n < min || n > max) return false;
  // Required text must not be only spaces.
  return min == 0 || !absl::StripAsciiWhitespace(s).empty();
}

void CheckText(std::vector<Violation>& out, absl::string_view field, absl::string_view value,
               int64_t min, int64_t max) {
  if (TextOk(value, min, max)) return;
  out.push_back({absl::StrCat("shipping_address.", field), kAddressInvalid,
                 absl::StrCat(field, " must be ", min, "..", max,
                              " characters of text without control characters")});
}

bool IsCountryCode(absl::string_view c) {
  return c.size() == 2 && absl::ascii_isupper(static_cast<unsigned char>(c[0])) &&
         absl::ascii_isupper(static_cast<unsigned char>(c[1]));
}

bool IsE164(absl::string_view p) {
  if (p.size() < 9 || p.size() > 16 || p[0] != '+' || p[1] == '0') return false;
  return std::all_of(p.begin() + 1, p.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
}

bool IsPrintableAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

void CheckKey(std::vector<Violation>& out, const v1::PlaceOrderRequest& r) {
  if (r.idempotency_key().empty()) {
    out.push_back({"idempotency_key", "IDEMPOTENCY_KEY_REQUIRED", "idempotency_key is required"});
  } else if (r.idempotency_key().size() > 64 || !IsPrintableAscii(r.idempotency_key())) {
    out.push_back({"idempotency_key", "IDEMPOTENCY_KEY_INVALID",
                   "idempotency_key must be 1..64 printable ASCII characters"});
  }
}

void CheckPayment(std::vector<Violation>& out, const v1::PlaceOrderRequest& r) {
  if (!r.has_payment_method() || !r.payment_method().has_placeholder()) {
    out.push_back({"payment_method", "PAYMENT_METHOD_REQUIRED", "payment_method is required"});
  } else {
    const std::string& token = r.payment_method().placeholder().token();
    if (token.size() > 64 || !IsKnownTestToken(token)) {
      out.push_back({"payment_method.placeholder.token", "PAYMENT_METHOD_INVALID",
                     "token is not a known test token (at most 64 bytes)"});
    }
  }
}

}  // namespace

bool IsKnownTestToken(const std::string& token) {
  static constexpr std::array<absl::string_view, 7> kTokens = {
      "pm_test_approve",       "pm_test_decline",
      "pm_test_card_declined", "pm_test_insufficient_funds",
      "pm_test_timeout",       "pm_test_error_after_charge",
      "pm_test_pending"};
  return Contains(kTokens, token);
}

std::vector<Violation> ValidateAddress(const v1::ShippingAddress& a) {
  std::vector<Violation> out;
  CheckText(out, "recipient_name", a.recipient_name(), 1, 100);
  CheckText(out, "line1", a.line1(), 1, 200);
  CheckText(out, "line2", a.line2(), 0, 200);
  CheckText(out, "city", a.city(), 1, 100);
  CheckText(out, "region", a.region(), 0, 100);
  CheckText(out, "postal_code", a.postal_code(), 0, 20);
  const std::string& country = a.country_code();
  if (!IsCountryCode(country)) {
    out.push_back({"shipping_address.country_code", kAddressInvalid,
                   "country_code must be an ISO 3166-1 alpha-2 code in upper case"});
  } else {
    if (Contains(kRegionRequired, country) && a.region().empty()) {
      out.push_back({"shipping_address.region", kAddressInvalid,
                     absl::StrCat("region is required for ", country)});
    }
    if (!Contains(kNoPostalCode, country) && a.postal_code().empty()) {
      out.push_back({"shipping_address.postal_code", kAddressInvalid,
                     absl::StrCat("postal_code is required for ", country)});
    }
  }
  if (!a.phone().empty() && !IsE164(a.phone())) {
    out.push_back(
        {"shipping_address.phone", kAddressInvalid, "phone must be E.164: + and 8..15 digits"});
  }
  return out;
}

std::vector<Violation> ValidatePlaceOrder(const v1::PlaceOrderRequest& r) {
  std::vector<Violation> out;
  if (r.item_case() != v1::PlaceOrderRequest::kReservationId || r.reservation_id().empty()) {
    out.push_back({"reservation_id", "ITEM_REQUIRED",
                   "exactly one of reservation_id or access_stream_id is required"});
  } else if (!ids::IsValidId(r.reservation_id(), "res")) {
    out.push_back({"reservation_id", "ID_INVALID", "reservation_id is not a res_ id"});
  }
  CheckKey(out, r);
  if (!r.has_shipping_address()) {
    out.push_back({"shipping_address", kAddressInvalid, "shipping_address is required"});
  } else {
    for (Violation& v : ValidateAddress(r.shipping_address())) out.push_back(std::move(v));
  }
  CheckPayment(out, r);
  return out;
}

std::vector<Violation> ValidatePassOrder(const v1::PlaceOrderRequest& r) {
  std::vector<Violation> out;
  if (r.item_case() != v1::PlaceOrderRequest::kAccessStreamId || r.access_stream_id().empty()) {
    out.push_back({"access_stream_id", "ITEM_REQUIRED",
                   "exactly one of reservation_id or access_stream_id is required"});
  } else if (!ids::IsValidId(r.access_stream_id(), "str")) {
    out.push_back({"access_stream_id", "ID_INVALID", "access_stream_id is not a str_ id"});
  }
  CheckKey(out, r);
  // A pass ships nothing; an empty message (a client's "{}") is no address.
  if (r.has_shipping_address() && r.shipping_address().ByteSizeLong() > 0) {
    out.push_back({"shipping_address", "SHIPPING_ADDRESS_NOT_ALLOWED",
                   "an access pass ships nothing: send no shipping_address"});
  }
  CheckPayment(out, r);
  return out;
}

absl::Status ToStatus(const std::vector<Violation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  std::string message = absl::StrJoin(violations, "; ", [](std::string* s, const Violation& v) {
    absl::StrAppend(s, v.field, ": ", v.message);
  });
  return InvalidArgument(violations.front().field, violations.front().reason, message);
}

}  // namespace shopcast::order::checkout
