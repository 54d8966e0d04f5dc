#include "lifecycle/lifecycle_sql.h"

namespace shopcast::order::lifecycle::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      // The row lock every decision and every recorded step takes first: decisions on one
      // order, and the steps of its runner, happen one after the other.
      {kLockOrder,
       "SELECT step, lifecycle_step, return_stock, stock_returned_at IS NOT NULL, "
       "lifecycle_lease_owner FROM orders WHERE id = $1 FOR UPDATE"},
      {kRefundsAsked,
       "SELECT COALESCE(sum(amount_minor), 0)::bigint FROM order_refunds WHERE order_id = $1"},
      {kFindRefund,
       "SELECT fingerprint FROM order_refunds WHERE order_id = $1 AND refund_key = $2"},
      {kInsertRefund,
       "INSERT INTO order_refunds (order_id, refund_key, refund_id, fingerprint, amount_minor, "
       "currency, full_refund, keep_stock, requested_by, note, created_at) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz)"},
      // What a decision changes. The lifecycle lease goes to $14 unless another live runner
      // has it (that one finds the new work on its next step).
      {kApplyDecision,
       "UPDATE orders SET status = $2, cancel_reason = $3, cancel_note = $4, cancelled_by = $5, "
       "carrier = $6, tracking_number = $7, shipped_at = NULLIF($8, '')::timestamptz, "
       "cancelled_at = NULLIF($9, '')::timestamptz, updated_at = $10::timestamptz, "
       "lifecycle_step = $11, return_stock = $12, lifecycle_resume_after = $10::timestamptz, "
       "lifecycle_lease_owner = CASE WHEN $11 = '' OR lifecycle_lease_until IS NULL OR "
       "  lifecycle_lease_until <= $10::timestamptz OR lifecycle_lease_owner = $13 "
       "  THEN $13 ELSE lifecycle_lease_owner END, "
       "lifecycle_lease_until = CASE WHEN $11 = '' THEN NULL "
       "  WHEN lifecycle_lease_until IS NULL OR lifecycle_lease_until <= $10::timestamptz OR "
       "  lifecycle_lease_owner = $13 THEN $14::timestamptz ELSE lifecycle_lease_until END "
       "WHERE id = $1 RETURNING lifecycle_lease_owner = $13 AND lifecycle_lease_until IS NOT NULL"},
      // An unpaid order cancelled: its saga ends here (a runner still inside a step finds its
      // record refused, LEASE_LOST, and stops before its next call).
      {kTakeOverSaga, "UPDATE orders SET step = 'done' WHERE id = $1"},
      // Units going back to stock are not sold: the stream's counters lose them.
      {kReturnSales,
       "UPDATE stream_product_sales SET units_sold = GREATEST(units_sold - $3, 0) "
       "WHERE stream_id = $1 AND product_id = $2"},
      {kPendingRefund,
       "SELECT refund_id, amount_minor FROM order_refunds WHERE order_id = $1 AND "
       "refunded_at IS NULL ORDER BY created_at, refund_id LIMIT 1"},
      // The provider's answer on the order's payment.
      {kRecordPayment,
       "UPDATE orders SET payment_status = $2, "
       "payment_settled_at = COALESCE(NULLIF($3, '')::timestamptz, payment_settled_at), "
       "updated_at = $4::timestamptz WHERE id = $1"},
      // A refund the provider confirmed: once per refund row.
      {kMarkRefunded,
       "WITH r AS (UPDATE order_refunds SET refunded_at = $3::timestamptz WHERE order_id = $1 "
       " AND refund_id = $2 AND refunded_at IS NULL RETURNING amount_minor) "
       "UPDATE orders SET refunded_minor = refunded_minor + r.amount_minor, "
       "refunded_at = $3::timestamptz FROM r WHERE orders.id = $1"},
      {kRecordStockReturned,
       "UPDATE orders SET stock_returned_at = $2::timestamptz, updated_at = $2::timestamptz "
       "WHERE id = $1"},
      {kSetReturnStock, "UPDATE orders SET return_stock = true WHERE id = $1"},
      // The next step, with the runner's lease renewed.
      {kSetStep,
       "UPDATE orders SET lifecycle_step = $2, lifecycle_lease_until = $3::timestamptz, "
       "lifecycle_resume_after = $4::timestamptz WHERE id = $1"},
      // Free, lapsed or already ours: a runner takes the order's lifecycle work.
      {kClaim,
       "UPDATE orders SET lifecycle_lease_owner = $2, lifecycle_lease_until = $3::timestamptz "
       "WHERE id = $1 AND lifecycle_step <> '' AND (lifecycle_lease_until IS NULL OR "
       "lifecycle_lease_until <= $4::timestamptz OR lifecycle_lease_owner = $2) RETURNING id"},
      {kUnlease,
       "UPDATE orders SET lifecycle_lease_until = NULL, "
       "lifecycle_resume_after = $3::timestamptz WHERE id = $1 AND lifecycle_lease_owner = $2"},
      // Unfinished work nobody runs (a dead runner's lapsed lease, or none) that is due.
      {kClaimDue,
       "UPDATE orders SET lifecycle_lease_owner = $1, lifecycle_lease_until = $2::timestamptz "
       "WHERE id IN (SELECT id FROM orders WHERE lifecycle_step <> '' AND "
       " lifecycle_resume_after <= $3::timestamptz AND (lifecycle_lease_until IS NULL OR "
       " lifecycle_lease_until <= $3::timestamptz) ORDER BY lifecycle_resume_after LIMIT $4 "
       " FOR UPDATE SKIP LOCKED) RETURNING id"},
      {kCountUnfinished, "SELECT count(*) FROM orders WHERE lifecycle_step <> ''"},
  };
}

}  // namespace shopcast::order::lifecycle::sql
