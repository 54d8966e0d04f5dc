// Repeating a call answers the state already there and moves no money twice; a void before the
// authorization wins over it; bad input is refused before it reaches the books.
#include <catch2/catch.hpp>
#include <string>

#include "payments/reasons.h"
#include "payments/test_tokens.h"
#include "payments_fixture.h"
#include "shopcast/status/status.h"

namespace payments = shopcast::order::payments;
using payments::ProviderState;
using payments::testing::Deadline;
using payments::testing::PaymentsFixture;
using shopcast::FieldOf;
using shopcast::ReasonOf;

TEST_CASE("a repeated authorization answers the first one") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove);
  auto first = f.provider().Authorize(req, Deadline());
  REQUIRE(first.ok());
  for (int i = 0; i < 3; ++i) {
    auto again = f.provider().Authorize(req, Deadline());
    REQUIRE(again.ok());
    CHECK(again->state == ProviderState::kAuthorized);
    CHECK(again->reference == first->reference);
    CHECK(again->authorized_at == first->authorized_at);
  }
  CHECK(f.PaymentRows(req.payment_id) == 1);
  CHECK(f.Entries(req.payment_id) == 1);
}

TEST_CASE("a payment id reused for another authorization is refused") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  auto amount = req;
  amount.amount_minor += 1;
  auto currency = req;
  currency.currency = "USD";
  auto order = req;
  order.order_id = "ord_other";
  auto buyer = req;
  buyer.buyer_id = "usr_other";
  auto token = req;
  token.method_token = payments::kTokenPending;
  for (const auto& other : {amount, currency, order, buyer, token}) {
    auto p = f.provider().Authorize(other, Deadline());
    CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(p.status()) == payments::reason::kPaymentIdReused);
  }
  CHECK(f.Entries(req.payment_id) == 1);
}

TEST_CASE("capture twice captures once - capture then authorize again answers captured") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 700);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  auto c1 = f.provider().Capture(req.payment_id, Deadline());
  auto c2 = f.provider().Capture(req.payment_id, Deadline());
  REQUIRE(c1.ok());
  REQUIRE(c2.ok());
  CHECK(c2->state == ProviderState::kCaptured);
  CHECK(c2->captured_at == c1->captured_at);
  CHECK(f.Entries(req.payment_id, "capture") == 1);
  auto again = f.provider().Authorize(req, Deadline());
  REQUIRE(again.ok());
  CHECK(again->state == ProviderState::kCaptured);
  CHECK(f.Entries(req.payment_id, "authorize") == 1);
}

TEST_CASE("capture of a payment the provider never saw is FAILED_PRECONDITION") {
  PaymentsFixture f;
  auto c = f.provider().Capture("pay_unknown", Deadline());
  CHECK(c.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(c.status()) == payments::reason::kPaymentNotFound);
  CHECK(f.PaymentRows("pay_unknown") == 0);
}

TEST_CASE("void releases an authorization once - capture and void after it are refused") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 300);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  auto v1 = f.provider().Void(req.payment_id, Deadline());
  REQUIRE(v1.ok());
  CHECK(v1->state == ProviderState::kVoided);
  CHECK(v1->settled_at != absl::InfinitePast());
  auto v2 = f.provider().Void(req.payment_id, Deadline());
  REQUIRE(v2.ok());
  CHECK(v2->state == ProviderState::kVoided);
  CHECK(v2->settled_at == v1->settled_at);
  CHECK(f.Entries(req.payment_id, "void") == 1);
  CHECK(f.EntrySum(req.payment_id, "void") == 300);

  auto c = f.provider().Capture(req.payment_id, Deadline());
  CHECK(c.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(c.status()) == payments::reason::kPaymentNotAuthorized);
  auto again = f.provider().Authorize(req, Deadline());
  REQUIRE(again.ok());
  CHECK(again->state == ProviderState::kVoided);
  CHECK(f.Entries(req.payment_id, "authorize") == 1);
}

TEST_CASE("void after capture is FAILED_PRECONDITION and leaves the capture alone") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  REQUIRE(f.provider().Capture(req.payment_id, Deadline()).ok());
  auto v = f.provider().Void(req.payment_id, Deadline());
  CHECK(v.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(v.status()) == payments::reason::kPaymentAlreadyCaptured);
  auto p = f.provider().Lookup(req.payment_id, Deadline());
  REQUIRE(p.ok());
  CHECK(p->state == ProviderState::kCaptured);
  CHECK(f.Entries(req.payment_id, "void") == 0);
}

TEST_CASE("void of an unknown payment leaves a tombstone: a later authorization takes nothing") {
  PaymentsFixture f;
  // The saga's order after a timed-out Authorize: void the id, whatever the provider knows.
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 5000);
  auto v = f.provider().Void(req.payment_id, Deadline());
  REQUIRE(v.ok());
  CHECK(v->state == ProviderState::kVoided);
  CHECK(v->amount_minor == 0);
  auto lookup = f.provider().Lookup(req.payment_id, Deadline());
  REQUIRE(lookup.ok());
  CHECK(lookup->state == ProviderState::kVoided);

  // The late authorization (the request that timed out, arriving after all).
  auto late = f.provider().Authorize(req, Deadline());
  REQUIRE(late.ok());
  CHECK(late->state == ProviderState::kVoided);
  CHECK(late->amount_minor == 0);
  auto c = f.provider().Capture(req.payment_id, Deadline());
  CHECK(c.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(f.Entries(req.payment_id, "authorize") == 0);
  CHECK(f.Entries(req.payment_id, "void") == 1);
  CHECK(f.EntrySum(req.payment_id, "void") == 0);
  auto v2 = f.provider().Void(req.payment_id, Deadline());
  REQUIRE(v2.ok());
  CHECK(f.Entries(req.payment_id) == 1);
}

TEST_CASE("a pending payment can be voided, once") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenPending, 800);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  auto v = f.provider().Void(req.payment_id, Deadline());
  REQUIRE(v.ok());
  CHECK(v->state == ProviderState::kVoided);
  REQUIRE(f.provider().Void(req.payment_id, Deadline()).ok());
  CHECK(f.Entries(req.payment_id, "void") == 1);
  CHECK(f.EntrySum(req.payment_id, "void") == 0);  // Nothing had been reserved.
}

TEST_CASE("lookup of an unknown payment is kNone, not an error") {
  PaymentsFixture f;
  auto p = f.provider().Lookup("pay_never", Deadline());
  REQUIRE(p.ok());
  CHECK(p->state == ProviderState::kNone);
  CHECK(p->reference.empty());
}

TEST_CASE("every call checks its ids and amounts before touching the books") {
  PaymentsFixture f;
  const std::string too_long(65, 'p');
  auto check = [](const absl::Status& s, const char* reason, const char* field) {
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == reason);
    CHECK(FieldOf(s) == field);
  };
  auto req = PaymentsFixture::Request(payments::kTokenApprove);
  req.payment_id = "";
  check(f.provider().Authorize(req, Deadline()).status(), payments::reason::kPaymentIdInvalid,
        "payment_id");
  req = PaymentsFixture::Request(payments::kTokenApprove, 0);
  check(f.provider().Authorize(req, Deadline()).status(), payments::reason::kAmountInvalid,
        "amount_minor");
  req = PaymentsFixture::Request(payments::kTokenApprove, 10, "eur");
  check(f.provider().Authorize(req, Deadline()).status(), payments::reason::kCurrencyInvalid,
        "currency");
  check(f.provider().Capture(too_long, Deadline()).status(), payments::reason::kPaymentIdInvalid,
        "payment_id");
  check(f.provider().Void("", Deadline()).status(), payments::reason::kPaymentIdInvalid,
        "payment_id");
  check(f.provider().Lookup("", Deadline()).status(), payments::reason::kPaymentIdInvalid,
        "payment_id");
  check(f.provider().Refund("pay_x", "", 10, Deadline()).status(),
        payments::reason::kRefundIdInvalid, "refund_id");
  check(f.provider().Refund("pay_x", "rf_1", -5, Deadline()).status(),
        payments::reason::kAmountInvalid, "amount_minor");
  check(f.provider().Settle("pay_x", false, "Not A Code").status(),
        payments::reason::kDeclineCodeInvalid, "decline_code");
  CHECK(f.provider().Totals()->empty());
}
