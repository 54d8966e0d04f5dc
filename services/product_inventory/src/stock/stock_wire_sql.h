#pragma once

// SQL the service's stock RPCs and room announcements need beside the engine's own
// (stock_sql.h): the product facts a reservation shows and ownership checks use, and the
// buyer's reservations page by page. Read-only; prepared under the names in
// PreparedStatements(), which the app adds to its pool's list.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::stock::wire_sql {

// seller, stream ('' for none), status, sale mode, price and currency of products $1::text[],
// the auc_… of the product's open auction ('' for none; migrations/V003) and its queue mode
// (the queue area's product_queues, V007).
inline constexpr char kProductFacts[] = R"~(
SELECT id, seller_id, coalesce(stream_id, ''), status, sale_mode, price_minor, currency,
       coalesce((SELECT a.id FROM auctions a WHERE a.product_id = products.id AND a.status = 1),
                ''),
       coalesce((SELECT q.enabled FROM product_queues q WHERE q.product_id = products.id), false)
FROM products WHERE id = ANY($1::text[]))~";

// Products of streams not known to have ended (a stream video-ingest has not announced yet
// counts as open), not archived: what a starting process announces once, since the marks of a
// process that died went with it (stock_events.h).
inline constexpr char kOpenStreamProducts[] = R"~(
SELECT p.id FROM products p LEFT JOIN streams s ON s.id = p.stream_id
WHERE p.stream_id IS NOT NULL AND p.status <> 4 AND s.ended_at IS NULL)~";

// The stored body (a serialized v1::Product) of $1, inserted earlier in the same transaction.
inline constexpr char kProductBody[] = "SELECT body FROM products WHERE id = $1";

// The buyer's holds, newest first, after the cursor ($3 micros, $4 id), whose state as of $2
// (an active hold past its expiry counts as 'expired') is one of $5::text[]; $6 rows.
inline constexpr char kBuyerHolds[] = R"~(
SELECT id FROM holds
WHERE buyer_id = $1
  AND (created_at, id) < (to_timestamp($3::bigint / 1000000.0), $4)
  AND (CASE WHEN state = 'active' AND expires_at <= $2::timestamptz THEN 'expired'
            ELSE state END) = ANY($5::text[])
ORDER BY created_at DESC, id DESC
LIMIT $6)~";

// Records why an order released hold $1 ($2, checked by the caller; migrations/V010): once, on
// the release that ended it, so a repeated release keeps the first reason.
inline constexpr char kRecordReleaseReason[] = R"~(
UPDATE holds SET release_reason = $2
WHERE id = $1 AND state = 'released' AND release_reason IS NULL)~";

// The reason an order gave when it released hold $1 ('' for none).
inline constexpr char kReleaseReason[] =
    "SELECT coalesce(release_reason, '') FROM holds WHERE id = $1";

// (name, sql) for db::PoolOptions::prepared.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::stock::wire_sql
