#pragma once

// Every SQL statement of the stream store, prepared once per pooled connection. Times travel as
// microseconds since the epoch (us_to_ts / ts_to_us, see V001); enums as their proto numbers.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::video_ingest::streams::sql {

// The columns every stream read returns, in the order ParseStream expects.
#define SHOPCAST_STREAM_COLUMNS                                                        \
  "s.id, s.host_id, s.title, s.description, array_to_string(s.tags, ','), s.status, "  \
  "s.error_reason, s.end_reason, s.recording_choice, ts_to_us(s.scheduled_start_at), " \
  "ts_to_us(s.created_at), ts_to_us(s.updated_at), ts_to_us(s.went_live_at), "         \
  "ts_to_us(s.ended_at), ts_to_us(s.reconnect_deadline), s.key_hint, "                 \
  "ts_to_us(s.key_issued_at), s.version, s.active_session_id, s.next_sequence, "       \
  "s.media_offset_us, s.gated, s.access_price_minor, s.access_price_currency, "        \
  "ts_to_us(s.thumbnail_at), s.poster_path"

// The columns every session read returns, in the order ParseSession expects.
#define SHOPCAST_SESSION_COLUMNS                                                           \
  "i.id, i.stream_id, i.protocol, i.remote_address, ts_to_us(i.started_at), "              \
  "ts_to_us(i.ended_at), i.end_reason, i.error_reason, i.video_codec, i.width, i.height, " \
  "i.frame_rate, i.audio_codec, i.audio_sample_rate, i.audio_channels, i.codecs, "         \
  "i.bitrate_kbps, i.bytes_received, i.segments_written, ts_to_us(i.last_media_at)"

#define SHOPCAST_SEGMENT_COLUMNS                                                          \
  "g.stream_id, g.session_id, g.sequence, ts_to_us(g.program_date_time), g.duration_us, " \
  "g.media_offset_us, g.size_bytes, g.sha256, g.path, g.discontinuity"

inline constexpr char kInsertStream[] = R"~(
INSERT INTO streams (id, host_id, title, description, tags, status, scheduled_start_at,
                     created_at, updated_at, key_hash, key_hint, key_issued_at, idempotency_key,
                     request_fingerprint, gated, access_price_minor, access_price_currency)
VALUES ($1, $2, $3, $4, $5::text[], 1, us_to_ts($6), us_to_ts($7), us_to_ts($7), $8, $9,
        us_to_ts($7), $10, $11, $12, $13, $14))~";

// Serialises CreateStream per host so the open-stream limit holds under concurrent calls.
inline constexpr char kLockHost[] = "SELECT pg_advisory_xact_lock(hashtext('streams:' || $1))";
inline constexpr char kSelectByIdempotencyKey[] =
    "SELECT id, request_fingerprint FROM streams WHERE host_id = $1 AND idempotency_key = $2";
// The streams that hold a host's place: PREPARING and LIVE. A RECONNECTING stream lost its
// encoder; it either comes back or ends by itself within the grace period, and a host whose
// encoder dropped must be able to start a fresh stream meanwhile instead of being locked out.
inline constexpr char kCountOpenStreams[] =
    "SELECT count(*) FROM streams WHERE host_id = $1 AND status IN (1, 2)";

inline constexpr char kSelectStream[] =
    "SELECT " SHOPCAST_STREAM_COLUMNS " FROM streams s WHERE s.id = $1";
inline constexpr char kLockStream[] =
    "SELECT " SHOPCAST_STREAM_COLUMNS " FROM streams s WHERE s.id = $1 FOR UPDATE";
inline constexpr char kLockStreamByKey[] =
    "SELECT " SHOPCAST_STREAM_COLUMNS " FROM streams s WHERE s.key_hash = $1 FOR UPDATE";

// Writes back every status-related field of a locked, modified stream row.
inline constexpr char kSaveStreamState[] = R"~(
UPDATE streams SET status = $2, error_reason = $3, end_reason = $4, recording_choice = $5,
  went_live_at = us_to_ts($6), ended_at = us_to_ts($7), reconnect_deadline = us_to_ts($8),
  active_session_id = $9, next_sequence = $10, media_offset_us = $11, updated_at = us_to_ts($12),
  force_end_note = COALESCE($13, force_end_note)
WHERE id = $1)~";

inline constexpr char kSaveStreamContent[] = R"~(
UPDATE streams SET title = $2, description = $3, tags = $4::text[],
  scheduled_start_at = us_to_ts($5), version = version + 1, updated_at = us_to_ts($6),
  gated = $7, access_price_minor = $8, access_price_currency = $9
WHERE id = $1)~";

inline constexpr char kSaveStreamKey[] = R"~(
UPDATE streams SET key_hash = $2, key_hint = $3, key_issued_at = us_to_ts($4),
  updated_at = us_to_ts($4)
WHERE id = $1)~";

inline constexpr char kSelectLatestSession[] = "SELECT " SHOPCAST_SESSION_COLUMNS
                                               R"~( FROM ingest_sessions i WHERE i.stream_id = $1
ORDER BY i.started_at DESC, i.id DESC LIMIT 1)~";
inline constexpr char kSelectSession[] =
    "SELECT " SHOPCAST_SESSION_COLUMNS " FROM ingest_sessions i WHERE i.id = $1";

inline constexpr char kInsertSession[] = R"~(
INSERT INTO ingest_sessions (id, stream_id, protocol, remote_address, started_at, ended_at,
                             end_reason, error_reason, instance_id)
VALUES ($1, $2, $3, $4, us_to_ts($5), us_to_ts($6), $7, $8, $9))~";

inline constexpr char kEndSession[] = R"~(
UPDATE ingest_sessions SET ended_at = us_to_ts($2), end_reason = $3, error_reason = $4
WHERE id = $1 AND ended_at IS NULL)~";

inline constexpr char kRecordMediaInfo[] = R"~(
UPDATE ingest_sessions SET video_codec = $2, width = $3, height = $4, frame_rate = $5,
  audio_codec = $6, audio_sample_rate = $7, audio_channels = $8, codecs = $9
WHERE id = $1)~";

// The stream has a thumbnail (from $2 on, kept from the first) and, when $3 is not null, a
// poster at that path (set once: a poster never changes).
inline constexpr char kRecordThumbnail[] = R"~(
UPDATE streams SET thumbnail_at = COALESCE(thumbnail_at, us_to_ts($2)),
  poster_path = COALESCE(poster_path, $3)
WHERE id = $1)~";

inline constexpr char kCountSessionSegment[] = R"~(
UPDATE ingest_sessions SET segments_written = segments_written + 1,
  bytes_received = bytes_received + $2, bitrate_kbps = $3, last_media_at = us_to_ts($4)
WHERE id = $1)~";

// Open sessions nobody is serving: this instance's own from before a restart ($2, at start-up
// only), and those of instances whose last heartbeat is older than $3 (or that never had one).
inline constexpr char kOrphanedSessions[] = R"~(
SELECT i.id FROM ingest_sessions i
WHERE i.ended_at IS NULL
  AND ((i.instance_id = $1 AND $2)
       OR (i.instance_id <> $1 AND NOT EXISTS (
             SELECT 1 FROM ingest_instances n
             WHERE n.id = i.instance_id AND n.heartbeat_at >= us_to_ts($3))))
ORDER BY i.started_at, i.id
LIMIT 100)~";

// Also (re)states where the instance serves HLS ($3): a restart with another address updates it.
inline constexpr char kHeartbeat[] = R"~(
INSERT INTO ingest_instances (id, started_at, heartbeat_at, hls_origin)
VALUES ($1, us_to_ts($2), us_to_ts($2), $3)
ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at,
                               hls_origin = EXCLUDED.hls_origin)~";

// Instances silent for a day are gone for good; their rows would only grow the table.
inline constexpr char kForgetInstances[] =
    "DELETE FROM ingest_instances WHERE heartbeat_at < us_to_ts($1) - interval '1 day'";

inline constexpr char kInsertSegment[] = R"~(
INSERT INTO segments (stream_id, sequence, session_id, program_date_time, duration_us,
                      media_offset_us, size_bytes, sha256, path, discontinuity)
VALUES ($1, $2, $3, us_to_ts($4), $5, $6, $7, $8, $9, $10)
ON CONFLICT (stream_id, sequence) DO NOTHING)~";

// A segment of a stream that is LIVE with session $3 as its open, active encoder — every
// segment but a session's first — recorded by one statement in autocommit, in place of the
// transaction's lock, session read, insert, count, save and outbox writes: it locks the stream
// row, inserts the segment (a retry inserts nothing), counts it on the session, moves the
// stream's next sequence and media offset on, and enqueues the SegmentClosed event prepared in
// $13–$18 (outbox V003; none when $14 is empty). Nothing is written when the stream is in any
// other state: the caller then takes the general path, which may make the stream live.
// Answers (applies, inserted).
//   $1 stream  $2 sequence  $3 session  $4 program date time (us)  $5 duration (us)
//   $6 media offset (us)  $7 size  $8 sha256  $9 path  $10 discontinuity  $11 kbit/s  $12 now (us)
//   $13 event id  $14 destinations (text[])  $15 type  $16 source  $17 aggregate  $18 event bytes
inline constexpr char kRecordLiveSegment[] = R"~(
WITH s AS (
  SELECT id FROM streams WHERE id = $1 AND status = 2 AND active_session_id = $3 FOR UPDATE
), i AS (
  SELECT id FROM ingest_sessions
  WHERE id = $3 AND ended_at IS NULL AND EXISTS (SELECT 1 FROM s)
), g AS (
  INSERT INTO segments (stream_id, sequence, session_id, program_date_time, duration_us,
                        media_offset_us, size_bytes, sha256, path, discontinuity)
  SELECT $1, $2, i.id, us_to_ts($4), $5, $6, $7, $8, $9, $10 FROM i
  ON CONFLICT (stream_id, sequence) DO NOTHING
  RETURNING 1
), counted AS (
  UPDATE ingest_sessions SET segments_written = segments_written + 1,
    bytes_received = bytes_received + $7, bitrate_kbps = $11, last_media_at = us_to_ts($12)
  WHERE id = $3 AND EXISTS (SELECT 1 FROM g)
), moved AS (
  UPDATE streams SET next_sequence = GREATEST(next_sequence, $2 + 1),
    media_offset_us = GREATEST(media_offset_us, $6 + $5), updated_at = us_to_ts($12)
  WHERE id = $1 AND EXISTS (SELECT 1 FROM g)
), announced AS (
  SELECT outbox_enqueue($13, $14::text[], $15, $16, $17, $18) FROM g
  WHERE cardinality($14::text[]) > 0
)
SELECT EXISTS (SELECT 1 FROM i), EXISTS (SELECT 1 FROM g), (SELECT count(*) FROM announced))~";

inline constexpr char kSegmentTotals[] = R"~(
SELECT count(*), COALESCE(max(sequence), -1), COALESCE(sum(duration_us), 0)::bigint
FROM segments WHERE stream_id = $1)~";

// Keyset pages. $3 true means the first page (the cursor parameters are then ignored).
inline constexpr char kListLive[] = "SELECT " SHOPCAST_STREAM_COLUMNS R"~( FROM streams s
WHERE s.status IN (2, 3) AND ($1 = '' OR $1 = ANY (s.tags)) AND ($2 = '' OR s.host_id = $2)
  AND ($3 OR (s.went_live_at, s.id) < (us_to_ts($4), $5))
ORDER BY s.went_live_at DESC, s.id DESC LIMIT $6)~";

inline constexpr char kListUpcoming[] = "SELECT " SHOPCAST_STREAM_COLUMNS R"~( FROM streams s
WHERE s.status = 1 AND s.scheduled_start_at IS NOT NULL AND s.scheduled_start_at > us_to_ts($7)
  AND ($1 = '' OR $1 = ANY (s.tags)) AND ($2 = '' OR s.host_id = $2)
  AND ($3 OR (s.scheduled_start_at, s.id) > (us_to_ts($4), $5))
ORDER BY s.scheduled_start_at, s.id LIMIT $6)~";

inline constexpr char kListMine[] = "SELECT " SHOPCAST_STREAM_COLUMNS R"~( FROM streams s
WHERE s.host_id = $1 AND (cardinality($2::smallint[]) = 0 OR s.status = ANY ($2::smallint[]))
  AND ($3 OR (s.created_at, s.id) < (us_to_ts($4), $5))
ORDER BY s.created_at DESC, s.id DESC LIMIT $6)~";

// The stream columns, then the HLS origin of the instance whose open session holds the stream
// ('' when none does: no encoder, or an instance that never said where it serves).
inline constexpr char kLookupStreams[] = "SELECT " SHOPCAST_STREAM_COLUMNS R"~(,
  COALESCE(n.hls_origin, '')
FROM streams s
LEFT JOIN ingest_sessions i ON i.id = s.active_session_id AND i.ended_at IS NULL
LEFT JOIN ingest_instances n ON n.id = i.instance_id
WHERE s.id = ANY ($1::text[]))~";

inline constexpr char kListSegments[] = "SELECT " SHOPCAST_SEGMENT_COLUMNS R"~( FROM segments g
WHERE g.stream_id = $1 AND g.sequence >= $2 AND ($3 OR g.sequence > $4)
ORDER BY g.sequence LIMIT $5)~";

inline constexpr char kStreamExists[] = "SELECT 1 FROM streams WHERE id = $1";

// RECONNECTING streams whose grace period is over and no encoder is trying to resume.
inline constexpr char kExpiredStreams[] = R"~(
SELECT id FROM streams
WHERE status = 3 AND reconnect_deadline <= us_to_ts($1) AND active_session_id IS NULL
ORDER BY reconnect_deadline LIMIT 100 FOR UPDATE SKIP LOCKED)~";

// ---- Access passes (PassStore) ----

// A grant never clears a revocation: revoked wins over a late or repeated grant of the order.
inline constexpr char kGrantPass[] = R"~(
INSERT INTO access_passes (order_id, stream_id, viewer_id, granted_at, updated_at)
VALUES ($1, $2, $3, us_to_ts($4), us_to_ts($5))
ON CONFLICT (order_id) DO UPDATE
  SET granted_at = COALESCE(access_passes.granted_at, EXCLUDED.granted_at),
      updated_at = EXCLUDED.updated_at)~";

// Revoking an order not granted yet keeps the revocation, so its grant, when it comes, is void.
inline constexpr char kRevokePass[] = R"~(
INSERT INTO access_passes (order_id, stream_id, viewer_id, revoked_at, updated_at)
VALUES ($1, $2, $3, us_to_ts($4), us_to_ts($5))
ON CONFLICT (order_id) DO UPDATE
  SET revoked_at = COALESCE(access_passes.revoked_at, EXCLUDED.revoked_at),
      updated_at = EXCLUDED.updated_at)~";

// The (viewer, stream) pairs among $1/$2 (parallel arrays) that hold an active pass: one probe
// of the active-pass index per pair (the LIMIT keeps the planner from flattening the lookup
// into a join that a plan cached while the table was nearly empty runs as a scan of every
// pass, at every refresh of the gated-stream cache, until the next ANALYZE).
inline constexpr char kActivePasses[] = R"~(
SELECT DISTINCT q.viewer_id, q.stream_id
FROM unnest($1::text[], $2::text[]) AS q(viewer_id, stream_id)
CROSS JOIN LATERAL (SELECT 1 FROM access_passes p
                    WHERE p.viewer_id = q.viewer_id AND p.stream_id = q.stream_id
                      AND p.granted_at IS NOT NULL AND p.revoked_at IS NULL LIMIT 1) p)~";

inline constexpr char kStreamGates[] =
    "SELECT id, host_id, gated FROM streams WHERE id = ANY ($1::text[])";

// Live timed metadata (V006). A new marker notifies kMarkerChannel with its stream id at commit,
// so the replica holding that stream's playlist reads it at once.
inline constexpr char kMarkerChannel[] = "video_ingest_markers";
inline constexpr char kInsertMarker[] = R"~(
WITH added AS (
  INSERT INTO stream_markers (marker_id, event_id, stream_id, kind, starts_at, ends_at,
                              attributes, occurred_at, received_at)
  VALUES ($1, $2, $3, $4, us_to_ts($5), us_to_ts($6), $7::jsonb, us_to_ts($8), us_to_ts($9))
  ON CONFLICT (marker_id) DO NOTHING
  RETURNING stream_id)
SELECT pg_notify('video_ingest_markers', stream_id) FROM added)~";
// The markers of these streams still applying at or after $2 (see stream_markers_applying_idx).
inline constexpr char kApplyingMarkers[] = R"~(
SELECT marker_id, event_id, stream_id, kind, ts_to_us(starts_at), ts_to_us(ends_at),
       attributes::text, ts_to_us(occurred_at)
FROM stream_markers
WHERE stream_id = ANY ($1::text[]) AND COALESCE(ends_at, starts_at) >= us_to_ts($2)
ORDER BY starts_at, marker_id)~";
// Markers that stopped applying before $1: no playlist can show them any more. Bounded per
// call so a first purge of a large backlog never holds locks for long.
inline constexpr char kPurgeMarkers[] = R"~(
DELETE FROM stream_markers WHERE marker_id IN (
  SELECT marker_id FROM stream_markers WHERE COALESCE(ends_at, starts_at) < us_to_ts($1)
  LIMIT 10000))~";

#undef SHOPCAST_STREAM_COLUMNS
#undef SHOPCAST_SESSION_COLUMNS
#undef SHOPCAST_SEGMENT_COLUMNS

// (name, sql) pairs for the pool to prepare on every connection.
std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::video_ingest::streams::sql
