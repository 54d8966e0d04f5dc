#pragma once

// The order lifecycle's rules on plain types: who may do what to an order in which state, and
// what the requests must look like. Pure: no database, no gRPC.
//
// Authorization matrix (anyone who is not the order's buyer, seller or an admin gets
// NOT_FOUND/ORDER_NOT_FOUND, as from GetOrder, so order ids cannot be probed):
//
//   | action            | buyer                          | seller            | admin        |
//   |-------------------|--------------------------------|-------------------|--------------|
//   | CancelOrder       | PENDING_PAYMENT, CONFIRMED;    | PENDING_PAYMENT,  | as seller,   |
//   |                   | reason BUYER_REQUESTED / OTHER | CONFIRMED; reason | any reason   |
//   |                   |                                | not BUYER_REQ.    |              |
//   | MarkOrderShipped  | PERMISSION_DENIED              | CONFIRMED         | CONFIRMED    |
//   | RefundOrder       | PERMISSION_DENIED              | CONFIRMED,SHIPPED | same         |
//
// Wrong state: FAILED_PRECONDITION with ORDER_NOT_PAID (PENDING_PAYMENT), ORDER_ALREADY_SHIPPED,
// ORDER_CANCELLED, ORDER_ALREADY_REFUNDED, ORDER_FAILED, ORDER_NOT_SHIPPABLE (access passes).

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shopcast/auth/caller.h"
#include "shopcast/order/v1/order.pb.h"

namespace shopcast::order::lifecycle {

namespace reason {
inline constexpr char kOrderNotFound[] = "ORDER_NOT_FOUND";
inline constexpr char kNotOrderSeller[] = "NOT_ORDER_SELLER";
inline constexpr char kOrderNotPaid[] = "ORDER_NOT_PAID";
inline constexpr char kOrderAlreadyShipped[] = "ORDER_ALREADY_SHIPPED";
inline constexpr char kOrderCancelled[] = "ORDER_CANCELLED";
inline constexpr char kOrderAlreadyRefunded[] = "ORDER_ALREADY_REFUNDED";
inline constexpr char kOrderFailed[] = "ORDER_FAILED";
inline constexpr char kOrderNotShippable[] = "ORDER_NOT_SHIPPABLE";
inline constexpr char kOrderPaymentInProgress[] = "ORDER_PAYMENT_IN_PROGRESS";
inline constexpr char kCancelReasonRequired[] = "CANCEL_REASON_REQUIRED";
inline constexpr char kCancelReasonInvalid[] = "CANCEL_REASON_INVALID";
inline constexpr char kCancelReasonNotAllowed[] = "CANCEL_REASON_NOT_ALLOWED";
inline constexpr char kNoteInvalid[] = "NOTE_INVALID";
inline constexpr char kCarrierInvalid[] = "CARRIER_INVALID";
inline constexpr char kTrackingNumberInvalid[] = "TRACKING_NUMBER_INVALID";
inline constexpr char kRefundKeyRequired[] = "REFUND_KEY_REQUIRED";
inline constexpr char kRefundKeyInvalid[] = "REFUND_KEY_INVALID";
inline constexpr char kRefundKeyReused[] = "REFUND_KEY_REUSED";
inline constexpr char kRefundAmountInvalid[] = "REFUND_AMOUNT_INVALID";
}  // namespace reason

// The caller's relation to an order. A caller who is both buyer and seller (product-inventory
// never lets a seller buy their own product) counts as the seller.
enum class Party { kNone, kBuyer, kSeller, kAdmin };
Party PartyOf(const auth::Caller& caller, const v1::Order& order);

// What CancelOrder does to an order in `status`: OK (cancel it), or the refusal. CANCELLED is
// OK too (the caller answers the order as it is). `party` is not kNone.
absl::Status CheckCancel(Party party, v1::OrderStatus status, v1::CancelReason reason);
// MarkOrderShipped on an order in `status`, of product lines (false: an access pass).
absl::Status CheckShip(Party party, v1::OrderStatus status, bool shippable);
// RefundOrder on an order in `status`.
absl::Status CheckRefund(Party party, v1::OrderStatus status);

// Request shapes (INVALID_ARGUMENT with field and reason), checked before the order is read.
absl::Status ValidateCancel(const v1::CancelOrderRequest& request);
absl::Status ValidateShip(const v1::MarkOrderShippedRequest& request);
absl::Status ValidateRefund(const v1::RefundOrderRequest& request);

// The amount a refund request asks for, given what `remaining` (> 0) can still be refunded in
// `currency`: the whole rest when unset; INVALID_ARGUMENT/REFUND_AMOUNT_INVALID for another
// currency, zero or less, or more than remains.
absl::StatusOr<int64_t> RefundAmount(const v1::RefundOrderRequest& request, int64_t remaining,
                                     const std::string& currency);

// A request's fingerprint: the request without its key, serialized (hex). A retry with the same
// key must carry the same one.
std::string RefundFingerprint(const v1::RefundOrderRequest& request);

// An order whose lines are all access passes has nothing to ship and no stock to return.
bool HasProductLines(const v1::Order& order);

}  // namespace shopcast::order::lifecycle
