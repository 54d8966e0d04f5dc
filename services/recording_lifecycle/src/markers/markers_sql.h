#pragma once

// The markers area's SQL (markers table, V002/V003), as named constants.

#include "recordings/sql_time.h"

namespace shopcast::recording_lifecycle::markers::sql {

// Serializes everything that touches one stream's recording, segments and markers (events from
// video-ingest, order and product-inventory arrive concurrently): held to the end of the
// transaction. $1 stream id.
inline constexpr char kLockStream[] =
    "SELECT pg_advisory_xact_lock(hashtextextended('recording_lifecycle:' || $1, 0))";

// $1 id, $2 event id, $3 stream, $4 kind, $5 occurred_at (us), $6 order, $7 product,
// $8 product title, $9 auction, $10 result, $11 quantity, $12 amount, $13 currency, $14 host.
// Linked to the stream's recording if there is one. Nothing if the event made one already.
inline constexpr char kInsertMarker[] =
    "INSERT INTO markers (id, event_id, stream_id, recording_id, kind, occurred_at, order_id, "
    "product_id, product_title, auction_id, result, quantity, amount_minor, currency, host_id, "
    "created_at) SELECT $1, $2, $3, r.id, $4, " SHOPCAST_RL_TS("$5") ", $6, $7, $8, $9, $10, $11, "
    "$12, $13, COALESCE(NULLIF(r.host_id, ''), $14), now() "
    "FROM (SELECT NULL) one LEFT JOIN recordings r ON r.stream_id = $3 "
    "ON CONFLICT (event_id) DO NOTHING RETURNING recording_id";

// $1 order, $2 product ('' = every line). The number of moments marked.
inline constexpr char kCancelSale[] =
    "UPDATE markers SET cancelled = true WHERE order_id = $1 AND order_id <> '' "
    "AND kind IN ('sale', 'auction_sale') AND ($2 = '' OR product_id = $2) AND NOT cancelled";

// The stream's markers that arrived before its recording: $1 recording, $2 stream, $3 host.
inline constexpr char kLinkMarkers[] =
    "UPDATE markers SET recording_id = $1, host_id = CASE WHEN host_id = '' THEN $3 ELSE host_id "
    "END WHERE stream_id = $2 AND recording_id IS NULL AND media_offset_us IS NULL";

// The recording's host became known: $1 recording, $2 host.
inline constexpr char kFillMarkerHost[] =
    "UPDATE markers SET host_id = $2 WHERE recording_id = $1 AND host_id = ''";

// Markers whose placement may change now that segment $2 is indexed (or the stream ended:
// $2 = max bigint): not placed yet, clamped, or in a segment at or after it.
inline constexpr char kPlacementCandidates[] =
    "SELECT id, " SHOPCAST_RL_US("occurred_at") ", media_offset_us, segment_sequence, clamped "
    "FROM markers WHERE recording_id = $1 "
    "AND (media_offset_us IS NULL OR clamped OR segment_sequence >= $2)";

// The recording's segments, as the timeline needs them.
inline constexpr char kTimelineSegments[] =
    "SELECT sequence, " SHOPCAST_RL_US("program_date_time") ", duration_us FROM segments "
    "WHERE recording_id = $1";

// The recording's expected segment count (NULL while live).
inline constexpr char kExpectedSegments[] =
    "SELECT expected_segment_count FROM recordings WHERE id = $1";

// $1 id, $2 offset, $3 sequence, $4 clamped.
inline constexpr char kPlaceMarker[] =
    "UPDATE markers SET media_offset_us = $2, segment_sequence = $3, clamped = $4 WHERE id = $1";

// Markers still not placed $1 seconds after they arrived: their stream never got a recording,
// or the segments that would cover them never came. The count, and the oldest few.
inline constexpr char kOrphanCount[] =
    "SELECT count(*) FROM markers WHERE media_offset_us IS NULL "
    "AND created_at < now() - $1::bigint * interval '1 second'";
inline constexpr char kOrphanSample[] =
    "SELECT id, stream_id, COALESCE(recording_id, ''), kind, event_id FROM markers "
    "WHERE media_offset_us IS NULL AND created_at < now() - $1::bigint * interval '1 second' "
    "ORDER BY created_at LIMIT 20";

}  // namespace shopcast::recording_lifecycle::markers::sql
