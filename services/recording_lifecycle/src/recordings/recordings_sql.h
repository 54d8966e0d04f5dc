#pragma once

// The recordings area's SQL (recordings and segments, V001), as named constants. Enum columns
// hold the contract's numbers: status RECORDING 1, PROCESSING 2, READY 3, DELETING 4,
// DELETED 5; decision UNDECIDED 1, SAVE 2, DELETE 3.

#include "recordings/sql_time.h"

namespace shopcast::recording_lifecycle::recordings::sql {

// ---- events ----

// $1 id, $2 stream, $3 host, $4 title. Nothing if the stream has one.
inline constexpr char kCreateRecording[] =
    "INSERT INTO recordings (id, stream_id, host_id, title, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, 1, now(), now()) ON CONFLICT (stream_id) DO NOTHING";

// The stream's recording, locked.
inline constexpr char kRecordingOfStream[] =
    "SELECT id, host_id, title, status, decision, expected_segment_count, segment_count "
    "FROM recordings WHERE stream_id = $1 FOR UPDATE";

// Fills what a recording made from a segment did not know: $1 id, $2 host, $3 title.
inline constexpr char kFillIdentity[] =
    "UPDATE recordings SET host_id = CASE WHEN host_id = '' THEN $2 ELSE host_id END, "
    "title = CASE WHEN title = '' THEN $3 ELSE title END, updated_at = now() "
    "WHERE id = $1 AND ((host_id = '' AND $2 <> '') OR (title = '' AND $3 <> ''))";

// $1 recording, $2 sequence.
inline constexpr char kSegment[] = "SELECT sha256, object_key, duration_us, " SHOPCAST_RL_US(
    "program_date_time") " FROM segments WHERE recording_id = $1 AND sequence = $2";

// $1 recording, $2 sequence, $3 session, $4 pdt (us), $5 duration, $6 media offset, $7 size,
// $8 sha256, $9 key, $10 discontinuity.
inline constexpr char kInsertSegment[] =
    "INSERT INTO segments (recording_id, sequence, session_id, program_date_time, duration_us, "
    "media_offset_us, size_bytes, sha256, object_key, discontinuity, created_at) VALUES ($1, $2, "
    "$3, " SHOPCAST_RL_TS("$4") ", $5, $6, $7, $8, $9, $10, now())";

// Adds segment ($2 duration, $3 size) to recording $1's totals; its span from the first and
// last segments by sequence. Returns the new state.
inline constexpr char kAddSegmentTotals[] =
    "UPDATE recordings r SET duration_us = duration_us + $2, segment_count = segment_count + 1, "
    "size_bytes = size_bytes + $3, "
    "started_at = (SELECT program_date_time FROM segments s WHERE s.recording_id = r.id "
    "ORDER BY sequence LIMIT 1), "
    "ended_at = (SELECT program_date_time + duration_us * interval '1 microsecond' FROM segments "
    "s WHERE s.recording_id = r.id ORDER BY sequence DESC LIMIT 1), updated_at = now() "
    "WHERE id = $1 RETURNING status, decision, segment_count, expected_segment_count";

// $1 id, $2 expected count, $3 ended_at (us, NULL = now), $4 poster key, $5 decision,
// $6 status, $7 decided now.
inline constexpr char kFinalize[] =
    "UPDATE recordings SET expected_segment_count = $2, "
    "stream_ended_at = COALESCE(" SHOPCAST_RL_TS("$3") ", now()), "
    "poster_key = CASE WHEN $4 = '' THEN poster_key ELSE $4 END, decision = $5, status = $6, "
    "decided_at = CASE WHEN $7 THEN now() ELSE decided_at END, updated_at = now() WHERE id = $1";

// $1 id.
inline constexpr char kMarkReady[] =
    "UPDATE recordings SET status = 3, updated_at = now() WHERE id = $1 AND status = 2";

// What recording_ready carries: $1 id.
inline constexpr char kReadyFacts[] =
    "SELECT stream_id, host_id, duration_us, decision, (SELECT count(*) FROM markers m WHERE "
    "m.recording_id = r.id AND m.kind IN ('sale', 'auction_sale') AND NOT m.cancelled) "
    "FROM recordings r WHERE id = $1";

// ---- reads and RPCs ----

// Columns of a Recording, in RecordingOf's order (table alias r).
#define SHOPCAST_RL_RECORDING_COLUMNS                                            \
  "r.id, r.stream_id, r.host_id, r.title, r.description, r.status, r.decision, " \
  "r.tier, "   \
  SHOPCAST_RL_US("r.started_at") ", " SHOPCAST_RL_US("r.ended_at") ", r.duration_us, "     \
  "r.segment_count, r.size_bytes, "                                                        \
  /* the policy that governs it: its own, else its host's, else the platform default */     \
  "COALESCE(r.policy_id, (SELECT h.policy_id FROM aging_policy_hosts h "                  \
  "WHERE h.host_id = r.host_id), (SELECT p.id FROM aging_policies p WHERE p.is_default), ''), " \
  SHOPCAST_RL_US("r.tier_changed_at") ", r.view_count, " SHOPCAST_RL_US("r.last_played_at") \
  ", " SHOPCAST_RL_US("r.created_at") ", " SHOPCAST_RL_US("r.decided_at") ", r.version, "  \
  "(SELECT count(*) FROM markers m WHERE m.recording_id = r.id AND m.kind IN ('sale', "     \
  "'auction_sale') AND NOT m.cancelled AND m.media_offset_us IS NOT NULL), r.legal_hold, "  \
  /* the shown picture: the host's chosen thumbnail once made, else video-ingest's poster */  \
  "COALESCE((SELECT t.object_key FROM thumbnails t WHERE t.id = r.primary_thumbnail_id "    \
  "AND t.recording_id = r.id AND t.object_key <> ''), r.poster_key), "                      \
  /* its stream was gated (V040's stream_access; unknown = not) */                          \
  "COALESCE((SELECT a.gated FROM stream_access a WHERE a.stream_id = r.stream_id), false)"

inline constexpr char kRecordingById[] =
    "SELECT " SHOPCAST_RL_RECORDING_COLUMNS " FROM recordings r WHERE r.id = $1";
inline constexpr char kRecordingByIdForUpdate[] =
    "SELECT " SHOPCAST_RL_RECORDING_COLUMNS " FROM recordings r WHERE r.id = $1 FOR UPDATE";
inline constexpr char kRecordingByStream[] =
    "SELECT " SHOPCAST_RL_RECORDING_COLUMNS " FROM recordings r WHERE r.stream_id = $1";

// $1 host, $2 decisions (smallint[]), $3 tiers (smallint[]), $4 cursor created_at (us, NULL:
// first page), $5 cursor id, $6 limit. recordings_by_host.
inline constexpr char kListRecordings[] =
    "SELECT " SHOPCAST_RL_RECORDING_COLUMNS " FROM recordings r WHERE r.host_id = $1 "
    "AND r.decision = ANY($2::smallint[]) AND r.tier = ANY($3::smallint[]) "
    "AND ($4::bigint IS NULL OR (r.created_at, r.id) < (" SHOPCAST_RL_TS("$4") ", $5)) "
    "ORDER BY r.created_at DESC, r.id DESC LIMIT $6";

// Where recording $1's segments are, per tier (recordings/locations.h): tier, bytes, every copy
// verified, first arrival (us). A segment's copy in its tier came from the newest move object
// that switched it there (tier_move_objects_by_segment); none for an original never moved.
inline constexpr char kLocations[] =
    "SELECT s.tier, sum(s.size_bytes)::bigint, "
    "  bool_and(COALESCE(o.verified, s.tier = 1)), "
    "  " SHOPCAST_RL_US("min(COALESCE(o.updated_at, s.created_at))") " "
    "FROM segments s LEFT JOIN LATERAL ("
    "  SELECT o.verified, o.updated_at FROM tier_move_objects o "
    "  WHERE o.recording_id = s.recording_id AND o.kind = 'segment' AND o.sequence = s.sequence "
    "    AND o.dst_tier = s.tier AND o.state IN ('switching', 'deleting_source', 'done') "
    "  ORDER BY o.updated_at DESC LIMIT 1) o ON true "
    "WHERE s.recording_id = $1 AND s.tier BETWEEN 1 AND 3 "
    "GROUP BY s.tier ORDER BY s.tier";

// $1 id, $2 decision, $3 status.
inline constexpr char kDecide[] =
    "UPDATE recordings SET decision = $2, status = $3, decided_at = now(), updated_at = now() "
    "WHERE id = $1";

// $1 id, $2 title, $3 description.
inline constexpr char kUpdateText[] =
    "UPDATE recordings SET title = $2, description = $3, version = version + 1, "
    "updated_at = now() WHERE id = $1";

// Columns of a Moment (alias m).
#define SHOPCAST_RL_MOMENT_COLUMNS \
  "m.id, m.recording_id, m.kind, m.order_id, m.product_id, m.product_title, m.quantity, "      \
  "m.amount_minor, m.currency, " SHOPCAST_RL_US("m.occurred_at") ", m.media_offset_us, "       \
  "m.cancelled"

// $1 recording, $2 include cancelled, $3 cursor offset (NULL: first page), $4 cursor id,
// $5 limit. markers_by_recording.
inline constexpr char kMomentsOfRecording[] =
    "SELECT " SHOPCAST_RL_MOMENT_COLUMNS
    " FROM markers m WHERE m.recording_id = $1 "
    "AND m.media_offset_us IS NOT NULL AND m.kind IN ('sale', 'auction_sale') "
    "AND ($2 OR NOT m.cancelled) "
    "AND ($3::bigint IS NULL OR (m.media_offset_us, m.id) > ($3::bigint, $4)) "
    "ORDER BY m.media_offset_us, m.id LIMIT $5";

// The moments of recordings the caller may see, newest first: $1 scope key, $2 include
// cancelled, $3 cursor occurred_at (us, NULL: first page), $4 cursor id, $5 limit, $6 caller
// ('' anonymous), $7 caller is admin.
#define SHOPCAST_RL_MOMENTS_BY(column) \
  "SELECT " SHOPCAST_RL_MOMENT_COLUMNS " FROM markers m JOIN recordings r ON r.id = "          \
  "m.recording_id WHERE " column " = $1 AND m.kind IN ('sale', 'auction_sale') "               \
  "AND m.media_offset_us IS NOT NULL AND ($2 OR NOT m.cancelled) "                             \
  "AND (r.decision = 2 OR $7 OR (r.host_id = $6 AND $6 <> '')) "                               \
  "AND ($3::bigint IS NULL OR (m.occurred_at, m.id) < (" SHOPCAST_RL_TS("$3") ", $4)) "        \
  "ORDER BY m.occurred_at DESC, m.id DESC LIMIT $5"
inline constexpr char kMomentsOfProduct[] = SHOPCAST_RL_MOMENTS_BY("m.product_id");
inline constexpr char kMomentsOfHost[] = SHOPCAST_RL_MOMENTS_BY("m.host_id");

}  // namespace shopcast::recording_lifecycle::recordings::sql
