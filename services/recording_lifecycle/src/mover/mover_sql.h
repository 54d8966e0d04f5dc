#pragma once

// The mover's and the purger's SQL, as named constants (run with exec_params; `$n` placeholders).
// Times the mover compares (leases, retry times) are the database's now(); times it records for
// people (tier_changed_at, deleted_at) come from the injected wall clock as epoch microseconds.

namespace shopcast::recording_lifecycle::mover::sql {

// $1 epoch microseconds -> timestamptz.
#define RL_TS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"

// The recording a move is planned for, locked.
inline constexpr char kLockRecording[] =
    "SELECT id, stream_id, host_id, status, tier, legal_hold, poster_key, poster_tier "
    "FROM recordings WHERE id = $1 FOR UPDATE";

inline constexpr char kOpenMove[] =
    "SELECT id, from_tier, to_tier, origin, state FROM tier_moves "
    "WHERE recording_id = $1 AND state IN ('active', 'parked')";

// Segments still to carry to tier $2 (not there, media not gone), in order, with whether a sale
// moment within +/- $3 microseconds touches them.
inline constexpr char kSegmentsToMove[] =
    "SELECT s.sequence, s.object_key, s.sha256, s.size_bytes, s.tier, "
    "  ($3::bigint > 0 AND EXISTS (SELECT 1 FROM markers m WHERE m.recording_id = s.recording_id "
    "     AND m.kind IN ('sale', 'auction_sale') AND NOT m.cancelled "
    "     AND m.occurred_at >= s.program_date_time - $3::bigint * interval '1 microsecond' "
    "     AND m.occurred_at < s.program_date_time + (s.duration_us + $3::bigint) "
    "                                                * interval '1 microsecond')) AS kept "
    "FROM segments s WHERE s.recording_id = $1 AND s.tier <> $2 AND s.tier <> 4 "
    "ORDER BY s.sequence";

inline constexpr char kInsertMove[] =
    "INSERT INTO tier_moves (id, recording_id, from_tier, to_tier, origin, policy_id, rule_index, "
    "  state, objects_total, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), NULLIF($7, -1), 'active', $8, now(), now())";

inline constexpr char kInsertObject[] =
    "INSERT INTO tier_move_objects (move_id, object_key, recording_id, kind, sequence, sha256, "
    "  size_bytes, src_tier, dst_tier, state, next_attempt_at, updated_at, asset_id) "
    "VALUES ($1, $2, $3, $4, NULLIF($5, -1), $6, $7, $8, $9, 'planned', now(), now(), "
    "  NULLIF($10, ''))";

// The recording's clips (MP4 and poster) and moment thumbnails still to carry to tier $2 (READY,
// not deleted, stored, not there, media not gone), with the checksums the clip worker recorded.
// A poster thumbnail is the recording's poster (moved as kind 'poster').
inline constexpr char kAssetsToMove[] =
    "SELECT 'clip' AS kind, c.id AS asset_id, c.mp4_key AS object_key, c.mp4_sha256 AS sha256, "
    "  c.mp4_bytes AS size_bytes, c.mp4_tier AS tier "
    "FROM clips c WHERE c.recording_id = $1 AND c.status = 3 AND c.deleted_at IS NULL "
    "  AND c.mp4_sha256 <> '' AND c.mp4_tier <> $2 AND c.mp4_tier <> 4 "
    "UNION ALL "
    "SELECT 'clip_poster', c.id, c.poster_key, c.poster_sha256, 0::bigint, c.poster_tier "
    "FROM clips c WHERE c.recording_id = $1 AND c.status = 3 AND c.deleted_at IS NULL "
    "  AND c.poster_sha256 <> '' AND c.poster_key <> '' AND c.poster_tier <> $2 "
    "  AND c.poster_tier <> 4 "
    "UNION ALL "
    "SELECT 'thumbnail', t.id, t.object_key, t.sha256, 0::bigint, t.tier "
    "FROM thumbnails t WHERE t.recording_id = $1 AND t.kind = 'moment' AND t.status = 3 "
    "  AND t.object_key <> '' AND t.sha256 <> '' AND t.tier <> $2 AND t.tier <> 4 "
    "ORDER BY 1, 2";

// Objects due (not done, retry time reached, lease free), of moves still going and recordings
// not on hold, claimed by $1 for $2 milliseconds; at most $3.
inline constexpr char kClaim[] =
    "UPDATE tier_move_objects o SET lease_owner = $1, "
    "  lease_until = now() + $2::bigint * interval '1 millisecond' "
    "FROM (SELECT o2.move_id, o2.object_key FROM tier_move_objects o2 "
    "      JOIN tier_moves m ON m.id = o2.move_id "
    "      JOIN recordings r ON r.id = o2.recording_id "
    "      WHERE o2.state <> 'done' AND m.state IN ('active', 'parked') AND NOT r.legal_hold "
    "        AND o2.next_attempt_at <= now() "
    "        AND (o2.lease_until IS NULL OR o2.lease_until < now()) "
    "      ORDER BY o2.next_attempt_at, o2.move_id, o2.object_key "
    "      LIMIT $3 FOR UPDATE OF o2 SKIP LOCKED) c "
    "WHERE o.move_id = c.move_id AND o.object_key = c.object_key "
    "RETURNING o.move_id, o.object_key, o.recording_id, o.kind, COALESCE(o.sequence, -1), "
    "  o.sha256, o.size_bytes, o.src_tier, o.dst_tier, o.state, o.attempts, o.parked, "
    "  COALESCE(o.asset_id, '')";

// Extends the leases of objects $2 (text[] of move_id/object_key) held by $1.
inline constexpr char kRenewLeases[] =
    "UPDATE tier_move_objects SET lease_until = now() + $3::bigint * interval '1 millisecond' "
    "WHERE lease_owner = $1 AND state <> 'done' "
    "  AND (move_id || '/' || object_key) = ANY ($2::text[])";

// Records the next step: from state $3 to $4, while $5 still holds the lease, the move is still
// going and the recording is not on hold. Clears the failure marks of the object.
inline constexpr char kAdvance[] =
    "UPDATE tier_move_objects o SET state = $4, verified = verified OR $6, parked = false, "
    "  updated_at = now(), lease_until = now() + $7::bigint * interval '1 millisecond' "
    "WHERE o.move_id = $1 AND o.object_key = $2 AND o.state = $3 AND o.lease_owner = $5 "
    "  AND EXISTS (SELECT 1 FROM tier_moves m JOIN recordings r ON r.id = m.recording_id "
    "              WHERE m.id = o.move_id AND m.state IN ('active', 'parked') "
    "                AND NOT r.legal_hold)";

// The pointer switch (in the same transaction as kAdvance switching -> deleting_source).
inline constexpr char kSwitchSegment[] =
    "UPDATE segments SET tier = $3 WHERE recording_id = $1 AND sequence = $2";
inline constexpr char kSwitchPoster[] = "UPDATE recordings SET poster_tier = $2 WHERE id = $1";
inline constexpr char kSwitchClip[] = "UPDATE clips SET mp4_tier = $2 WHERE id = $1";
inline constexpr char kSwitchClipPoster[] = "UPDATE clips SET poster_tier = $2 WHERE id = $1";
inline constexpr char kSwitchThumbnail[] = "UPDATE thumbnails SET tier = $2 WHERE id = $1";
// A clip deleted (DeleteClip) since its move was planned: its objects are discarded, not moved.
inline constexpr char kClipGone[] =
    "SELECT NOT EXISTS (SELECT 1 FROM clips WHERE id = $1 AND deleted_at IS NULL)";

// A failed step: back to state $3 (copying after a checksum mismatch), retried after $5 ms, or
// parked ($6) with reason $4.
inline constexpr char kFail[] =
    "UPDATE tier_move_objects SET state = $3, attempts = attempts + 1, last_error = $4, "
    "  next_attempt_at = now() + $5::bigint * interval '1 millisecond', parked = $6, "
    "  lease_owner = '', lease_until = NULL, updated_at = now() "
    "WHERE move_id = $1 AND object_key = $2 AND lease_owner = $7";
inline constexpr char kParkMove[] =
    "UPDATE tier_moves SET state = 'parked', park_reason = $2, updated_at = now() "
    "WHERE id = $1 AND state IN ('active', 'parked')";
// A parked move whose objects are no longer parked goes on.
inline constexpr char kUnparkMove[] =
    "UPDATE tier_moves m SET state = 'active', park_reason = '', updated_at = now() "
    "WHERE m.id = $1 AND m.state = 'parked' AND NOT EXISTS ("
    "  SELECT 1 FROM tier_move_objects o WHERE o.move_id = m.id AND o.parked)";

inline constexpr char kRelease[] =
    "UPDATE tier_move_objects SET lease_owner = '', lease_until = NULL "
    "WHERE move_id = $1 AND object_key = $2 AND lease_owner = $3";

// Moves still open whose objects are all done, locked for finishing.
inline constexpr char kCompleteMoves[] =
    "SELECT m.id, m.recording_id, m.from_tier, m.to_tier FROM tier_moves m "
    "WHERE m.state IN ('active', 'parked') AND m.origin <> 'purge' AND NOT EXISTS ("
    "  SELECT 1 FROM tier_move_objects o WHERE o.move_id = m.id AND o.state <> 'done') "
    "ORDER BY m.created_at LIMIT $1 FOR UPDATE OF m SKIP LOCKED";
inline constexpr char kFinishMove[] =
    "UPDATE tier_moves SET state = 'done', park_reason = '', finished_at = now(), "
    "  updated_at = now() WHERE id = $1";
inline constexpr char kSetRecordingTier[] =
    "UPDATE recordings SET tier = $2, tier_changed_at = " RL_TS(3) ", updated_at = " RL_TS(
        3) " WHERE id = $1 RETURNING stream_id, host_id";

// Queue and usage, for the gauges.
inline constexpr char kQueueDepth[] =
    "SELECT count(*) FILTER (WHERE NOT parked), count(*) FILTER (WHERE parked) "
    "FROM tier_move_objects WHERE state <> 'done'";
inline constexpr char kTierUsage[] =
    "SELECT tier, COALESCE(sum(bytes), 0)::bigint FROM ("
    "  SELECT tier, size_bytes AS bytes FROM segments WHERE tier < 4 "
    "  UNION ALL SELECT mp4_tier, mp4_bytes FROM clips "
    "    WHERE status = 3 AND deleted_at IS NULL AND mp4_tier < 4"
    ") AS stored GROUP BY tier";

// The open move of recording $1 (not a purge) as Recording.transition shows it: tiers, start,
// objects total and done, the most attempts and a last error of the objects not done, and the
// earliest phase an object not done is in (1 copying .. 4 deleting the source).
inline constexpr char kTransition[] =
    "SELECT m.from_tier, m.to_tier, (extract(epoch from m.created_at) * 1000000)::bigint, "
    "  m.objects_total, (SELECT count(*) FROM tier_move_objects o WHERE o.move_id = m.id "
    "    AND o.state = 'done'), "
    "  (SELECT COALESCE(max(o.attempts), 0) FROM tier_move_objects o WHERE o.move_id = m.id), "
    "  (SELECT COALESCE(max(o.last_error), '') FROM tier_move_objects o "
    "    WHERE o.move_id = m.id AND o.state <> 'done'), "
    "  (SELECT min(CASE o.state WHEN 'planned' THEN 1 WHEN 'copying' THEN 1 "
    "    WHEN 'verifying' THEN 2 WHEN 'switching' THEN 3 ELSE 4 END) "
    "    FROM tier_move_objects o WHERE o.move_id = m.id AND o.state <> 'done') "
    "FROM tier_moves m WHERE m.recording_id = $1 AND m.state IN ('active', 'parked') "
    "  AND m.origin <> 'purge'";

// ---- purge ----
// Recordings to purge: DELETING, not on hold.
inline constexpr char kPurgeCandidates[] =
    "SELECT id FROM recordings WHERE status = 4 AND NOT legal_hold ORDER BY updated_at, id "
    "LIMIT $1";
// Cancels any other open move of the recording and opens its purge (one open move per
// recording); the purge row is what tells SetLegalHold the media is already going.
inline constexpr char kCancelMoves[] =
    "UPDATE tier_moves SET state = 'cancelled', finished_at = now(), updated_at = now() "
    "WHERE recording_id = $1 AND state IN ('active', 'parked') AND origin <> 'purge'";
inline constexpr char kOpenPurge[] =
    "INSERT INTO tier_moves (id, recording_id, from_tier, to_tier, origin, state, objects_total, "
    "  created_at, updated_at) VALUES ($1, $2, $3, 4, 'purge', 'active', 0, now(), now()) "
    "ON CONFLICT DO NOTHING";
// Objects of cancelled moves some mover may still be working on.
inline constexpr char kLiveLeases[] =
    "SELECT count(*) FROM tier_move_objects o JOIN tier_moves m ON m.id = o.move_id "
    "WHERE o.recording_id = $1 AND m.state = 'cancelled' AND o.state <> 'done' "
    "  AND o.lease_until > now()";
inline constexpr char kSegmentKeys[] =
    "SELECT object_key FROM segments WHERE recording_id = $1 ORDER BY sequence";
inline constexpr char kMarkDeleted[] =
    "UPDATE recordings SET status = 5, tier = 4, poster_tier = 4, tier_changed_at = " RL_TS(2)
    ", updated_at = " RL_TS(2) " WHERE id = $1 AND status = 4 AND NOT legal_hold "
    "RETURNING stream_id, host_id";
inline constexpr char kExpireSegments[] = "UPDATE segments SET tier = 4 WHERE recording_id = $1";
inline constexpr char kExpireClips[] =
    "UPDATE clips SET mp4_tier = 4, poster_tier = 4 WHERE recording_id = $1";
inline constexpr char kExpireThumbnails[] =
    "UPDATE thumbnails SET tier = 4 WHERE recording_id = $1";
inline constexpr char kFinishPurge[] =
    "UPDATE tier_moves SET state = 'done', finished_at = now(), updated_at = now() "
    "WHERE recording_id = $1 AND origin = 'purge' AND state = 'active'";

#undef RL_TS

}  // namespace shopcast::recording_lifecycle::mover::sql

namespace shopcast::recording_lifecycle::mover::sql {
// The checksum of an object that had none recorded (the poster), taken from its source.
inline constexpr char kSetObjectSha[] =
    "UPDATE tier_move_objects SET sha256 = $3, size_bytes = $4 "
    "WHERE move_id = $1 AND object_key = $2 AND lease_owner = $5";
}  // namespace shopcast::recording_lifecycle::mover::sql
