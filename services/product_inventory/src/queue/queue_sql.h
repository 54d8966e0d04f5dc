#pragma once

// SQL of the queue area (migrations/V007), prepared under the names in PreparedStatements(),
// which the App adds to its pool's list. Times travel as timestamptz text in and Unix
// microseconds out. Lock order: the product_queues row, then the stock row, then holds and
// tickets (V007's header).

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::queue::sql {

#define SHOPCAST_PI_MICROS(x) "coalesce((extract(epoch FROM " x ") * 1000000)::bigint, 0)"

// What queue rules need of product $1: seller, stream ('' for none), status, sale mode, price,
// currency, whether its stream ended, and its title (for the offer's notification).
inline constexpr char kProduct[] = R"~(
SELECT p.seller_id, coalesce(p.stream_id, ''), p.status, p.sale_mode, p.price_minor,
       p.currency, coalesce(st.ended_at IS NOT NULL, false), p.title
FROM products p LEFT JOIN streams st ON st.id = p.stream_id
WHERE p.id = $1)~";
// The same, with the product's row locked (ConfigureQueue: before the queue row, so a
// concurrent UpdateProduct's card and the switch's card come in commit order).
inline constexpr char kLockProduct[] = R"~(
SELECT p.seller_id, coalesce(p.stream_id, ''), p.status, p.sale_mode, p.price_minor,
       p.currency, coalesce(st.ended_at IS NOT NULL, false), p.title
FROM products p LEFT JOIN streams st ON st.id = p.stream_id
WHERE p.id = $1 FOR UPDATE OF p)~";

// Creates or retunes the queue of $1 (locking its row): enabled $2, claim seconds $3, max
// length $4, at $5. Returns waiting.
inline constexpr char kUpsertQueue[] = R"~(
INSERT INTO product_queues AS q (product_id, enabled, claim_seconds, max_length, created_at,
                                 updated_at)
VALUES ($1, $2, $3, $4, $5::timestamptz, $5::timestamptz)
ON CONFLICT (product_id) DO UPDATE
SET enabled = EXCLUDED.enabled, claim_seconds = EXCLUDED.claim_seconds,
    max_length = EXCLUDED.max_length, updated_at = EXCLUDED.updated_at
RETURNING q.waiting)~";

// The queue of $1, locked (waits for Enqueues and the advancer).
inline constexpr char kLockQueue[] = R"~(
SELECT enabled, claim_seconds, max_length, next_sequence, waiting
FROM product_queues WHERE product_id = $1 FOR UPDATE)~";

// The queue of $1 unlocked (reads).
inline constexpr char kReadQueue[] = R"~(
SELECT enabled, claim_seconds, max_length, next_sequence, waiting
FROM product_queues WHERE product_id = $1)~";

// Records that the room of $1 was told length $2.
inline constexpr char kAnnounced[] =
    "UPDATE product_queues SET announced_waiting = $2 WHERE product_id = $1";

// The queue of $1 locked, with the length last announced: enabled, waiting, announced.
inline constexpr char kLockAnnounced[] = R"~(
SELECT enabled, waiting, announced_waiting FROM product_queues WHERE product_id = $1
FOR UPDATE)~";

// Cancels every WAITING ticket of $1 at $2 with reason $3; returns how many.
inline constexpr char kCancelWaiting[] = R"~(
WITH c AS (
  UPDATE queue_tickets SET status = 'cancelled', settled_at = $2::timestamptz, cancel_reason = $3
  WHERE product_id = $1 AND status = 'waiting' RETURNING 1)
SELECT count(*) FROM c)~";

// Adds $2 to the waiting count of $1 (negative to remove), at $3; returns the new count.
inline constexpr char kAddWaiting[] = R"~(
UPDATE product_queues SET waiting = waiting + $2, updated_at = $3::timestamptz
WHERE product_id = $1 RETURNING waiting)~";

// Takes the next sequence of $1's line for a new WAITING ticket (the queue row is locked).
inline constexpr char kTakeSequence[] = R"~(
UPDATE product_queues
SET next_sequence = next_sequence + 1, waiting = waiting + 1, updated_at = $2::timestamptz
WHERE product_id = $1 RETURNING next_sequence - 1, waiting)~";

#define SHOPCAST_PI_TICKET_COLUMNS \
  "t.id, t.product_id, t.user_id, t.sequence, t.quantity, t.status, coalesce(t.hold_id, ''), " \
  "coalesce(t.offered_quantity, 0), " SHOPCAST_PI_MICROS("t.enqueued_at") ", "                \
  SHOPCAST_PI_MICROS("t.offered_at") ", " SHOPCAST_PI_MICROS("t.offered_until") ", "          \
  SHOPCAST_PI_MICROS("t.settled_at") ", coalesce(t.cancel_reason, '')"

inline constexpr char kInsertTicket[] = R"~(
INSERT INTO queue_tickets (id, product_id, user_id, sequence, quantity, status, enqueued_at)
VALUES ($1, $2, $3, $4, $5, 'waiting', $6::timestamptz))~";

// The live (WAITING or OFFERED) ticket of user $2 for $1.
inline constexpr char kLiveTicket[] =
    "SELECT " SHOPCAST_PI_TICKET_COLUMNS
    " FROM queue_tickets t WHERE t.product_id = $1 AND t.user_id = $2"
    " AND t.status IN ('waiting', 'offered')";

inline constexpr char kTicket[] =
    "SELECT " SHOPCAST_PI_TICKET_COLUMNS " FROM queue_tickets t WHERE t.id = $1";

// The first $2 WAITING tickets of $1, in line.
inline constexpr char kNextWaiting[] =
    "SELECT " SHOPCAST_PI_TICKET_COLUMNS
    " FROM queue_tickets t WHERE t.product_id = $1 AND t.status = 'waiting'"
    " ORDER BY t.sequence LIMIT $2";

// 1-based place of sequence $2 in $1's line.
inline constexpr char kPosition[] = R"~(
SELECT count(*) FROM queue_tickets
WHERE product_id = $1 AND status = 'waiting' AND sequence <= $2)~";

// Offers of $1 made after $2: how many, and the first one's time.
inline constexpr char kRecentOffers[] = R"~(
SELECT count(*), coalesce((extract(epoch FROM min(offered_at)) * 1000000)::bigint, 0)
FROM queue_tickets WHERE product_id = $1 AND offered_at > $2::timestamptz)~";

// Ticket $1 to status $2 at $3 (cancel reason $4, NULL for none).
inline constexpr char kSettleTicket[] = R"~(
UPDATE queue_tickets SET status = $2, settled_at = $3::timestamptz, cancel_reason = $4
WHERE id = $1)~";

inline constexpr char kMarkOffered[] = R"~(
UPDATE queue_tickets
SET status = 'offered', hold_id = $2, offered_quantity = $3, offered_at = $4::timestamptz,
    offered_until = $5::timestamptz
WHERE id = $1)~";

// The stock row of $1 after stock_lapse (which locked it): total, held, sold, the per-user
// limit, its window (0 = ever) and the hold duration in seconds.
inline constexpr char kStock[] = R"~(
SELECT total, held, sold, per_user_limit, coalesce(limit_window_seconds, 0), hold_seconds
FROM stock WHERE product_id = $1)~";

// Lapses $1's expired holds at $2 (locking its stock row first).
inline constexpr char kLapse[] = "SELECT stock_lapse($1, $2::timestamptz)";

// Units of $1 buyer $2 holds (unexpired at $3) or bought, within the last $4 seconds (0 = ever).
inline constexpr char kBuyerUsed[] = R"~(
SELECT coalesce(sum(quantity), 0) FROM holds
WHERE product_id = $1 AND buyer_id = $2
  AND (state = 'committed' OR (state = 'active' AND expires_at > $3::timestamptz))
  AND ($4::integer = 0 OR created_at > $3::timestamptz - make_interval(secs => $4::integer)))~";

// Hold $1, locked: state, expiry, quantity, unit price (-1 = the catalogue's), creation.
inline constexpr char kLockHold[] = "SELECT state, " SHOPCAST_PI_MICROS(
    "expires_at") ", quantity, coalesce(unit_price_minor, -1), " SHOPCAST_PI_MICROS("created_at")
                                                                 " FROM holds WHERE id = $1 FOR UPDATE";

// A claimed offer's hold becomes ordinary: it now expires at $2.
inline constexpr char kExtendHold[] = R"~(
UPDATE holds SET expires_at = $2::timestamptz WHERE id = $1 AND state = 'active')~";

// Gives hold $1 of buyer $2 back at $3 (stock_release of V009: the buyer's, no order).
inline constexpr char kReleaseHold[] =
    "SELECT r_outcome FROM stock_release($1, $2, NULL, $3::timestamptz)";

// Settles $1's OFFERED tickets whose hold is gone at $2: committed by an order → claimed;
// expired, released or past the claim window → lapsed. Returns their ids and new status.
inline constexpr char kSettleOffers[] = R"~(
UPDATE queue_tickets t
SET status = CASE WHEN h.state IN ('committed', 'returned') THEN 'claimed' ELSE 'lapsed' END,
    settled_at = $2::timestamptz
FROM holds h
WHERE t.product_id = $1 AND t.status = 'offered' AND h.id = t.hold_id
  AND (h.state <> 'active' OR h.expires_at <= $2::timestamptz
       OR t.offered_until <= $2::timestamptz)
RETURNING t.id, t.status)~";

// Claims (locks, skipping those another replica holds) the queue most overdue for work at $1,
// excluding $2::text[]: an offer to settle (claim window passed, hold gone), or waiting tickets
// and either something to cancel them for (queue off, product archived, stream ended, every
// unit sold) or units to offer (listed, available counting expired holds as free).
inline constexpr char kClaimDue[] = R"~(
SELECT q.product_id
FROM product_queues q
JOIN products p ON p.id = q.product_id
LEFT JOIN streams st ON st.id = p.stream_id
LEFT JOIN stock s ON s.product_id = q.product_id
WHERE q.product_id <> ALL($2::text[]) AND (
  EXISTS (SELECT 1 FROM queue_tickets t LEFT JOIN holds h ON h.id = t.hold_id
          WHERE t.product_id = q.product_id AND t.status = 'offered'
            AND (t.offered_until <= $1::timestamptz OR h.id IS NULL OR h.state <> 'active'
                 OR h.expires_at <= $1::timestamptz))
  OR (q.waiting > 0 AND (
        NOT q.enabled OR p.status = 4 OR st.ended_at IS NOT NULL OR s.product_id IS NULL
        OR s.total <= s.sold
        OR (p.status = 2 AND s.total - s.sold - s.held
            + (SELECT coalesce(sum(h.quantity), 0) FROM holds h
               WHERE h.product_id = q.product_id AND h.state = 'active'
                 AND h.expires_at <= $1::timestamptz) > 0))))
ORDER BY q.updated_at
LIMIT 1
FOR UPDATE OF q SKIP LOCKED)~";

// The earliest claim deadline of any offer (0 = none): the advancer's next wake-up.
inline constexpr char kNextDeadline[] = "SELECT " SHOPCAST_PI_MICROS(
    "min(offered_until)") " FROM queue_tickets WHERE status = 'offered'";

#undef SHOPCAST_PI_TICKET_COLUMNS
#undef SHOPCAST_PI_MICROS

// (name, sql) for db::PoolOptions::prepared.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::queue::sql
