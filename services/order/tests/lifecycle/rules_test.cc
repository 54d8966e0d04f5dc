// The lifecycle's rules: the authorization matrix by state, and the request checks.

#include "lifecycle/rules.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

namespace shopcast::order::lifecycle {
namespace {

namespace v1 = ::shopcast::order::v1;

v1::Order OrderOf(const std::string& buyer, const std::string& seller) {
  v1::Order o;
  o.set_id("ord_1");
  o.set_buyer_id(buyer);
  o.set_seller_id(seller);
  return o;
}

std::string ReasonOfCheck(const absl::Status& s) { return s.ok() ? "OK" : ReasonOf(s); }

TEST_CASE("rules: who the caller is to an order", "[lifecycle][rules]") {
  const v1::Order o = OrderOf("usr_b", "usr_s");
  CHECK(PartyOf({"usr_b", auth::Role::kViewer}, o) == Party::kBuyer);
  CHECK(PartyOf({"usr_s", auth::Role::kHost}, o) == Party::kSeller);
  // A host demoted to viewer still sells what they sold.
  CHECK(PartyOf({"usr_s", auth::Role::kViewer}, o) == Party::kSeller);
  CHECK(PartyOf({"usr_a", auth::Role::kAdmin}, o) == Party::kAdmin);
  CHECK(PartyOf({"usr_x", auth::Role::kHost}, o) == Party::kNone);
  CHECK(PartyOf({"", auth::Role::kViewer}, OrderOf("", "")) == Party::kNone);
}

TEST_CASE("rules: cancel by party, state and reason", "[lifecycle][rules]") {
  using S = v1::OrderStatus;
  struct Row {
    Party party;
    S status;
    v1::CancelReason reason;
    std::string want;
  };
  const std::vector<Row> rows = {
      {Party::kBuyer, v1::ORDER_STATUS_PENDING_PAYMENT, v1::CANCEL_REASON_BUYER_REQUESTED, "OK"},
      {Party::kBuyer, v1::ORDER_STATUS_CONFIRMED, v1::CANCEL_REASON_OTHER, "OK"},
      {Party::kBuyer, v1::ORDER_STATUS_CANCELLED, v1::CANCEL_REASON_OTHER, "OK"},
      {Party::kBuyer, v1::ORDER_STATUS_SHIPPED, v1::CANCEL_REASON_BUYER_REQUESTED,
       "ORDER_ALREADY_SHIPPED"},
      {Party::kBuyer, v1::ORDER_STATUS_REFUNDED, v1::CANCEL_REASON_OTHER, "ORDER_ALREADY_REFUNDED"},
      {Party::kBuyer, v1::ORDER_STATUS_FAILED, v1::CANCEL_REASON_OTHER, "ORDER_FAILED"},
      {Party::kBuyer, v1::ORDER_STATUS_CONFIRMED, v1::CANCEL_REASON_SUSPECTED_FRAUD,
       "CANCEL_REASON_NOT_ALLOWED"},
      {Party::kSeller, v1::ORDER_STATUS_CONFIRMED, v1::CANCEL_REASON_SELLER_CANNOT_FULFIL, "OK"},
      {Party::kSeller, v1::ORDER_STATUS_PENDING_PAYMENT, v1::CANCEL_REASON_SUSPECTED_FRAUD, "OK"},
      {Party::kSeller, v1::ORDER_STATUS_CONFIRMED, v1::CANCEL_REASON_BUYER_REQUESTED,
       "CANCEL_REASON_NOT_ALLOWED"},
      {Party::kSeller, v1::ORDER_STATUS_SHIPPED, v1::CANCEL_REASON_OTHER, "ORDER_ALREADY_SHIPPED"},
      {Party::kAdmin, v1::ORDER_STATUS_CONFIRMED, v1::CANCEL_REASON_BUYER_REQUESTED, "OK"},
      {Party::kAdmin, v1::ORDER_STATUS_FAILED, v1::CANCEL_REASON_OTHER, "ORDER_FAILED"},
  };
  for (const Row& r : rows) {
    INFO(static_cast<int>(r.party)
         << " " << v1::OrderStatus_Name(r.status) << " " << v1::CancelReason_Name(r.reason));
    CHECK(ReasonOfCheck(CheckCancel(r.party, r.status, r.reason)) == r.want);
  }
  CHECK(CheckCancel(Party::kBuyer, v1::ORDER_STATUS_CONFIRMED, v1::CANCEL_REASON_SUSPECTED_FRAUD)
            .code() == absl::StatusCode::kPermissionDenied);
  CHECK(CheckCancel(Party::kBuyer, v1::ORDER_STATUS_SHIPPED, v1::CANCEL_REASON_OTHER).code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("rules: ship and refund are the seller's and an admin's", "[lifecycle][rules]") {
  CHECK(ReasonOfCheck(CheckShip(Party::kBuyer, v1::ORDER_STATUS_CONFIRMED, true)) ==
        "NOT_ORDER_SELLER");
  CHECK(ReasonOfCheck(CheckShip(Party::kSeller, v1::ORDER_STATUS_CONFIRMED, true)) == "OK");
  CHECK(ReasonOfCheck(CheckShip(Party::kAdmin, v1::ORDER_STATUS_SHIPPED, true)) == "OK");
  CHECK(ReasonOfCheck(CheckShip(Party::kSeller, v1::ORDER_STATUS_CONFIRMED, false)) ==
        "ORDER_NOT_SHIPPABLE");
  CHECK(ReasonOfCheck(CheckShip(Party::kSeller, v1::ORDER_STATUS_PENDING_PAYMENT, true)) ==
        "ORDER_NOT_PAID");
  CHECK(ReasonOfCheck(CheckShip(Party::kSeller, v1::ORDER_STATUS_CANCELLED, true)) ==
        "ORDER_CANCELLED");
  CHECK(ReasonOfCheck(CheckRefund(Party::kBuyer, v1::ORDER_STATUS_CONFIRMED)) ==
        "NOT_ORDER_SELLER");
  CHECK(ReasonOfCheck(CheckRefund(Party::kSeller, v1::ORDER_STATUS_SHIPPED)) == "OK");
  CHECK(ReasonOfCheck(CheckRefund(Party::kAdmin, v1::ORDER_STATUS_CONFIRMED)) == "OK");
  CHECK(ReasonOfCheck(CheckRefund(Party::kSeller, v1::ORDER_STATUS_PENDING_PAYMENT)) ==
        "ORDER_NOT_PAID");
  CHECK(ReasonOfCheck(CheckRefund(Party::kSeller, v1::ORDER_STATUS_REFUNDED)) ==
        "ORDER_ALREADY_REFUNDED");
  CHECK(ReasonOfCheck(CheckRefund(Party::kSeller, v1::ORDER_STATUS_FAILED)) == "ORDER_FAILED");
}

TEST_CASE("rules: refund amounts", "[lifecycle][rules]") {
  v1::RefundOrderRequest r;
  r.set_refund_key("k");
  CHECK(*RefundAmount(r, 700, "USD") == 700);  // unset: everything left
  r.mutable_amount()->set_currency("USD");
  r.mutable_amount()->set_amount_minor(300);
  CHECK(*RefundAmount(r, 700, "USD") == 300);
  r.mutable_amount()->set_amount_minor(701);
  CHECK(ReasonOf(RefundAmount(r, 700, "USD").status()) == "REFUND_AMOUNT_INVALID");
  r.mutable_amount()->set_amount_minor(100);
  r.mutable_amount()->set_currency("EUR");
  CHECK(FieldOf(RefundAmount(r, 700, "USD").status()) == "amount.currency");
  // The fingerprint ignores the key (a retry) but not the amount or keep_stock.
  v1::RefundOrderRequest a = r;
  a.set_refund_key("other");
  CHECK(RefundFingerprint(a) == RefundFingerprint(r));
  a.set_keep_stock(true);
  CHECK(RefundFingerprint(a) != RefundFingerprint(r));
}

TEST_CASE("rules: request checks name the field", "[lifecycle][rules]") {
  v1::CancelOrderRequest c;
  CHECK(ReasonOf(ValidateCancel(c)) == "CANCEL_REASON_REQUIRED");
  c.set_reason(static_cast<v1::CancelReason>(42));
  CHECK(ReasonOf(ValidateCancel(c)) == "CANCEL_REASON_INVALID");
  c.set_reason(v1::CANCEL_REASON_OTHER);
  c.set_note(std::string(500, 'n'));
  CHECK(ValidateCancel(c).ok());
  c.set_note("bad\x01");
  CHECK(FieldOf(ValidateCancel(c)) == "note");
  c.set_note("\xff");
  CHECK(ReasonOf(ValidateCancel(c)) == "NOTE_INVALID");

  v1::MarkOrderShippedRequest s;
  s.set_carrier("La Poste");
  s.set_tracking_number("6A12345678901");
  CHECK(ValidateShip(s).ok());
  s.set_carrier("Deutsche Post – Warenpost");  // any text
  CHECK(ValidateShip(s).ok());
  s.set_tracking_number("6A1234-5678_901.2/3");
  CHECK(ValidateShip(s).ok());
  s.set_tracking_number("-123");
  CHECK(FieldOf(ValidateShip(s)) == "tracking_number");
  s.set_tracking_number("12 34\t");
  CHECK(ReasonOf(ValidateShip(s)) == "TRACKING_NUMBER_INVALID");

  v1::RefundOrderRequest r;
  CHECK(ReasonOf(ValidateRefund(r)) == "REFUND_KEY_REQUIRED");
  r.set_refund_key(std::string(65, 'k'));
  CHECK(ReasonOf(ValidateRefund(r)) == "REFUND_KEY_INVALID");
  r.set_refund_key("r-1");
  CHECK(ValidateRefund(r).ok());
  r.mutable_amount()->set_amount_minor(-5);
  CHECK(ReasonOf(ValidateRefund(r)) == "REFUND_AMOUNT_INVALID");
}

TEST_CASE("rules: access passes are not product lines", "[lifecycle][rules]") {
  v1::Order o;
  o.add_lines()->set_access_stream_id("str_1");
  CHECK_FALSE(HasProductLines(o));
  o.add_lines()->set_product_id("prd_1");
  CHECK(HasProductLines(o));
}

}  // namespace
}  // namespace shopcast::order::lifecycle
