-- Live timed metadata (issue 12 §3): what other services announce about a stream (an item sold,
-- a product pinned, a flash sale, an auction closing), as order's and product-inventory's relays
-- deliver it to the EventSink. The replica that holds the stream's live playlist shows each one
-- as an EXT-X-DATERANGE tag (media/date_ranges.h). One row per marker, kept whatever the
-- stream's state: a marker for a stream this service does not know, or one that has ended, is
-- stored but never shown. No foreign key to streams, so a delivery is never refused for order.
CREATE TABLE stream_markers (
  -- The DATERANGE ID, derived from the event (sale:<order>:<product>, pin:<event>, …), so one
  -- announced twice (a flash sale seen in several stock events) is stored once.
  marker_id text PRIMARY KEY,
  event_id text NOT NULL,
  stream_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sale', 'pin', 'flash_sale', 'auction_close')),
  -- START-DATE and END-DATE (NULL: an instant, DURATION=0), on the producers' server clock,
  -- which is the wall clock the playlists' program date times use.
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  -- The X- attributes in the order written: [["X-PRODUCT-ID", "prd_…"], ["X-QUANTITY", 1], …],
  -- values text (neutralised when rendered) or non-negative integers.
  attributes jsonb NOT NULL,
  -- When the producer wrote the event (Event.occurred_at), for the lag metric; and when it
  -- arrived here.
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  CONSTRAINT stream_markers_ends_after_start CHECK (ends_at IS NULL OR ends_at >= starts_at),
  CONSTRAINT stream_markers_attributes_array CHECK (jsonb_typeof(attributes) = 'array')
);

-- What a replica reads for the streams it holds: markers still applying at or after a moment.
CREATE INDEX stream_markers_applying_idx
  ON stream_markers (stream_id, (COALESCE(ends_at, starts_at)));
