#pragma once

// Reasons (shopcast::ReasonOf) on the errors of the payment providers, for the saga to act on
// and for its RPC edge to pass on where the caller can fix something.

namespace shopcast::order::payments::reason {

// INVALID_ARGUMENT: a caller bug, never worth a retry.
inline constexpr char kPaymentIdInvalid[] = "PAYMENT_ID_INVALID";
inline constexpr char kOrderIdInvalid[] = "ORDER_ID_INVALID";
inline constexpr char kBuyerIdInvalid[] = "BUYER_ID_INVALID";
inline constexpr char kRefundIdInvalid[] = "REFUND_ID_INVALID";
inline constexpr char kAmountInvalid[] = "AMOUNT_INVALID";
inline constexpr char kCurrencyInvalid[] = "CURRENCY_INVALID";
inline constexpr char kPaymentMethodInvalid[] = "PAYMENT_METHOD_INVALID";
inline constexpr char kDeclineCodeInvalid[] = "DECLINE_CODE_INVALID";
// More than the payment still has captured and unrefunded.
inline constexpr char kRefundAmountInvalid[] = "REFUND_AMOUNT_INVALID";
// The payment id was authorized before with another order, buyer, amount, currency or method.
inline constexpr char kPaymentIdReused[] = "PAYMENT_ID_REUSED";
// The refund id was used before on this payment with another amount.
inline constexpr char kRefundIdReused[] = "REFUND_ID_REUSED";

// NOT_FOUND (Settle) or FAILED_PRECONDITION (Capture, Refund): the provider never saw it.
inline constexpr char kPaymentNotFound[] = "PAYMENT_NOT_FOUND";
// FAILED_PRECONDITION.
inline constexpr char kPaymentNotAuthorized[] = "PAYMENT_NOT_AUTHORIZED";
inline constexpr char kPaymentNotCaptured[] = "PAYMENT_NOT_CAPTURED";
inline constexpr char kPaymentAlreadyCaptured[] = "PAYMENT_ALREADY_CAPTURED";
inline constexpr char kPaymentAlreadySettled[] = "PAYMENT_ALREADY_SETTLED";

// "No answer" errors, worth a retry with the same ids: DEADLINE_EXCEEDED and UNAVAILABLE.
inline constexpr char kProviderTimeout[] = "PROVIDER_TIMEOUT";
inline constexpr char kProviderError[] = "PROVIDER_ERROR";

}  // namespace shopcast::order::payments::reason
