#pragma once

// The lottery area's SQL (V008__lotteries.sql, V010's cancellations), prepared on every pooled
// connection.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::lottery::sql {

// The columns every lottery read selects, in the order LotteryFromRow expects.
#define SHOPCAST_PI_LOTTERY_COLUMNS                                                             \
  "id, product_id, coalesce(stream_id, ''), seller_id, status, units, unit_price_minor, "       \
  "currency, ts_to_us(opens_at), ts_to_us(closes_at), winner_hold_seconds, seed, commitment, "  \
  "coalesce(entrant_count, -1), coalesce(entrants_digest, ''::bytea), "                         \
  "coalesce(winner_count, 0), coalesce(ts_to_us(drawn_at), 0), version, ts_to_us(created_at), " \
  "coalesce(ts_to_us(cancelled_at), 0), coalesce(cancel_reason, '')"

// The product a lottery is started for; FOR SHARE so it cannot change under the start.
inline constexpr char kLockProduct[] = R"~(
SELECT seller_id, coalesce(stream_id, ''), status, sale_mode, price_minor, currency
FROM products WHERE id = $1 FOR SHARE)~";

inline constexpr char kByStartKey[] = "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS
                                      " FROM lotteries WHERE started_by = $1 AND start_key = $2";

inline constexpr char kRunningOfProduct[] =
    "SELECT id FROM lotteries WHERE product_id = $1 AND status = 1";

inline constexpr char kInsert[] = R"~(
INSERT INTO lotteries (id, product_id, stream_id, seller_id, status, units, unit_price_minor,
                       currency, opens_at, closes_at, winner_hold_seconds, seed, commitment,
                       version, created_at, started_by, start_key)
VALUES ($1, $2, NULLIF($3, ''), $4, 1, $5, $6, $7, us_to_ts($8), us_to_ts($9), $10, $11, $12, 1,
        us_to_ts($13), $14, $15))~";

inline constexpr char kSelect[] =
    "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS " FROM lotteries WHERE id = $1";

// An entry holds this until its commit; the draw's FOR UPDATE waits for every such entry.
inline constexpr char kShareLock[] =
    "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS " FROM lotteries WHERE id = $1 FOR SHARE";

// The host's DrawLottery.
inline constexpr char kLock[] =
    "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS " FROM lotteries WHERE id = $1 FOR UPDATE";

// The drawer's claim: the most overdue running lottery nobody else is drawing. A replica
// holding the row (a host's draw, another drawer) is skipped, not waited for; entries in
// flight hold it FOR SHARE, so a lottery still taking its last entries is skipped this round.
inline constexpr char kClaimDue[] = "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS
                                    " FROM lotteries WHERE status = 1 AND closes_at <= us_to_ts($1)"
                                    " ORDER BY closes_at LIMIT 1 FOR UPDATE SKIP LOCKED";

inline constexpr char kMarkDrawn[] = R"~(
UPDATE lotteries SET status = 2, entrant_count = $2, entrants_digest = $3, winner_count = $4,
  drawn_at = us_to_ts($5), version = version + 1
WHERE id = $1 RETURNING version)~";

// A cancellation (V010): status 3 and why; the entries are marked by kCancelEntries.
inline constexpr char kMarkCancelled[] = R"~(
UPDATE lotteries SET status = 3, cancelled_at = us_to_ts($2), cancel_reason = $3,
  version = version + 1
WHERE id = $1 RETURNING version)~";

inline constexpr char kCancelEntries[] =
    "UPDATE lottery_entries SET cancelled_at = us_to_ts($2) WHERE lottery_id = $1";

// stream_ended: every running lottery of the stream, locked in id order (two deliveries, or a
// drawer, never deadlock with this); an entry in flight (FOR SHARE) is waited for.
inline constexpr char kLockRunningOfStream[] =
    "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS
    " FROM lotteries WHERE stream_id = $1 AND status = 1 ORDER BY id FOR UPDATE";

// The guard's look: the product's running lottery and the units it set aside.
inline constexpr char kRunningUnitsOfProduct[] =
    "SELECT id, units FROM lotteries WHERE product_id = $1 AND status = 1";

inline constexpr char kList[] = "SELECT " SHOPCAST_PI_LOTTERY_COLUMNS
                                " FROM lotteries WHERE stream_id = $1"
                                " AND (ts_to_us(created_at), id) < ($2, $3)"
                                " ORDER BY created_at DESC, id DESC LIMIT $4";

// Entering once: the first entry wins, a repeat inserts nothing.
inline constexpr char kInsertEntry[] = R"~(
INSERT INTO lottery_entries (lottery_id, user_id, entered_at) VALUES ($1, $2, us_to_ts($3))
ON CONFLICT (lottery_id, user_id) DO NOTHING RETURNING ts_to_us(entered_at))~";

inline constexpr char kSelectEntry[] = R"~(
SELECT ts_to_us(entered_at) FROM lottery_entries WHERE lottery_id = $1 AND user_id = $2)~";

inline constexpr char kCountEntries[] =
    "SELECT count(*) FROM lottery_entries WHERE lottery_id = $1";

// The list the draw shuffles: entry order.
inline constexpr char kEntrants[] =
    "SELECT user_id FROM lottery_entries WHERE lottery_id = $1 ORDER BY seq";

// The product's title, for the winner's notification.
inline constexpr char kProductTitle[] = "SELECT title FROM products WHERE id = $1";
inline constexpr char kMarkWinner[] = R"~(
UPDATE lottery_entries SET winner_rank = $3, reservation_id = $4
WHERE lottery_id = $1 AND user_id = $2)~";

inline constexpr char kWinners[] = R"~(
SELECT user_id, winner_rank, coalesce(reservation_id, '') FROM lottery_entries
WHERE lottery_id = $1 AND winner_rank IS NOT NULL ORDER BY winner_rank)~";

#undef SHOPCAST_PI_LOTTERY_COLUMNS

// (name, SQL) of every statement above, for the pool.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::lottery::sql
