#pragma once

// SQL of the stock engine (migrations/V002__stock.sql holds the tables and the functions these
// call). Prepared on every pooled connection under the names in PreparedStatements(); the app
// adds that list to its pool's.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::stock::sql {

// Times cross as text ($n::timestamptz, written by PgTime) and come back as Unix microseconds.
#define PI_STOCK_US(x) "(extract(epoch FROM " x ") * 1000000)::bigint"

inline constexpr char kInsertStock[] = R"~(
INSERT INTO stock (product_id, total, hold_seconds, per_user_limit, limit_window_seconds,
                   flash_price_minor, flash_currency, flash_stock_cap, flash_per_user_cap,
                   flash_opens_at, flash_closes_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $12::timestamptz)
ON CONFLICT (product_id) DO NOTHING)~";

inline constexpr char kSetRules[] = R"~(
UPDATE stock SET hold_seconds = $2, per_user_limit = $3, limit_window_seconds = $4,
                 flash_price_minor = $5, flash_currency = $6, flash_stock_cap = $7,
                 flash_per_user_cap = $8, flash_opens_at = $9::timestamptz,
                 flash_closes_at = $10::timestamptz, updated_at = $11::timestamptz
WHERE product_id = $1)~";

// Lapses the product's expired holds (locking its stock row) and returns the units lapsed.
inline constexpr char kLapse[] = "SELECT stock_lapse($1, $2::timestamptz)";

// After kLapse in the same transaction: total += delta unless that would go below what is
// held and sold, or above the ceiling. No row = refused (or no such product).
inline constexpr char kAdjustTotal[] = R"~(
UPDATE stock SET total = total + $2, revision = revision + 1, updated_at = $3::timestamptz
WHERE product_id = $1 AND total + $2 >= held + sold AND total + $2 <= 1000000
RETURNING total, held, sold, revision)~";

// Stock as of $2: holds that expired by then are not counted, swept or not. One statement, so
// one snapshot: the counters and the holds it subtracts agree. Then the flash sale (price,
// currency, cap, per-user cap, opens, closes: all NULL without one) and its units taken.
inline constexpr char kSelectStock[] = R"~(
SELECT s.product_id, s.total, s.sold, s.held - coalesce(l.units, 0), s.revision,
       s.flash_price_minor, s.flash_currency, s.flash_stock_cap, s.flash_per_user_cap,
       )~" PI_STOCK_US("s.flash_opens_at") ", " PI_STOCK_US("s.flash_closes_at") R"~(,
       s.flash_taken - coalesce(l.flash_units, 0)
FROM stock s
LEFT JOIN LATERAL (
  SELECT sum(h.quantity) AS units, sum(h.quantity) FILTER (WHERE h.flash) AS flash_units
  FROM holds h
  WHERE h.product_id = s.product_id AND h.state = 'active' AND h.expires_at <= $2::timestamptz
) l ON true
WHERE s.product_id = ANY($1::text[]))~";
// The common case of a batch, without the function's bookkeeping: a product with no per-user
// limit and no flash sale whose available units cover the whole batch ($3, the sum of the
// quantities), and no request whose (buyer, idempotency key) was used before or repeats within
// the batch. Then every request is granted, exactly as stock_reserve_batch would in order, and
// one UPDATE and one INSERT do it: no per-request idempotency probe, no PL/pgSQL loop, no row
// per answer. No row back = not that case (a limit, a sale, too few units counted): run
// kReserveBatch. A repeated key fails the INSERT on holds_idempotency, which undoes the
// statement: run kReserveBatch, which answers it. Expired holds are not lapsed here: they
// still count as held, so they can only make the batch look too big (then kReserveBatch
// lapses them); the stock answered subtracts them, as every read does. stock_never_oversold
// still has the last word.
inline constexpr char kReserveAllFit[] = R"~(
WITH s AS (
  UPDATE stock SET held = held + $3, revision = revision + 1, updated_at = $2::timestamptz
  WHERE product_id = $1 AND per_user_limit = 0 AND flash_opens_at IS NULL
    AND total - sold - held >= $3
  RETURNING total, held, sold, revision, hold_seconds),
ins AS (
  INSERT INTO holds (id, product_id, buyer_id, quantity, idempotency_key, created_at, expires_at)
  SELECT u.id, $1, u.buyer, u.qty, u.key, $2::timestamptz,
         $2::timestamptz + make_interval(secs => s.hold_seconds)
  FROM s, unnest($4::text[], $5::text[], $6::integer[], $7::text[]) AS u(id, buyer, qty, key))
SELECT s.total, s.held - coalesce((SELECT sum(h.quantity) FROM holds h
                                   WHERE h.product_id = $1 AND h.state = 'active'
                                     AND h.expires_at <= $2::timestamptz), 0),
       s.sold, s.revision, s.hold_seconds
FROM s)~";
inline constexpr char kReserveBatch[] = R"~(
SELECT r_idx, r_outcome, r_hold_id, r_quantity, r_state, r_flash, r_unit_price_minor,
       )~" PI_STOCK_US("r_created_at") ", " PI_STOCK_US("r_expires_at") R"~(, r_remaining,
       r_total, r_held, r_sold, r_revision
FROM stock_reserve_batch($1, $2::timestamptz, $3::text[], $4::text[], $5::integer[], $6::text[]))~";

// One granted hold (migrations/V006); see tx::GrantHold.
inline constexpr char kGrantHold[] = R"~(
SELECT r_outcome, r_hold_id, r_quantity, r_state, r_unit_price_minor,
       )~" PI_STOCK_US("r_created_at") ", " PI_STOCK_US("r_expires_at") R"~(, r_remaining,
       r_total, r_held, r_sold, r_revision
FROM stock_grant_hold($1, $2, $3, $4::integer, $5::bigint, $6::timestamptz, $7::smallint, $8,
                      $9, $10::boolean, $11::timestamptz))~";

// $2 the buyer (NULL for an order), $3 the order (NULL for the buyer).
inline constexpr char kRelease[] =
    "SELECT r_outcome, r_state FROM stock_release($1, $2, $3, $4::timestamptz)";
// $2 order, $3 lock end.
inline constexpr char kLockCheckout[] =
    "SELECT r_outcome, coalesce(r_order, '') FROM stock_lock_checkout($1, $2, $3::timestamptz, "
    "$4::timestamptz)";
inline constexpr char kCommit[] =
    "SELECT r_outcome, r_state FROM stock_commit($1, $2, $3::timestamptz)";
inline constexpr char kReturn[] =
    "SELECT r_outcome, r_state FROM stock_return($1, $2, $3::timestamptz)";

inline constexpr char kSelectHold[] = R"~(
SELECT id, product_id, buyer_id, quantity, state, flash, unit_price_minor,
       )~" PI_STOCK_US("created_at") ", " PI_STOCK_US("expires_at") ", " PI_STOCK_US(
    "settled_at") R"~(, coalesce(order_id, ''), coalesce(checkout_order_id, ''),
       )~" PI_STOCK_US("lock_expires_at") R"~(, source, coalesce(source_ref, '')
FROM holds WHERE id = $1)~";

// Products with holds that expired by $1 but are still 'active', longest overdue first: a
// skip scan through holds_active_by_product, one probe per product with active holds (whose
// first entry is its earliest expiry).
inline constexpr char kDueProducts[] = R"~(
WITH RECURSIVE p AS (
  (SELECT product_id, expires_at FROM holds WHERE state = 'active'
   ORDER BY product_id, expires_at LIMIT 1)
  UNION ALL
  SELECT n.product_id, n.expires_at FROM p, LATERAL (
    SELECT product_id, expires_at FROM holds WHERE state = 'active' AND product_id > p.product_id
    ORDER BY product_id, expires_at LIMIT 1) n
)
SELECT product_id FROM p WHERE expires_at <= $1::timestamptz ORDER BY expires_at LIMIT $2)~";

// After kLapse (the stock row is locked): the flash sale's opens_at and closes_at, NULL
// without one.
inline constexpr char kFlashWindow[] = R"~(
SELECT )~" PI_STOCK_US("flash_opens_at") ", " PI_STOCK_US("flash_closes_at") R"~(
FROM stock WHERE product_id = $1)~";
// A sale that ended leaves its holds behind: they keep their deal price but stop counting
// toward the next sale's cap and per-user cap.
inline constexpr char kDetachFlashHolds[] = R"~(
UPDATE holds SET flash = false
WHERE product_id = $1 AND flash AND state IN ('active', 'committed'))~";
// Sets ($2..$7) or, with all NULL, clears the flash sale; its count starts again.
inline constexpr char kSetFlashSale[] = R"~(
UPDATE stock SET flash_price_minor = $2, flash_currency = $3, flash_stock_cap = $4,
                 flash_per_user_cap = $5, flash_opens_at = $6::timestamptz,
                 flash_closes_at = $7::timestamptz, flash_taken = 0, revision = revision + 1,
                 updated_at = $8::timestamptz
WHERE product_id = $1)~";
// The hold duration and the purchase limit, leaving the flash sale alone.
inline constexpr char kSetHoldAndLimit[] = R"~(
UPDATE stock SET hold_seconds = $2, per_user_limit = $3, limit_window_seconds = $4,
                 updated_at = $5::timestamptz
WHERE product_id = $1)~";
// AdjustStock's ledger: records a change (no row back when ($1, $2) was used already).
inline constexpr char kInsertAdjustment[] = R"~(
INSERT INTO stock_adjustments (actor_id, idempotency_key, product_id, delta, note, total_after,
                               revision_after, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)
ON CONFLICT (actor_id, idempotency_key) DO NOTHING
RETURNING 1)~";
inline constexpr char kSelectAdjustment[] = R"~(
SELECT product_id, delta FROM stock_adjustments WHERE actor_id = $1 AND idempotency_key = $2)~";

#undef PI_STOCK_US

// (name, sql) for db::PoolOptions::prepared.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::stock::sql
