#pragma once

// SQL of the simulated provider (tables in migrations/V002__payment_ledger.sql). Prepared on
// every pooled connection under the names in PreparedStatements(); the App adds that list to
// its pool's (SimulatedProvider::PreparedStatements()).

#include <string>
#include <utility>
#include <vector>

namespace shopcast::order::payments::sql {

// Prepared-statement names.
inline constexpr char kSelectPaymentName[] = "order_pay_select";
inline constexpr char kLockPaymentName[] = "order_pay_lock";
inline constexpr char kInsertPaymentName[] = "order_pay_insert";
inline constexpr char kInsertTombstoneName[] = "order_pay_insert_tombstone";
inline constexpr char kSetAuthorizedName[] = "order_pay_set_authorized";
inline constexpr char kSetDeclinedName[] = "order_pay_set_declined";
inline constexpr char kSetCapturedName[] = "order_pay_set_captured";
inline constexpr char kSetVoidedName[] = "order_pay_set_voided";
inline constexpr char kAddRefundName[] = "order_pay_add_refund";
inline constexpr char kInsertEntryName[] = "order_pay_insert_entry";
inline constexpr char kSelectRefundName[] = "order_pay_select_refund";
inline constexpr char kTotalsName[] = "order_pay_totals";

// Times cross as text ($n::timestamptz) and come back as Unix microseconds (NULL stays NULL).
#define ORDER_PAY_US(x) "(extract(epoch FROM " x ") * 1000000)::bigint"

// The columns every statement returns about a payment, in the order ReadPayment expects.
#define ORDER_PAY_COLUMNS                                                                   \
  "state, reference, tombstone, order_id, buyer_id, method_token, amount_minor, currency, " \
  "captured_minor, refunded_minor, decline_code, " ORDER_PAY_US(                            \
      "authorized_at") ", " ORDER_PAY_US("captured_at") ", " ORDER_PAY_US("settled_at")

inline constexpr char kSelectPayment[] =
    "SELECT " ORDER_PAY_COLUMNS " FROM provider_payments WHERE payment_id = $1";
// Every change to a payment starts here: the row lock serialises Capture, Void, Refund and
// Settle of one payment, so each sees the others' outcome.
inline constexpr char kLockPayment[] =
    "SELECT " ORDER_PAY_COLUMNS " FROM provider_payments WHERE payment_id = $1 FOR UPDATE";

// A new payment, or no row when the id exists (a repeat, a concurrent twin, a tombstone): the
// unique index makes a concurrent twin wait for this one's commit and then find its row.
// $6 state, $9 decline code, $11 authorized_at (NULL unless authorized).
inline constexpr char kInsertPayment[] = R"~(
INSERT INTO provider_payments (payment_id, reference, order_id, buyer_id, method_token, state,
                               amount_minor, currency, decline_code, created_at, authorized_at,
                               updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $10::timestamptz)
ON CONFLICT (payment_id) DO NOTHING
RETURNING )~" ORDER_PAY_COLUMNS;

// A void for an id never authorized; no row when it appeared meanwhile.
inline constexpr char kInsertTombstone[] = R"~(
INSERT INTO provider_payments (payment_id, reference, tombstone, order_id, buyer_id,
                               method_token, state, amount_minor, currency, created_at,
                               settled_at, updated_at)
VALUES ($1, $2, true, '', '', '', 'voided', 0, '', $3::timestamptz, $3::timestamptz,
        $3::timestamptz)
ON CONFLICT (payment_id) DO NOTHING
RETURNING )~" ORDER_PAY_COLUMNS;

// The transitions, each after kLockPayment in the same transaction; $2 is now.
inline constexpr char kSetAuthorized[] = R"~(
UPDATE provider_payments SET state = 'authorized', authorized_at = $2::timestamptz,
                             updated_at = $2::timestamptz
WHERE payment_id = $1
RETURNING )~" ORDER_PAY_COLUMNS;
// $3 the decline code.
inline constexpr char kSetDeclined[] = R"~(
UPDATE provider_payments SET state = 'declined', decline_code = $3, updated_at = $2::timestamptz
WHERE payment_id = $1
RETURNING )~" ORDER_PAY_COLUMNS;
inline constexpr char kSetCaptured[] = R"~(
UPDATE provider_payments SET state = 'captured', captured_minor = amount_minor,
                             captured_at = $2::timestamptz, updated_at = $2::timestamptz
WHERE payment_id = $1
RETURNING )~" ORDER_PAY_COLUMNS;
inline constexpr char kSetVoided[] = R"~(
UPDATE provider_payments SET state = 'voided', settled_at = $2::timestamptz,
                             updated_at = $2::timestamptz
WHERE payment_id = $1
RETURNING )~" ORDER_PAY_COLUMNS;
// $3 the amount given back; the CHECKs refuse more than was captured.
inline constexpr char kAddRefund[] = R"~(
UPDATE provider_payments
SET refunded_minor = refunded_minor + $3,
    state = CASE WHEN refunded_minor + $3 = captured_minor THEN 'refunded' ELSE 'captured' END,
    settled_at = $2::timestamptz, updated_at = $2::timestamptz
WHERE payment_id = $1
RETURNING )~" ORDER_PAY_COLUMNS;

// $5 the refund id (NULL unless kind = 'refund').
inline constexpr char kInsertEntry[] = R"~(
INSERT INTO provider_ledger_entries (payment_id, kind, amount_minor, currency, refund_id, at)
VALUES ($1, $2, $3, $4, $5, $6::timestamptz))~";

inline constexpr char kSelectRefund[] = R"~(
SELECT amount_minor FROM provider_ledger_entries
WHERE payment_id = $1 AND kind = 'refund' AND refund_id = $2)~";

// Per currency: captured, refunded, number of captures; from the entries, not the payments.
inline constexpr char kTotals[] = R"~(
SELECT currency,
       coalesce(sum(amount_minor) FILTER (WHERE kind = 'capture'), 0)::bigint,
       coalesce(sum(amount_minor) FILTER (WHERE kind = 'refund'), 0)::bigint,
       count(*) FILTER (WHERE kind = 'capture')
FROM provider_ledger_entries
WHERE kind IN ('capture', 'refund')
GROUP BY currency
ORDER BY currency)~";

#undef ORDER_PAY_COLUMNS
#undef ORDER_PAY_US

// (name, sql) for db::PoolOptions::prepared.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::order::payments::sql
