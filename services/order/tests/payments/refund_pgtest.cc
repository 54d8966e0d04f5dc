// Refunds: once per refund id, partial ones add up, never more than was captured.
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

namespace {

// A captured payment of `amount` minor units; its id.
std::string Captured(PaymentsFixture& f, int64_t amount) {
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, amount);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  REQUIRE(f.provider().Capture(req.payment_id, Deadline()).ok());
  return req.payment_id;
}

}  // namespace

TEST_CASE("partial refunds add up, and the last one makes the payment refunded") {
  PaymentsFixture f;
  const std::string id = Captured(f, 1000);
  auto r1 = f.provider().Refund(id, "rf_1", 300, Deadline());
  REQUIRE(r1.ok());
  CHECK(r1->state == ProviderState::kCaptured);
  CHECK(r1->captured_minor == 1000);
  CHECK(r1->refunded_minor == 300);
  CHECK(r1->settled_at != absl::InfinitePast());
  auto r2 = f.provider().Refund(id, "rf_2", 450, Deadline());
  REQUIRE(r2.ok());
  CHECK(r2->state == ProviderState::kCaptured);
  CHECK(r2->refunded_minor == 750);

  auto over = f.provider().Refund(id, "rf_3", 251, Deadline());
  CHECK(over.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(over.status()) == payments::reason::kRefundAmountInvalid);
  CHECK(FieldOf(over.status()) == "amount_minor");

  auto r3 = f.provider().Refund(id, "rf_3", 250, Deadline());
  REQUIRE(r3.ok());
  CHECK(r3->state == ProviderState::kRefunded);
  CHECK(r3->refunded_minor == 1000);
  CHECK(f.Entries(id, "refund") == 3);
  CHECK(f.EntrySum(id, "refund") == 1000);

  // Nothing remains: any new refund is too much, and a capture or void changes nothing.
  auto more = f.provider().Refund(id, "rf_4", 1, Deadline());
  CHECK(ReasonOf(more.status()) == payments::reason::kRefundAmountInvalid);
  auto c = f.provider().Capture(id, Deadline());
  REQUIRE(c.ok());
  CHECK(c->state == ProviderState::kRefunded);
  auto v = f.provider().Void(id, Deadline());
  CHECK(ReasonOf(v.status()) == payments::reason::kPaymentAlreadyCaptured);
}

TEST_CASE("a full refund at once makes the payment refunded") {
  PaymentsFixture f;
  const std::string id = Captured(f, 1999);
  auto r = f.provider().Refund(id, "rf_all", 1999, Deadline());
  REQUIRE(r.ok());
  CHECK(r->state == ProviderState::kRefunded);
  CHECK(r->refunded_minor == 1999);
}

TEST_CASE("a repeated refund id refunds once - with another amount it is refused") {
  PaymentsFixture f;
  const std::string id = Captured(f, 1000);
  REQUIRE(f.provider().Refund(id, "rf_1", 400, Deadline()).ok());
  for (int i = 0; i < 3; ++i) {
    auto again = f.provider().Refund(id, "rf_1", 400, Deadline());
    REQUIRE(again.ok());
    CHECK(again->refunded_minor == 400);
  }
  auto other = f.provider().Refund(id, "rf_1", 500, Deadline());
  CHECK(other.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(other.status()) == payments::reason::kRefundIdReused);
  CHECK(f.Entries(id, "refund") == 1);

  // Refund ids are per payment: another payment may use the same one.
  const std::string id2 = Captured(f, 1000);
  auto r = f.provider().Refund(id2, "rf_1", 400, Deadline());
  REQUIRE(r.ok());
  CHECK(r->refunded_minor == 400);
}

TEST_CASE("a repeat of the refund that emptied the payment still answers its state") {
  PaymentsFixture f;
  const std::string id = Captured(f, 500);
  REQUIRE(f.provider().Refund(id, "rf_1", 500, Deadline()).ok());
  auto again = f.provider().Refund(id, "rf_1", 500, Deadline());
  REQUIRE(again.ok());
  CHECK(again->state == ProviderState::kRefunded);
  CHECK(f.Entries(id, "refund") == 1);
}

TEST_CASE("only a captured payment can be refunded") {
  PaymentsFixture f;
  const auto authorized = PaymentsFixture::Request(payments::kTokenApprove);
  REQUIRE(f.provider().Authorize(authorized, Deadline()).ok());
  auto r = f.provider().Refund(authorized.payment_id, "rf_1", 10, Deadline());
  CHECK(r.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(r.status()) == payments::reason::kPaymentNotCaptured);

  const auto declined = PaymentsFixture::Request(payments::kTokenDecline);
  REQUIRE(f.provider().Authorize(declined, Deadline()).ok());
  r = f.provider().Refund(declined.payment_id, "rf_1", 10, Deadline());
  CHECK(ReasonOf(r.status()) == payments::reason::kPaymentNotCaptured);

  r = f.provider().Refund("pay_unknown", "rf_1", 10, Deadline());
  CHECK(r.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(r.status()) == payments::reason::kPaymentNotFound);
  CHECK(f.Entries(authorized.payment_id, "refund") == 0);
}
