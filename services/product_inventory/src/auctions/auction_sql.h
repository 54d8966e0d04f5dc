#pragma once

// The auctions area's SQL (V003__auctions.sql), prepared on every pooled connection.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::auctions::sql {

// The columns every auction read selects, in the order AuctionFromRow expects.
#define SHOPCAST_PI_AUCTION_COLUMNS                                                          \
  "id, product_id, coalesce(stream_id, ''), seller_id, status, settings, "                   \
  "ts_to_us(started_at), ts_to_us(original_ends_at), ts_to_us(ends_at), extension_count, "   \
  "leader_id, leader_max_minor, price_minor, bid_count, outcome, winner_id, winning_minor, " \
  "winner_reservation_id, coalesce(ts_to_us(closed_at), 0), version"

// The product an auction is started for; FOR SHARE so it cannot change under the start.
inline constexpr char kLockProduct[] = R"~(
SELECT seller_id, coalesce(stream_id, ''), status, sale_mode, body
FROM products WHERE id = $1 FOR SHARE)~";

// The lot's title, for its winner's notification.
inline constexpr char kProductTitle[] = "SELECT title FROM products WHERE id = $1";

inline constexpr char kAuctionByStartKey[] =
    "SELECT " SHOPCAST_PI_AUCTION_COLUMNS " FROM auctions WHERE started_by = $1 AND start_key = $2";

inline constexpr char kOpenAuctionOfProduct[] =
    "SELECT id FROM auctions WHERE product_id = $1 AND status = 1";

inline constexpr char kInsertAuction[] = R"~(
INSERT INTO auctions (id, product_id, stream_id, seller_id, status, settings, currency,
                      started_at, original_ends_at, ends_at, version, started_by, start_key)
VALUES ($1, $2, NULLIF($3, ''), $4, 1, $5, $6, us_to_ts($7), us_to_ts($8), us_to_ts($8), 1,
        $9, $10))~";

inline constexpr char kSelectAuction[] =
    "SELECT " SHOPCAST_PI_AUCTION_COLUMNS " FROM auctions WHERE id = $1";

// Every change of an auction holds this lock until its commit: bids, buy-now, closes.
inline constexpr char kLockAuction[] =
    "SELECT " SHOPCAST_PI_AUCTION_COLUMNS " FROM auctions WHERE id = $1 FOR UPDATE";

// The closer's claim: the most overdue open auction nobody else is working on. A replica
// holding the row (a bid, another closer) is skipped, not waited for.
inline constexpr char kClaimDueAuction[] =
    "SELECT " SHOPCAST_PI_AUCTION_COLUMNS
    " FROM auctions WHERE status = 1 AND ends_at <= us_to_ts($1)"
    " ORDER BY ends_at LIMIT 1 FOR UPDATE SKIP LOCKED";

// A stream's open auctions, to close at its end; id order keeps lock order fixed.
inline constexpr char kLockOpenOfStream[] =
    "SELECT " SHOPCAST_PI_AUCTION_COLUMNS
    " FROM auctions WHERE stream_id = $1 AND status = 1 ORDER BY id FOR UPDATE";

inline constexpr char kUpdateAuction[] = R"~(
UPDATE auctions SET status = $2, ends_at = us_to_ts($3), extension_count = $4, leader_id = $5,
  leader_max_minor = $6, price_minor = $7, bid_count = $8, outcome = $9, winner_id = $10,
  winning_minor = $11, winner_reservation_id = $12,
  closed_at = CASE WHEN $13::bigint = 0 THEN NULL ELSE us_to_ts($13) END,
  version = version + 1
WHERE id = $1 RETURNING version)~";

inline constexpr char kListAuctions[] =
    "SELECT " SHOPCAST_PI_AUCTION_COLUMNS
    " FROM auctions WHERE stream_id = $1 AND ($2::smallint = 0 OR status = $2)"
    " AND (ts_to_us(started_at), id) < ($3, $4)"
    " ORDER BY started_at DESC, id DESC LIMIT $5";

inline constexpr char kInsertBid[] = R"~(
INSERT INTO auction_bids (id, auction_id, seq, bidder_id, amount_minor, proxy, extended, placed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, us_to_ts($8)))~";

// Highest first: amounts never go down along seq.
inline constexpr char kListBids[] = R"~(
SELECT id, bidder_id, amount_minor, extended, ts_to_us(placed_at), seq
FROM auction_bids WHERE auction_id = $1 AND seq < $2::bigint ORDER BY seq DESC LIMIT $3)~";

inline constexpr char kSelectRequest[] = R"~(
SELECT auction_id, response FROM auction_requests
WHERE caller_id = $1 AND kind = $2 AND idempotency_key = $3)~";

inline constexpr char kInsertRequest[] = R"~(
INSERT INTO auction_requests (caller_id, kind, idempotency_key, auction_id, response, created_at)
VALUES ($1, $2, $3, $4, $5, us_to_ts($6)))~";

#undef SHOPCAST_PI_AUCTION_COLUMNS

// (name, SQL) of every statement above, for the pool.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::auctions::sql
