#include "checkout/order_sql.h"

#include "absl/strings/str_cat.h"

namespace shopcast::order::checkout::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  // The list queries share their filters: $2 stream ('' = any), $3 statuses ('{}' = any),
  // [$4, $5) on created_at, and the keyset position ($6 created_at, $7 id) of the last row
  // of the previous page.
  const std::string list_filters =
      " AND ($2 = '' OR stream_id = $2)"
      " AND (cardinality($3::smallint[]) = 0 OR status = ANY($3::smallint[]))"
      " AND created_at >= $4::timestamptz AND created_at < $5::timestamptz"
      " AND (created_at, id) < ($6::timestamptz, $7)"
      " ORDER BY created_at DESC, id DESC LIMIT $8";
  return {
      {kFindKey,
       "SELECT order_id, fingerprint FROM idempotency_keys "
       "WHERE buyer_id = $1 AND key = $2 AND expires_at > $3::timestamptz"},
      // An expired key is taken over by the new order; a live one is left alone (no row).
      {kInsertKey,
       "INSERT INTO idempotency_keys (buyer_id, key, fingerprint, order_id, created_at, "
       "expires_at) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz) "
       "ON CONFLICT (buyer_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
       "order_id = EXCLUDED.order_id, created_at = EXCLUDED.created_at, "
       "expires_at = EXCLUDED.expires_at WHERE idempotency_keys.expires_at <= $5::timestamptz "
       "RETURNING order_id"},
      {kInsertOrder,
       "INSERT INTO orders (id, buyer_id, seller_id, stream_id, status, step, currency, "
       "subtotal_minor, shipping_minor, total_minor, shipping_address, buyer_display_name, "
       "payment_id, payment_method_token, payment_provider, created_at, updated_at, "
       "lease_owner, lease_until, resume_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
       "$10, $11::jsonb, $12, $13, $14, $15, $16::timestamptz, $16::timestamptz, $17, "
       "$18::timestamptz, $16::timestamptz)"},
      {kInsertLine,
       "INSERT INTO order_lines (order_id, line_no, product_id, reservation_id, "
       "access_stream_id, auction_id, stream_id, title, image_url, quantity, unit_price_minor, "
       "line_total_minor, reserved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
       "$12, $13::timestamptz)"},
      {kGetOrder, absl::StrCat("SELECT ", kOrderColumns, " FROM orders WHERE id = $1")},
      {kGetLines, absl::StrCat("SELECT ", kLineColumns,
                               " FROM order_lines WHERE order_id = ANY($1::text[]) "
                               "ORDER BY order_id, line_no")},
      {kByPayment, "SELECT id FROM orders WHERE payment_id = $1"},
      // Free, lapsed or already ours: a saga run (or a retry resuming one) takes it.
      {kClaim,
       "UPDATE orders SET lease_owner = $2, lease_until = $3::timestamptz "
       "WHERE id = $1 AND step <> 'done' AND (lease_until IS NULL OR lease_until <= "
       "$4::timestamptz OR lease_owner = $2) RETURNING id"},
      {kUnlease,
       "UPDATE orders SET lease_until = NULL, resume_after = $3::timestamptz "
       "WHERE id = $1 AND lease_owner = $2"},
      // Everything a step may change, under the runner's lease and only from the step it read.
      {kSave,
       "UPDATE orders SET status = $4, step = $5, failure_reason = $6, payment_status = $7, "
       "provider_reference = $8, decline_code = $9, "
       "authorized_at = NULLIF($10, '')::timestamptz, captured_at = NULLIF($11, '')::timestamptz, "
       "payment_settled_at = NULLIF($12, '')::timestamptz, "
       "pending_since = NULLIF($13, '')::timestamptz, updated_at = $14::timestamptz, "
       "confirmed_at = NULLIF($15, '')::timestamptz, failed_at = NULLIF($16, '')::timestamptz, "
       "lease_until = $17::timestamptz, resume_after = $14::timestamptz "
       "WHERE id = $1 AND step = $2 AND lease_owner = $3 RETURNING id"},
      // Unfinished sagas nobody runs: a lapsed lease (its process died) or none, and due.
      {kClaimDue,
       "UPDATE orders SET lease_owner = $1, lease_until = $2::timestamptz WHERE id IN ("
       " SELECT id FROM orders WHERE step <> 'done' AND resume_after <= $3::timestamptz"
       " AND (lease_until IS NULL OR lease_until <= $3::timestamptz)"
       " ORDER BY resume_after LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id"},
      {kDeleteExpiredKeys, "DELETE FROM idempotency_keys WHERE expires_at <= $1::timestamptz"},
      {kBumpStreamSales,
       "INSERT INTO stream_product_sales (stream_id, product_id, units_sold) VALUES ($1, $2, $3) "
       "ON CONFLICT (stream_id, product_id) DO UPDATE SET units_sold = "
       "stream_product_sales.units_sold + EXCLUDED.units_sold RETURNING units_sold"},
      {kStreamTotal,
       "SELECT COALESCE(sum(units_sold), 0)::bigint FROM stream_product_sales "
       "WHERE stream_id = $1"},
      {kListAsBuyer,
       absl::StrCat("SELECT ", kOrderColumns, " FROM orders WHERE buyer_id = $1", list_filters)},
      {kListAsSeller,
       absl::StrCat("SELECT ", kOrderColumns, " FROM orders WHERE seller_id = $1", list_filters)},
      // Access passes: the stream on the order row, where orders_one_live_pass can see it.
      {kSetAccessStream, "UPDATE orders SET access_stream_id = $2 WHERE id = $1"},
      {kFindLivePass,
       "SELECT id, status FROM orders WHERE buyer_id = $1 AND access_stream_id = $2 "
       "AND status IN (1, 2) ORDER BY created_at DESC LIMIT 1"},
  };
}

}  // namespace shopcast::order::checkout::sql
