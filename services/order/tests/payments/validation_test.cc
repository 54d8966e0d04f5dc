// The checks every provider runs first and the simulated provider's test tokens: no database.
#include "payments/validation.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "payments/provider.h"
#include "payments/reasons.h"
#include "payments/test_tokens.h"
#include "shopcast/status/status.h"

namespace payments = shopcast::order::payments;
using shopcast::FieldOf;
using shopcast::ReasonOf;

namespace {

payments::AuthorizeRequest Valid() {
  payments::AuthorizeRequest r;
  r.payment_id = "pay_01";
  r.order_id = "ord_01";
  r.buyer_id = "usr_01";
  r.amount_minor = 1250;
  r.currency = "EUR";
  r.method_token = payments::kTokenApprove;
  return r;
}

}  // namespace

TEST_CASE("every documented test token has its behaviour") {
  using B = payments::TokenBehaviour;
  struct Case {
    const char* token;
    B behaviour;
    const char* decline_code;
  };
  for (const Case& c : {Case{"pm_test_approve", B::kApprove, ""},
                        Case{"pm_test_decline", B::kDecline, "card_declined"},
                        Case{"pm_test_card_declined", B::kDecline, "card_declined"},
                        Case{"pm_test_insufficient_funds", B::kDecline, "insufficient_funds"},
                        Case{"pm_test_timeout", B::kTimeout, ""},
                        Case{"pm_test_error_after_charge", B::kErrorAfterCharge, ""},
                        Case{"pm_test_pending", B::kPending, ""}}) {
    INFO(c.token);
    auto t = payments::ParseTestToken(c.token);
    REQUIRE(t.ok());
    CHECK(t->behaviour == c.behaviour);
    CHECK(t->decline_code == c.decline_code);
  }
}

TEST_CASE("an unknown token is PAYMENT_METHOD_INVALID") {
  for (const std::string& token : std::vector<std::string>{
           "", "pm_test_APPROVE", "pm_test_approve ", "tok_visa", std::string(65, 'x')}) {
    auto t = payments::ParseTestToken(token);
    REQUIRE(t.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(t.status()) == payments::reason::kPaymentMethodInvalid);
    CHECK(FieldOf(t.status()) == "method_token");
  }
}

TEST_CASE("a well-formed authorization passes") {
  CHECK(payments::ValidateAuthorizeRequest(Valid()).ok());
  auto r = Valid();
  r.payment_id = std::string(payments::kMaxIdBytes, 'p');
  r.amount_minor = payments::kMaxAmountMinor;
  CHECK(payments::ValidateAuthorizeRequest(r).ok());
}

TEST_CASE("ids must be 1..64 printable bytes without spaces") {
  struct Case {
    void (*set)(payments::AuthorizeRequest&, std::string);
    const char* field;
    const char* reason;
  };
  const Case cases[] = {
      {[](payments::AuthorizeRequest& r, std::string v) { r.payment_id = std::move(v); },
       "payment_id", payments::reason::kPaymentIdInvalid},
      {[](payments::AuthorizeRequest& r, std::string v) { r.order_id = std::move(v); }, "order_id",
       payments::reason::kOrderIdInvalid},
      {[](payments::AuthorizeRequest& r, std::string v) { r.buyer_id = std::move(v); }, "buyer_id",
       payments::reason::kBuyerIdInvalid},
  };
  for (const Case& c : cases) {
    for (const std::string& bad :
         std::vector<std::string>{"", std::string(65, 'a'), "a b", "a\nb", "caf\xc3\xa9"}) {
      INFO(c.field << " = '" << bad << "'");
      auto r = Valid();
      c.set(r, bad);
      const absl::Status s = payments::ValidateAuthorizeRequest(r);
      REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
      CHECK(ReasonOf(s) == c.reason);
      CHECK(FieldOf(s) == c.field);
    }
  }
}

TEST_CASE("amounts must be positive and bounded") {
  for (const int64_t bad : {int64_t{0}, int64_t{-1}, payments::kMaxAmountMinor + 1}) {
    auto r = Valid();
    r.amount_minor = bad;
    const absl::Status s = payments::ValidateAuthorizeRequest(r);
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == payments::reason::kAmountInvalid);
    CHECK(FieldOf(s) == "amount_minor");
  }
  CHECK(payments::ValidateAmount(1, "amount_minor").ok());
}

TEST_CASE("a currency is three upper-case letters") {
  for (const std::string bad : {"", "EU", "EURO", "eur", "E1R", "EU "}) {
    INFO(bad);
    auto r = Valid();
    r.currency = bad;
    const absl::Status s = payments::ValidateAuthorizeRequest(r);
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == payments::reason::kCurrencyInvalid);
    CHECK(FieldOf(s) == "currency");
  }
  CHECK(payments::ValidateCurrency("JPY").ok());
}

TEST_CASE("a decline code is lower-case snake case") {
  CHECK(payments::ValidateDeclineCode("do_not_honor").ok());
  CHECK(payments::ValidateDeclineCode("r01").ok());
  for (const std::string& bad :
       std::vector<std::string>{"", "Card_Declined", "card declined", std::string(65, 'a')}) {
    const absl::Status s = payments::ValidateDeclineCode(bad);
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == payments::reason::kDeclineCodeInvalid);
  }
}

TEST_CASE("provider states have stable names") {
  using S = payments::ProviderState;
  CHECK(std::string(payments::ProviderStateName(S::kNone)) == "none");
  CHECK(std::string(payments::ProviderStateName(S::kPending)) == "pending");
  CHECK(std::string(payments::ProviderStateName(S::kAuthorized)) == "authorized");
  CHECK(std::string(payments::ProviderStateName(S::kDeclined)) == "declined");
  CHECK(std::string(payments::ProviderStateName(S::kCaptured)) == "captured");
  CHECK(std::string(payments::ProviderStateName(S::kVoided)) == "voided");
  CHECK(std::string(payments::ProviderStateName(S::kRefunded)) == "refunded");
}
