// What each test token makes the simulated provider do, and what it writes in its ledger.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "absl/strings/match.h"
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

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("pm_test_approve authorizes the amount, and capture takes it") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 4200, "USD");
  const absl::Time before = absl::Now() - absl::Seconds(1);
  auto p = f.provider().Authorize(req, Deadline());
  REQUIRE(p.ok());
  CHECK(p->state == ProviderState::kAuthorized);
  CHECK(absl::StartsWith(p->reference, "sim_"));
  CHECK(p->amount_minor == 4200);
  CHECK(p->currency == "USD");
  CHECK(p->captured_minor == 0);
  CHECK(p->decline_code.empty());
  CHECK(p->authorized_at > before);
  CHECK(p->captured_at == absl::InfinitePast());
  CHECK(f.Entries(req.payment_id) == 1);
  CHECK(f.EntrySum(req.payment_id, "authorize") == 4200);

  auto c = f.provider().Capture(req.payment_id, Deadline());
  REQUIRE(c.ok());
  CHECK(c->state == ProviderState::kCaptured);
  CHECK(c->captured_minor == 4200);
  CHECK(c->reference == p->reference);
  CHECK(c->captured_at >= p->authorized_at);
  CHECK(f.EntrySum(req.payment_id, "capture") == 4200);
  CHECK(f.provider().name() == "placeholder");
}

TEST_CASE("the decline tokens decline with their code, take nothing and cannot be captured") {
  PaymentsFixture f;
  struct Case {
    const char* token;
    const char* code;
  };
  for (const Case& c : {Case{payments::kTokenDecline, "card_declined"},
                        Case{payments::kTokenCardDeclined, "card_declined"},
                        Case{payments::kTokenInsufficientFunds, "insufficient_funds"}}) {
    INFO(c.token);
    const auto req = PaymentsFixture::Request(c.token);
    auto p = f.provider().Authorize(req, Deadline());
    REQUIRE(p.ok());  // A decline is an answer, not an error.
    CHECK(p->state == ProviderState::kDeclined);
    CHECK(p->decline_code == c.code);
    CHECK(p->authorized_at == absl::InfinitePast());
    CHECK(f.Entries(req.payment_id) == 1);
    CHECK(f.Entries(req.payment_id, "decline") == 1);

    auto again = f.provider().Authorize(req, Deadline());
    REQUIRE(again.ok());
    CHECK(again->state == ProviderState::kDeclined);
    CHECK(again->reference == p->reference);

    auto capture = f.provider().Capture(req.payment_id, Deadline());
    CHECK(capture.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(ReasonOf(capture.status()) == payments::reason::kPaymentNotAuthorized);
    // Voiding a decline is harmless: nothing is held.
    auto v = f.provider().Void(req.payment_id, Deadline());
    REQUIRE(v.ok());
    CHECK(v->state == ProviderState::kDeclined);
    CHECK(f.Entries(req.payment_id) == 1);
  }
}

TEST_CASE("an unknown token is refused before anything is recorded") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request("pm_test_bogus");
  auto p = f.provider().Authorize(req, Deadline());
  CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(p.status()) == payments::reason::kPaymentMethodInvalid);
  CHECK(f.PaymentRows(req.payment_id) == 0);
}

TEST_CASE("pm_test_timeout answers DEADLINE_EXCEEDED at the deadline given and records nothing") {
  payments::SimulatedProviderOptions options;
  options.timeout_wait = absl::Seconds(60);  // The deadline is the nearer bound here.
  PaymentsFixture f(options);
  const auto req = PaymentsFixture::Request(payments::kTokenTimeout);
  for (int attempt = 0; attempt < 2; ++attempt) {  // Every time, not just the first.
    const auto start = std::chrono::steady_clock::now();
    auto p = f.provider().Authorize(req, absl::Now() + absl::Milliseconds(300));
    const double took = SecondsSince(start);
    CHECK(p.status().code() == absl::StatusCode::kDeadlineExceeded);
    CHECK(ReasonOf(p.status()) == payments::reason::kProviderTimeout);
    CHECK(took >= 0.25);  // It did wait (for no less than the deadline gave, with slack)...
    CHECK(took < 20);     // ...and gave up at the deadline, not at timeout_wait.
  }
  CHECK(f.PaymentRows(req.payment_id) == 0);
  auto lookup = f.provider().Lookup(req.payment_id, Deadline());
  REQUIRE(lookup.ok());
  CHECK(lookup->state == ProviderState::kNone);
}

TEST_CASE("pm_test_timeout waits no longer than timeout_wait, and not at all past the deadline") {
  payments::SimulatedProviderOptions options;
  options.timeout_wait = absl::Milliseconds(100);
  PaymentsFixture f(options);
  const auto req = PaymentsFixture::Request(payments::kTokenTimeout);

  auto start = std::chrono::steady_clock::now();
  auto p = f.provider().Authorize(req, absl::Now() + absl::Hours(1));
  CHECK(p.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(SecondsSince(start) < 20);

  start = std::chrono::steady_clock::now();
  p = f.provider().Authorize(req, absl::Now() - absl::Seconds(1));
  CHECK(p.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(SecondsSince(start) < 20);
  CHECK(f.PaymentRows(req.payment_id) == 0);
}

TEST_CASE("pm_test_timeout waits on real time even when the injected clock stands still") {
  payments::SimulatedProviderOptions options;
  const absl::Time frozen =
      absl::FromCivil(absl::CivilSecond(2026, 12, 3, 12, 0, 0), absl::UTCTimeZone());
  options.clock = [frozen] { return frozen; };
  options.timeout_wait = absl::Milliseconds(200);
  PaymentsFixture f(options);
  const auto start = std::chrono::steady_clock::now();
  auto p = f.provider().Authorize(PaymentsFixture::Request(payments::kTokenTimeout),
                                  frozen + absl::Seconds(30));
  CHECK(p.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(SecondsSince(start) < 20);

  // And the stamps come from that clock.
  const auto req = PaymentsFixture::Request(payments::kTokenApprove);
  auto a = f.provider().Authorize(req, frozen + absl::Seconds(30));
  REQUIRE(a.ok());
  CHECK(a->authorized_at == frozen);
}

TEST_CASE("pm_test_error_after_charge authorizes, answers UNAVAILABLE, and the retry finds it") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenErrorAfterCharge, 999);
  auto first = f.provider().Authorize(req, Deadline());
  CHECK(first.status().code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(first.status()) == payments::reason::kProviderError);
  // The money is reserved although the caller heard an error.
  auto lookup = f.provider().Lookup(req.payment_id, Deadline());
  REQUIRE(lookup.ok());
  CHECK(lookup->state == ProviderState::kAuthorized);

  for (int retry = 0; retry < 3; ++retry) {
    auto again = f.provider().Authorize(req, Deadline());
    REQUIRE(again.ok());
    CHECK(again->state == ProviderState::kAuthorized);
    CHECK(again->reference == lookup->reference);
  }
  CHECK(f.Entries(req.payment_id, "authorize") == 1);
  CHECK(f.EntrySum(req.payment_id, "authorize") == 999);
  auto c = f.provider().Capture(req.payment_id, Deadline());
  REQUIRE(c.ok());
  CHECK(c->state == ProviderState::kCaptured);
}

TEST_CASE("pm_test_pending stays pending, cannot be captured, and records nothing yet") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenPending);
  auto p = f.provider().Authorize(req, Deadline());
  REQUIRE(p.ok());
  CHECK(p->state == ProviderState::kPending);
  auto again = f.provider().Authorize(req, Deadline());
  REQUIRE(again.ok());
  CHECK(again->state == ProviderState::kPending);
  CHECK(again->reference == p->reference);
  auto c = f.provider().Capture(req.payment_id, Deadline());
  CHECK(c.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(c.status()) == payments::reason::kPaymentNotAuthorized);
  CHECK(f.PaymentRows(req.payment_id) == 1);
  CHECK(f.Entries(req.payment_id) == 0);
}
