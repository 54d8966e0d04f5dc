#include "lifecycle/rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"

namespace shopcast::order::lifecycle {
namespace {

constexpr int kMaxNoteChars = 500;
constexpr int kMaxCarrierChars = 100;
constexpr int kMaxTrackingChars = 100;
constexpr size_t kMaxRefundKeyBytes = 64;

absl::Status Precondition(const char* why, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, why, message);
}

// Valid UTF-8 without control characters, min..max characters, not only spaces when required.
bool TextOk(absl::string_view s, int min, int max) {
  bool control = false;
  int n = 0;
  if (!text::ForEachCodePoint(s, [&](uint32_t cp) {
        ++n;
        control = control || text::IsControl(cp);
      })) {
    return false;
  }
  if (control || n < min || n > max) return false;
  return min == 0 || !absl::StripAsciiWhitespace(s).empty();
}

// Letters and digits, with " - . _ /" between them (carriers' formats vary, none needs more).
bool TrackingOk(absl::string_view s) {
  if (s.empty() || s.size() > static_cast<size_t>(kMaxTrackingChars)) return false;
  auto alnum = [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != ' ' && c != '-' && c != '.' && c != '_' && c != '/') return false;
  }
  return true;
}

bool PrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// The refusal for an order that is past (or not yet at) the states an action needs.
absl::Status StateRefusal(v1::OrderStatus status) {
  switch (status) {
    case v1::ORDER_STATUS_PENDING_PAYMENT:
      return Precondition(reason::kOrderNotPaid, "the order is not paid yet");
    case v1::ORDER_STATUS_SHIPPED:
      return Precondition(reason::kOrderAlreadyShipped, "the order was shipped");
    case v1::ORDER_STATUS_CANCELLED:
      return Precondition(reason::kOrderCancelled, "the order was cancelled");
    case v1::ORDER_STATUS_REFUNDED:
      return Precondition(reason::kOrderAlreadyRefunded, "the order was refunded in full");
    case v1::ORDER_STATUS_FAILED:
      return Precondition(reason::kOrderFailed, "the order failed; nothing was charged");
    default:
      return Precondition(reason::kOrderNotPaid, "the order is not in a state for this");
  }
}

}  // namespace

Party PartyOf(const auth::Caller& caller, const v1::Order& order) {
  if (!caller.user_id.empty() && caller.user_id == order.seller_id()) return Party::kSeller;
  if (caller.role == auth::Role::kAdmin) return Party::kAdmin;
  if (!caller.user_id.empty() && caller.user_id == order.buyer_id()) return Party::kBuyer;
  return Party::kNone;
}

absl::Status CheckCancel(Party party, v1::OrderStatus status, v1::CancelReason why) {
  const bool buyer_reason =
      why == v1::CANCEL_REASON_BUYER_REQUESTED || why == v1::CANCEL_REASON_OTHER;
  if (party == Party::kBuyer && !buyer_reason) {
    return PermissionDenied(reason::kCancelReasonNotAllowed,
                            "buyers cancel with BUYER_REQUESTED or OTHER");
  }
  if (party == Party::kSeller && why == v1::CANCEL_REASON_BUYER_REQUESTED) {
    return PermissionDenied(reason::kCancelReasonNotAllowed,
                            "only the buyer (or an admin) cancels with BUYER_REQUESTED");
  }
  switch (status) {
    case v1::ORDER_STATUS_PENDING_PAYMENT:
    case v1::ORDER_STATUS_CONFIRMED:
    case v1::ORDER_STATUS_CANCELLED:
      return absl::OkStatus();
    case v1::ORDER_STATUS_SHIPPED:
      return Precondition(reason::kOrderAlreadyShipped,
                          "the order was shipped; the seller can refund it instead");
    default:
      return StateRefusal(status);
  }
}

absl::Status CheckShip(Party party, v1::OrderStatus status, bool shippable) {
  if (party == Party::kBuyer) {
    return PermissionDenied(reason::kNotOrderSeller, "only the seller marks an order shipped");
  }
  if (status == v1::ORDER_STATUS_CONFIRMED || status == v1::ORDER_STATUS_SHIPPED) {
    if (!shippable) {
      return Precondition(reason::kOrderNotShippable, "an access pass has nothing to ship");
    }
    return absl::OkStatus();  // SHIPPED: the caller compares the tracking data.
  }
  return StateRefusal(status);
}

absl::Status CheckRefund(Party party, v1::OrderStatus status) {
  if (party == Party::kBuyer) {
    return PermissionDenied(reason::kNotOrderSeller, "only the seller or an admin refunds");
  }
  if (status == v1::ORDER_STATUS_CONFIRMED || status == v1::ORDER_STATUS_SHIPPED) {
    return absl::OkStatus();
  }
  return StateRefusal(status);
}

absl::Status ValidateCancel(const v1::CancelOrderRequest& request) {
  if (request.reason() == v1::CANCEL_REASON_UNSPECIFIED) {
    return InvalidArgument("reason", reason::kCancelReasonRequired, "reason is required");
  }
  if (!v1::CancelReason_IsValid(request.reason())) {
    return InvalidArgument("reason", reason::kCancelReasonInvalid, "unknown cancel reason");
  }
  if (!TextOk(request.note(), 0, kMaxNoteChars)) {
    return InvalidArgument("note", reason::kNoteInvalid,
                           "note must be 0..500 characters of text without control characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateShip(const v1::MarkOrderShippedRequest& request) {
  if (!TextOk(request.carrier(), 1, kMaxCarrierChars)) {
    return InvalidArgument("carrier", reason::kCarrierInvalid,
                           "carrier must be 1..100 characters of text without control "
                           "characters");
  }
  if (!TrackingOk(request.tracking_number())) {
    return InvalidArgument("tracking_number", reason::kTrackingNumberInvalid,
                           "tracking_number must be 1..100 letters and digits, with ' ', '-', "
                           "'.', '_' or '/' between them");
  }
  return absl::OkStatus();
}

absl::Status ValidateRefund(const v1::RefundOrderRequest& request) {
  if (request.refund_key().empty()) {
    return InvalidArgument("refund_key", reason::kRefundKeyRequired, "refund_key is required");
  }
  if (request.refund_key().size() > kMaxRefundKeyBytes || !PrintableAscii(request.refund_key())) {
    return InvalidArgument("refund_key", reason::kRefundKeyInvalid,
                           "refund_key must be 1..64 printable ASCII characters");
  }
  if (request.has_amount() && request.amount().amount_minor() <= 0) {
    return InvalidArgument("amount", reason::kRefundAmountInvalid,
                           "amount must be more than zero (or unset: everything left)");
  }
  if (!TextOk(request.note(), 0, kMaxNoteChars)) {
    return InvalidArgument("note", reason::kNoteInvalid,
                           "note must be 0..500 characters of text without control characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RefundAmount(const v1::RefundOrderRequest& request, int64_t remaining,
                                     const std::string& currency) {
  if (!request.has_amount()) return remaining;
  const common::v1::Money& a = request.amount();
  if (a.currency() != currency) {
    return InvalidArgument("amount.currency", reason::kRefundAmountInvalid,
                           absl::StrCat("the order is in ", currency));
  }
  if (a.amount_minor() <= 0 || a.amount_minor() > remaining) {
    return InvalidArgument(
        "amount", reason::kRefundAmountInvalid,
        absl::StrCat("at most ", remaining, " ", currency, " (minor units) can still be refunded"));
  }
  return a.amount_minor();
}

std::string RefundFingerprint(const v1::RefundOrderRequest& request) {
  v1::RefundOrderRequest canonical = request;
  canonical.clear_refund_key();
  canonical.clear_order_id();
  return absl::BytesToHexString(canonical.SerializeAsString());
}

bool HasProductLines(const v1::Order& order) {
  for (const v1::OrderLine& line : order.lines()) {
    if (line.access_stream_id().empty()) return true;
  }
  return false;
}

}  // namespace shopcast::order::lifecycle
