-- recording-lifecycle's core (issue 13 §1): moments by host, the integrity of placements, and
-- the events that were refused.

-- The host a marker belongs to (the recording's host once linked; the sale's seller before):
-- ListMoments by host reads this index like markers_by_product.
ALTER TABLE markers ADD COLUMN host_id text NOT NULL DEFAULT '';
CREATE INDEX markers_by_host ON markers (host_id, occurred_at DESC, id DESC)
  WHERE kind IN ('sale', 'auction_sale');

-- A placed marker points into an existing segment of its own recording (segment rows are never
-- deleted: an expired segment keeps its row with tier EXPIRED).
ALTER TABLE markers ADD CONSTRAINT markers_segment_fk
  FOREIGN KEY (recording_id, segment_sequence) REFERENCES segments (recording_id, sequence);

-- Events that could not be applied (a payload redelivery cannot fix): acknowledged so they do
-- not hold back the stream's later events, applied not at all, and kept here with the reason.
CREATE TABLE rejected_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  source text NOT NULL,
  aggregate_id text NOT NULL,
  -- Machine-readable, e.g. SEGMENT_PATH_INVALID.
  reason text NOT NULL,
  message text NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE INDEX rejected_events_by_time ON rejected_events (received_at DESC);
