// Several threads repeating one call at once, as a saga and its own retry (or two replicas)
// would: one row, and one ledger entry of each kind, whoever wins.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "payments/reasons.h"
#include "payments/test_tokens.h"
#include "payments_fixture.h"
#include "shopcast/status/status.h"

namespace payments = shopcast::order::payments;
using payments::ProviderPayment;
using payments::ProviderState;
using payments::testing::Deadline;
using payments::testing::PaymentsFixture;
using shopcast::ReasonOf;

namespace {

constexpr int kThreads = 8;

// Runs call(i) on kThreads threads released together; the answers, by thread.
std::vector<absl::StatusOr<ProviderPayment>> AllAtOnce(
    const std::function<absl::StatusOr<ProviderPayment>(int)>& call) {
  std::vector<absl::StatusOr<ProviderPayment>> out(kThreads, absl::UnknownError("not run"));
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      out[i] = call(i);
    });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

}  // namespace

TEST_CASE("concurrent authorizations of one payment make one authorization") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 2500);
  const auto answers = AllAtOnce([&](int) { return f.provider().Authorize(req, Deadline()); });
  for (const auto& a : answers) {
    REQUIRE(a.ok());
    CHECK(a->state == ProviderState::kAuthorized);
    CHECK(a->reference == answers[0]->reference);
  }
  CHECK(f.PaymentRows(req.payment_id) == 1);
  CHECK(f.Entries(req.payment_id) == 1);
  CHECK(f.EntrySum(req.payment_id, "authorize") == 2500);
}

TEST_CASE("concurrent error-after-charge authorizations: one error, one authorization") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenErrorAfterCharge);
  const auto answers = AllAtOnce([&](int) { return f.provider().Authorize(req, Deadline()); });
  int errors = 0;
  for (const auto& a : answers) {
    if (a.ok()) {
      CHECK(a->state == ProviderState::kAuthorized);
    } else {
      CHECK(a.status().code() == absl::StatusCode::kUnavailable);
      ++errors;
    }
  }
  CHECK(errors == 1);  // Only the call that took the authorization "failed".
  CHECK(f.Entries(req.payment_id, "authorize") == 1);
}

TEST_CASE("concurrent captures capture once") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 640);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  const auto answers =
      AllAtOnce([&](int) { return f.provider().Capture(req.payment_id, Deadline()); });
  for (const auto& a : answers) {
    REQUIRE(a.ok());
    CHECK(a->state == ProviderState::kCaptured);
    CHECK(a->captured_minor == 640);
    CHECK(a->captured_at == answers[0]->captured_at);
  }
  CHECK(f.Entries(req.payment_id, "capture") == 1);
  CHECK(f.EntrySum(req.payment_id, "capture") == 640);
}

TEST_CASE("concurrent refunds with one refund id refund once") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 1000);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  REQUIRE(f.provider().Capture(req.payment_id, Deadline()).ok());
  const auto answers = AllAtOnce(
      [&](int) { return f.provider().Refund(req.payment_id, "rf_same", 300, Deadline()); });
  for (const auto& a : answers) {
    REQUIRE(a.ok());
    CHECK(a->refunded_minor == 300);
  }
  CHECK(f.Entries(req.payment_id, "refund") == 1);
}

TEST_CASE("concurrent refunds with their own ids never exceed the capture") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 1000);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  REQUIRE(f.provider().Capture(req.payment_id, Deadline()).ok());
  // Eight refunds of 300 against 1000: exactly three fit.
  const auto answers = AllAtOnce([&](int i) {
    return f.provider().Refund(req.payment_id, absl::StrCat("rf_", i), 300, Deadline());
  });
  int granted = 0;
  for (const auto& a : answers) {
    if (a.ok()) {
      ++granted;
    } else {
      CHECK(ReasonOf(a.status()) == payments::reason::kRefundAmountInvalid);
    }
  }
  CHECK(granted == 3);
  CHECK(f.Entries(req.payment_id, "refund") == 3);
  CHECK(f.EntrySum(req.payment_id, "refund") == 900);
  auto p = f.provider().Lookup(req.payment_id, Deadline());
  REQUIRE(p.ok());
  CHECK(p->state == ProviderState::kCaptured);
  CHECK(p->refunded_minor == 900);
}

TEST_CASE("authorize racing void on a fresh id: it ends voided, and nothing stays reserved") {
  PaymentsFixture f;
  for (int round = 0; round < 20; ++round) {
    const auto req = PaymentsFixture::Request(payments::kTokenApprove, 100);
    absl::StatusOr<ProviderPayment> authorized, voided;
    std::latch start(2);
    std::thread a([&] {
      start.arrive_and_wait();
      authorized = f.provider().Authorize(req, Deadline());
    });
    std::thread b([&] {
      start.arrive_and_wait();
      voided = f.provider().Void(req.payment_id, Deadline());
    });
    a.join();
    b.join();
    REQUIRE(authorized.ok());
    REQUIRE(voided.ok());
    CHECK(voided->state == ProviderState::kVoided);
    // Either the void came first (a tombstone; the authorization found it) or the
    // authorization did and the void released it.
    if (authorized->state == ProviderState::kVoided) {
      CHECK(f.Entries(req.payment_id, "authorize") == 0);
    } else {
      CHECK(authorized->state == ProviderState::kAuthorized);
      CHECK(f.Entries(req.payment_id, "authorize") == 1);
      CHECK(f.EntrySum(req.payment_id, "void") == 100);
    }
    CHECK(f.Entries(req.payment_id, "void") == 1);
    CHECK(f.PaymentRows(req.payment_id) == 1);
  }
}

TEST_CASE("mixed concurrent captures and voids: one of them wins, never both") {
  PaymentsFixture f;
  for (int round = 0; round < 10; ++round) {
    const auto req = PaymentsFixture::Request(payments::kTokenApprove, 100);
    REQUIRE(f.provider().Authorize(req, Deadline()).ok());
    std::atomic<int> captured{0}, voided{0};
    AllAtOnce([&](int i) {
      auto r = i % 2 == 0 ? f.provider().Capture(req.payment_id, Deadline())
                          : f.provider().Void(req.payment_id, Deadline());
      if (r.ok() && r->state == ProviderState::kCaptured) ++captured;
      if (r.ok() && r->state == ProviderState::kVoided) ++voided;
      return r;
    });
    CHECK((captured.load() == 0) != (voided.load() == 0));
    CHECK(f.Entries(req.payment_id, "capture") + f.Entries(req.payment_id, "void") == 1);
  }
}
