#pragma once

// What PlaceOrder accepts, checked before anything is read or written. Pure.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shopcast/order/v1/order.pb.h"

namespace shopcast::order::checkout {

// One bad field of a request: its path ("shipping_address.country_code") and reason.
struct Violation {
  std::string field;
  std::string reason;
  std::string message;
};

// Every violation of `address` (fields prefixed "shipping_address."): reason ADDRESS_INVALID.
// Lengths are in characters; text must be valid UTF-8 without control characters.
// country_code is ISO 3166-1 alpha-2 in upper case; region is required in countries whose
// addresses need one (US, CA, AU), postal_code in all but those without postal codes; phone is
// empty or E.164 ("+" then 8..15 digits, no leading zero).
std::vector<Violation> ValidateAddress(const v1::ShippingAddress& address);

// Every violation of a product PlaceOrder: the reservation id (ITEM_REQUIRED), the idempotency
// key (IDEMPOTENCY_KEY_REQUIRED, IDEMPOTENCY_KEY_INVALID: 1..64 printable ASCII), the address
// and the payment method (PAYMENT_METHOD_REQUIRED, PAYMENT_METHOD_INVALID: a known test token
// of at most 64 bytes).
std::vector<Violation> ValidatePlaceOrder(const v1::PlaceOrderRequest& request);

// Every violation of an access-pass PlaceOrder (access_stream_id set): the stream id
// (ID_INVALID unless a str_ id), the idempotency key and the payment method as above, and no
// shipping address (a pass ships nothing: a non-empty one is SHIPPING_ADDRESS_NOT_ALLOWED, so
// no address is stored with a pass).
std::vector<Violation> ValidatePassOrder(const v1::PlaceOrderRequest& request);

// OK for none; else INVALID_ARGUMENT with the first violation's reason and field, and every
// violation named in the message.
absl::Status ToStatus(const std::vector<Violation>& violations);

// The placeholder provider's test tokens (order.proto, PlaceholderPaymentMethod).
bool IsKnownTestToken(const std::string& token);

}  // namespace shopcast::order::checkout
