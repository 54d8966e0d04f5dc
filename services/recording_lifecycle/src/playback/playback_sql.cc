#include "playback/playback_sql.h"

namespace shopcast::recording_lifecycle::playback::sql {

const char kSelectRecording[] = R"sql(
SELECT r.id, r.host_id, r.status, r.decision, r.tier, r.duration_us, r.poster_key,
       COALESCE((SELECT a.gated FROM stream_access a WHERE a.stream_id = r.stream_id), false)
FROM recordings r WHERE r.id = $1
)sql";

const char kHoldsPass[] = R"sql(
SELECT EXISTS (
  SELECT 1 FROM recordings r JOIN access_passes p ON p.stream_id = r.stream_id
  WHERE r.id = $1 AND p.viewer_id = $2 AND p.revoked_at IS NULL)
)sql";

const char kSelectSegments[] = R"sql(
SELECT sequence,
       (EXTRACT(EPOCH FROM program_date_time) * 1000000)::bigint,
       duration_us, discontinuity, tier, object_key, size_bytes, sha256
FROM segments WHERE recording_id = $1
ORDER BY sequence
)sql";

const char kSelectSegment[] = R"sql(
SELECT tier, object_key, size_bytes, sha256
FROM segments WHERE recording_id = $1 AND sequence = $2
)sql";

const char kSelectMarkers[] = R"sql(
SELECT id, kind, media_offset_us, product_id, order_id, product_title, auction_id, result,
       quantity, amount_minor, currency, cancelled
FROM markers
WHERE recording_id = $1 AND media_offset_us IS NOT NULL
ORDER BY media_offset_us, id
)sql";

const char kSelectMoment[] = R"sql(
SELECT media_offset_us, cancelled
FROM markers
WHERE id = $1 AND recording_id = $2 AND kind IN ('sale', 'auction_sale')
)sql";

const char kCountView[] = R"sql(
UPDATE recordings SET view_count = view_count + 1, last_played_at = now()
WHERE id = $1
)sql";

}  // namespace shopcast::recording_lifecycle::playback::sql
