// CompletePlaceholderPayment's side: settling a pending payment, repeats, conflicts, and the
// race with a void.
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "payments/reasons.h"
#include "payments/test_tokens.h"
#include "payments_fixture.h"
#include "shopcast/status/status.h"

namespace payments = shopcast::order::payments;
using payments::ProviderState;
using payments::testing::Deadline;
using payments::testing::PaymentsFixture;
using shopcast::ReasonOf;

namespace {

std::string Pending(PaymentsFixture& f, int64_t amount = 1500) {
  const auto req = PaymentsFixture::Request(payments::kTokenPending, amount);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  return req.payment_id;
}

}  // namespace

TEST_CASE("settle approve authorizes a pending payment - a repeat answers the same") {
  PaymentsFixture f;
  const std::string id = Pending(f);
  auto s = f.provider().Settle(id, true, "");
  REQUIRE(s.ok());
  CHECK(s->state == ProviderState::kAuthorized);
  CHECK(s->authorized_at != absl::InfinitePast());
  auto again = f.provider().Settle(id, true, "");
  REQUIRE(again.ok());
  CHECK(again->state == ProviderState::kAuthorized);
  CHECK(again->authorized_at == s->authorized_at);
  CHECK(f.Entries(id, "authorize") == 1);
  CHECK(f.EntrySum(id, "authorize") == 1500);

  // The saga goes on as after any authorization; approving again still agrees.
  REQUIRE(f.provider().Capture(id, Deadline()).ok());
  auto after = f.provider().Settle(id, true, "");
  REQUIRE(after.ok());
  CHECK(after->state == ProviderState::kCaptured);

  auto conflict = f.provider().Settle(id, false, "");
  CHECK(conflict.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(conflict.status()) == payments::reason::kPaymentAlreadySettled);
}

TEST_CASE("settle decline declines with card_declined by default, or the code given") {
  PaymentsFixture f;
  const std::string id = Pending(f);
  auto s = f.provider().Settle(id, false, "");
  REQUIRE(s.ok());
  CHECK(s->state == ProviderState::kDeclined);
  CHECK(s->decline_code == "card_declined");
  auto again = f.provider().Settle(id, false, "card_declined");
  REQUIRE(again.ok());
  CHECK(again->state == ProviderState::kDeclined);
  CHECK(f.Entries(id, "decline") == 1);

  auto approve = f.provider().Settle(id, true, "");
  CHECK(ReasonOf(approve.status()) == payments::reason::kPaymentAlreadySettled);
  auto other_code = f.provider().Settle(id, false, "insufficient_funds");
  CHECK(ReasonOf(other_code.status()) == payments::reason::kPaymentAlreadySettled);

  const std::string id2 = Pending(f);
  auto funds = f.provider().Settle(id2, false, "insufficient_funds");
  REQUIRE(funds.ok());
  CHECK(funds->decline_code == "insufficient_funds");
  CHECK(f.Entries(id2) == 1);
}

TEST_CASE("settle of an unknown payment is NOT_FOUND - of a voided one ALREADY_SETTLED") {
  PaymentsFixture f;
  auto s = f.provider().Settle("pay_unknown", true, "");
  CHECK(s.status().code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(s.status()) == payments::reason::kPaymentNotFound);

  const std::string id = Pending(f);
  REQUIRE(f.provider().Void(id, Deadline()).ok());
  for (const bool approve : {true, false}) {
    s = f.provider().Settle(id, approve, "");
    CHECK(s.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(ReasonOf(s.status()) == payments::reason::kPaymentAlreadySettled);
  }
  // A tombstone counts as voided.
  REQUIRE(f.provider().Void("pay_tomb", Deadline()).ok());
  s = f.provider().Settle("pay_tomb", true, "");
  CHECK(ReasonOf(s.status()) == payments::reason::kPaymentAlreadySettled);
  CHECK(f.Entries(id, "authorize") == 0);
}

TEST_CASE("settle approve racing a void: the payment ends voided and nothing stays reserved") {
  PaymentsFixture f;
  int settled_first = 0, voided_first = 0;
  for (int round = 0; round < 20; ++round) {
    const std::string id = Pending(f);
    absl::StatusOr<payments::ProviderPayment> settle, voided;
    std::thread a([&] { settle = f.provider().Settle(id, true, ""); });
    std::thread b([&] { voided = f.provider().Void(id, Deadline()); });
    a.join();
    b.join();
    REQUIRE(voided.ok());
    CHECK(voided->state == ProviderState::kVoided);
    if (settle.ok()) {
      // The approval came first and the void released it.
      ++settled_first;
      CHECK(settle->state == ProviderState::kAuthorized);
      CHECK(f.Entries(id, "authorize") == 1);
      CHECK(f.EntrySum(id, "void") == 1500);
    } else {
      ++voided_first;
      CHECK(ReasonOf(settle.status()) == payments::reason::kPaymentAlreadySettled);
      CHECK(f.Entries(id, "authorize") == 0);
      CHECK(f.EntrySum(id, "void") == 0);
    }
    CHECK(f.Entries(id, "void") == 1);
    auto p = f.provider().Lookup(id, Deadline());
    REQUIRE(p.ok());
    CHECK(p->state == ProviderState::kVoided);
    CHECK(f.provider().Capture(id, Deadline()).status().code() ==
          absl::StatusCode::kFailedPrecondition);
  }
  CHECK(settled_first + voided_first == 20);
}
