-- Paid access: a gated stream's recording plays only for its host, admins and the viewers who
-- hold an unrevoked access pass for the stream (the live show's rule, kept for its replay).
-- Learned from events: video-ingest's stream_created / stream_updated (gating) and order's
-- access_pass_granted / access_pass_revoked (passes). Both arrive before or without a recording,
-- so they are kept by stream, not by recording.

-- Whether a stream is gated, as its latest stream_created / stream_updated said. A stream with
-- no row (created before this table existed) plays as ungated, as it did.
CREATE TABLE stream_access (
  stream_id text PRIMARY KEY,
  gated boolean NOT NULL,
  -- StreamUpdated.version (stream_created: 0): an older update arriving late changes nothing.
  version bigint NOT NULL CHECK (version >= 0),
  updated_at timestamptz NOT NULL
);

-- One row per access pass (per order). A revoked pass stays revoked: a late or repeated grant
-- never revives it.
CREATE TABLE access_passes (
  order_id text PRIMARY KEY,
  stream_id text NOT NULL,
  viewer_id text NOT NULL,
  granted_at timestamptz,
  revoked_at timestamptz
);
-- "Does this viewer hold a pass for this stream?" (playback, the VOD origin).
CREATE INDEX access_passes_by_holder ON access_passes (stream_id, viewer_id)
  WHERE revoked_at IS NULL;
