// Totals(): what the ledger says was taken and given back, per currency, as the fault test
// will compare it with the paid orders.
#include <catch2/catch.hpp>
#include <pqxx/transaction>
#include <string>

#include "payments/test_tokens.h"
#include "payments_fixture.h"
#include "shopcast/db/transaction.h"

namespace payments = shopcast::order::payments;
using payments::testing::Deadline;
using payments::testing::PaymentsFixture;

TEST_CASE("totals sum the captures and refunds of the ledger, per currency, sorted") {
  PaymentsFixture f;
  auto captured = [&](int64_t amount, const std::string& currency) {
    const auto req = PaymentsFixture::Request(payments::kTokenApprove, amount, currency);
    REQUIRE(f.provider().Authorize(req, Deadline()).ok());
    REQUIRE(f.provider().Capture(req.payment_id, Deadline()).ok());
    return req.payment_id;
  };
  const std::string usd1 = captured(1000, "USD");
  captured(2500, "USD");
  const std::string eur1 = captured(700, "EUR");
  REQUIRE(f.provider().Refund(usd1, "rf_1", 400, Deadline()).ok());
  REQUIRE(f.provider().Refund(usd1, "rf_1", 400, Deadline()).ok());  // A repeat: not counted.
  REQUIRE(f.provider().Refund(eur1, "rf_1", 700, Deadline()).ok());

  // What moves no money stays out of the totals.
  const auto authorized_only = PaymentsFixture::Request(payments::kTokenApprove, 9999, "GBP");
  REQUIRE(f.provider().Authorize(authorized_only, Deadline()).ok());
  const auto voided = PaymentsFixture::Request(payments::kTokenApprove, 8888, "USD");
  REQUIRE(f.provider().Authorize(voided, Deadline()).ok());
  REQUIRE(f.provider().Void(voided.payment_id, Deadline()).ok());
  REQUIRE(
      f.provider().Authorize(PaymentsFixture::Request(payments::kTokenDecline), Deadline()).ok());
  REQUIRE(f.provider().Void("pay_tombstone", Deadline()).ok());

  auto totals = f.provider().Totals();
  REQUIRE(totals.ok());
  REQUIRE(totals->size() == 2);
  CHECK((*totals)[0].currency == "EUR");
  CHECK((*totals)[0].captured_minor == 700);
  CHECK((*totals)[0].refunded_minor == 700);
  CHECK((*totals)[0].payments_captured == 1);
  CHECK((*totals)[1].currency == "USD");
  CHECK((*totals)[1].captured_minor == 3500);
  CHECK((*totals)[1].refunded_minor == 400);
  CHECK((*totals)[1].payments_captured == 2);

  // The entries agree with the payments' running amounts.
  const auto sums = f.SumsByCurrency();
  for (const auto& t : *totals) {
    INFO(t.currency);
    REQUIRE(sums.count(t.currency) == 1);
    CHECK(sums.at(t.currency).captured_minor == t.captured_minor);
    CHECK(sums.at(t.currency).refunded_minor == t.refunded_minor);
    CHECK(sums.at(t.currency).payments_captured == t.payments_captured);
  }
}

TEST_CASE("totals of an empty ledger are empty") {
  PaymentsFixture f;
  auto totals = f.provider().Totals();
  REQUIRE(totals.ok());
  CHECK(totals->empty());
}

TEST_CASE("the books refuse edits: entries are append-only, amounts stay in range") {
  PaymentsFixture f;
  const auto req = PaymentsFixture::Request(payments::kTokenApprove, 100);
  REQUIRE(f.provider().Authorize(req, Deadline()).ok());
  REQUIRE(f.provider().Capture(req.payment_id, Deadline()).ok());
  for (const char* sql :
       {"UPDATE provider_ledger_entries SET amount_minor = 0",
        "DELETE FROM provider_ledger_entries", "UPDATE provider_payments SET refunded_minor = 101",
        "UPDATE provider_payments SET captured_minor = 101"}) {
    INFO(sql);
    const absl::Status s =
        shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
          tx.exec0(sql);
          return absl::OkStatus();
        });
    CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  }
  CHECK(f.Entries(req.payment_id) == 2);
  CHECK(f.EntrySum(req.payment_id, "capture") == 100);
}
