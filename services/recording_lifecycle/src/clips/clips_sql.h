#pragma once

// The SQL of the clip store (clip_store.cc), one named constant per statement. Times are
// passed and read as microseconds since the epoch.

#include <string_view>

namespace shopcast::recording_lifecycle::clips::sql {

inline constexpr std::string_view kRecordingColumns =
    "r.id, r.stream_id, r.host_id, r.title, r.status, r.decision, r.tier, r.duration_us, "
    "r.poster_key, coalesce(r.primary_thumbnail_id, ''), r.version";

inline constexpr std::string_view kGetRecording = R"~(
SELECT r.id, r.stream_id, r.host_id, r.title, r.status, r.decision, r.tier, r.duration_us,
       r.poster_key, coalesce(r.primary_thumbnail_id, ''), r.version
FROM recordings r WHERE r.id = $1)~";

inline constexpr std::string_view kLockRecording = R"~(
SELECT r.id FROM recordings r WHERE r.id = $1 FOR UPDATE)~";

inline constexpr std::string_view kGetMoment = R"~(
SELECT id, coalesce(recording_id, ''), kind, product_title, media_offset_us, cancelled
FROM markers WHERE id = $1 AND kind IN ('sale', 'auction_sale'))~";

inline constexpr std::string_view kSegments = R"~(
SELECT sequence, media_offset_us, duration_us, discontinuity, tier, object_key, sha256
FROM segments WHERE recording_id = $1 ORDER BY sequence)~";

#define SHOPCAST_CLIP_COLUMNS                                                                  \
  "id, recording_id, creator_id, title, requested_start_us, requested_duration_us, start_us, " \
  "duration_us, coalesce(moment_id, ''), automatic, status, failure_reason, "                  \
  "coalesce(idempotency_key, ''), mp4_key, mp4_sha256, mp4_bytes, poster_key, poster_sha256, " \
  "attempts, (extract(epoch FROM created_at) * 1000000)::bigint, deleted_at IS NOT NULL, "     \
  "mp4_tier"

inline constexpr std::string_view kClipByKey =
    "SELECT " SHOPCAST_CLIP_COLUMNS " FROM clips WHERE creator_id = $1 AND idempotency_key = $2";

inline constexpr std::string_view kCountManualClips = R"~(
SELECT count(*) FROM clips WHERE recording_id = $1 AND NOT automatic AND deleted_at IS NULL)~";

inline constexpr std::string_view kInsertClip = R"~(
INSERT INTO clips (id, recording_id, creator_id, title, requested_start_us,
                   requested_duration_us, moment_id, automatic, status, idempotency_key, mp4_key,
                   poster_key, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, 1, NULLIF($9, ''), $10, $11,
        to_timestamp($12::bigint / 1e6), to_timestamp($12::bigint / 1e6))
ON CONFLICT DO NOTHING
RETURNING )~" SHOPCAST_CLIP_COLUMNS;

inline constexpr std::string_view kGetClip =
    "SELECT " SHOPCAST_CLIP_COLUMNS " FROM clips WHERE id = $1";

inline constexpr std::string_view kListClipsFirst =
    "SELECT " SHOPCAST_CLIP_COLUMNS
    " FROM clips WHERE recording_id = $1 AND deleted_at IS NULL"
    " ORDER BY created_at DESC, id DESC LIMIT $2";

inline constexpr std::string_view kListClipsAfter =
    "SELECT " SHOPCAST_CLIP_COLUMNS
    " FROM clips WHERE recording_id = $1 AND deleted_at IS NULL"
    " AND (created_at, id) < (to_timestamp($2::bigint / 1e6), $3)"
    " ORDER BY created_at DESC, id DESC LIMIT $4";

inline constexpr std::string_view kDeleteClip = R"~(
UPDATE clips SET deleted_at = coalesce(deleted_at, to_timestamp($2::bigint / 1e6)),
                 updated_at = to_timestamp($2::bigint / 1e6)
WHERE id = $1)~";

inline constexpr std::string_view kClaimClip =
    "UPDATE clips SET status = 2, lease_owner = $1, lease_until = to_timestamp($3::bigint / 1e6),"
    " attempts = attempts + 1, updated_at = to_timestamp($2::bigint / 1e6)"
    " WHERE id = (SELECT id FROM clips WHERE status IN (1, 2) AND deleted_at IS NULL"
    "   AND (lease_until IS NULL OR lease_until <= to_timestamp($2::bigint / 1e6))"
    "   ORDER BY lease_until NULLS FIRST, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING " SHOPCAST_CLIP_COLUMNS;

inline constexpr std::string_view kFinishClip = R"~(
UPDATE clips SET status = 3, start_us = $4, duration_us = $5, mp4_sha256 = $6, mp4_bytes = $7,
                 poster_key = $8, poster_sha256 = $9, failure_reason = '', lease_owner = NULL,
                 lease_until = NULL, updated_at = to_timestamp($10::bigint / 1e6)
WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 2 AND deleted_at IS NULL)~";

inline constexpr std::string_view kFailClip = R"~(
UPDATE clips SET status = CASE WHEN $5 THEN 4 ELSE 1 END, failure_reason = $4,
                 lease_owner = NULL,
                 lease_until = CASE WHEN $5 THEN NULL ELSE to_timestamp($6::bigint / 1e6) END,
                 updated_at = to_timestamp($7::bigint / 1e6)
WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 2)~";

inline constexpr std::string_view kAutoClipCandidates = R"~(
SELECT m.id, m.recording_id, m.kind, m.product_title, m.media_offset_us, m.cancelled,
       r.id, r.stream_id, r.host_id, r.title, r.status, r.decision, r.tier, r.duration_us,
       r.poster_key, coalesce(r.primary_thumbnail_id, ''), r.version
FROM markers m JOIN recordings r ON r.id = m.recording_id
WHERE m.kind IN ('sale', 'auction_sale') AND m.media_offset_us IS NOT NULL AND NOT m.cancelled
  AND r.decision = 2 AND r.status = 3 AND r.tier <> 4
  AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.recording_id = m.recording_id
                  AND c.moment_id = m.id AND c.automatic)
ORDER BY m.created_at LIMIT $1)~";

inline constexpr std::string_view kPosterCandidates = R"~(
SELECT r.id, r.stream_id, r.host_id, r.title, r.status, r.decision, r.tier, r.duration_us,
       r.poster_key, coalesce(r.primary_thumbnail_id, ''), r.version
FROM recordings r
WHERE r.poster_key <> '' AND r.status = 3 AND r.decision <> 3 AND r.tier <> 4
  AND NOT EXISTS (SELECT 1 FROM thumbnails t WHERE t.recording_id = r.id AND t.kind = 'poster')
ORDER BY r.created_at LIMIT $1)~";

inline constexpr std::string_view kMomentThumbnailCandidates = R"~(
SELECT m.id, m.recording_id, m.kind, m.product_title, m.media_offset_us, m.cancelled,
       r.id, r.stream_id, r.host_id, r.title, r.status, r.decision, r.tier, r.duration_us,
       r.poster_key, coalesce(r.primary_thumbnail_id, ''), r.version
FROM markers m JOIN recordings r ON r.id = m.recording_id
WHERE m.kind IN ('sale', 'auction_sale') AND m.media_offset_us IS NOT NULL AND NOT m.cancelled
  AND r.status = 3 AND r.decision <> 3 AND r.tier <> 4
  AND NOT EXISTS (SELECT 1 FROM thumbnails t WHERE t.recording_id = m.recording_id
                  AND t.moment_id = m.id AND t.kind = 'moment')
ORDER BY m.created_at LIMIT $1)~";

#define SHOPCAST_THUMB_COLUMNS                                                             \
  "id, recording_id, kind, coalesce(moment_id, ''), media_offset_us, object_key, sha256, " \
  "width, height, status, failure_reason, attempts"

inline constexpr std::string_view kInsertThumbnail = R"~(
INSERT INTO thumbnails (id, recording_id, kind, moment_id, media_offset_us, object_key, sha256,
                        width, height, status, created_at, updated_at)
VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9, $10, to_timestamp($11::bigint / 1e6),
        to_timestamp($11::bigint / 1e6))
ON CONFLICT DO NOTHING)~";

inline constexpr std::string_view kClaimThumbnail =
    "UPDATE thumbnails SET status = 2, lease_owner = $1,"
    " lease_until = to_timestamp($3::bigint / 1e6), attempts = attempts + 1,"
    " updated_at = to_timestamp($2::bigint / 1e6)"
    " WHERE id = (SELECT id FROM thumbnails WHERE status IN (1, 2)"
    "   AND (lease_until IS NULL OR lease_until <= to_timestamp($2::bigint / 1e6))"
    "   ORDER BY lease_until NULLS FIRST, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING " SHOPCAST_THUMB_COLUMNS;

inline constexpr std::string_view kFinishThumbnail = R"~(
UPDATE thumbnails SET status = 3, object_key = $4, sha256 = $5, width = $6, height = $7,
                      media_offset_us = $8, failure_reason = '', lease_owner = NULL,
                      lease_until = NULL, updated_at = to_timestamp($9::bigint / 1e6)
WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 2)~";

inline constexpr std::string_view kFailThumbnail = R"~(
UPDATE thumbnails SET status = CASE WHEN $5 THEN 4 ELSE 1 END, failure_reason = $4,
                      lease_owner = NULL,
                      lease_until = CASE WHEN $5 THEN NULL ELSE to_timestamp($6::bigint / 1e6) END,
                      updated_at = to_timestamp($7::bigint / 1e6)
WHERE id = $1 AND lease_owner = $2 AND attempts = $3 AND status = 2)~";

inline constexpr std::string_view kGetThumbnail =
    "SELECT " SHOPCAST_THUMB_COLUMNS " FROM thumbnails WHERE id = $1";

inline constexpr std::string_view kListThumbnailsFirst =
    "SELECT " SHOPCAST_THUMB_COLUMNS
    " FROM thumbnails WHERE recording_id = $1 AND status = 3"
    " ORDER BY media_offset_us, id LIMIT $2";

inline constexpr std::string_view kListThumbnailsAfter =
    "SELECT " SHOPCAST_THUMB_COLUMNS
    " FROM thumbnails WHERE recording_id = $1 AND status = 3"
    " AND (media_offset_us, id) > ($2, $3) ORDER BY media_offset_us, id LIMIT $4";

inline constexpr std::string_view kSetPrimaryThumbnail = R"~(
UPDATE recordings SET primary_thumbnail_id = $2, updated_at = to_timestamp($3::bigint / 1e6)
WHERE id = $1)~";

#undef SHOPCAST_CLIP_COLUMNS
#undef SHOPCAST_THUMB_COLUMNS

}  // namespace shopcast::recording_lifecycle::clips::sql
