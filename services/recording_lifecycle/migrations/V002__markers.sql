-- Markers: what other services published during a stream that a replay shows in sync with the
-- picture. Sales (order.sale_recorded; auction wins) are the recording's moments (Moment in the
-- contract); pins and auction results are markers too, shown as EXT-X-DATERANGE but not listed
-- as moments. A marker may arrive before its recording or its segment: it is kept by stream and
-- placed (recording_id, media_offset_us) as soon as the segments that cover it are indexed.

CREATE TABLE markers (
  -- mom_… for sales, mrk_… for the others.
  id text PRIMARY KEY,
  -- The event that made it (dedupe: one marker per event).
  event_id text NOT NULL UNIQUE,
  stream_id text NOT NULL,
  -- NULL until the stream's recording exists.
  recording_id text REFERENCES recordings (id),
  -- 'sale', 'auction_sale', 'pin', 'auction_close'.
  kind text NOT NULL CHECK (kind IN ('sale', 'auction_sale', 'pin', 'auction_close')),
  -- Wall-clock server time of the moment (SaleRecorded.moment_at, the pin's or close's time).
  occurred_at timestamptz NOT NULL,
  -- occurred_at mapped through the segments' program date times; NULL until placed.
  media_offset_us bigint CHECK (media_offset_us >= 0),
  -- Sequence of the segment it falls in (or the one it was clamped to); NULL until placed.
  segment_sequence bigint,
  -- True when occurred_at fell in a gap (reconnect) or outside the recording and was clamped.
  clamped boolean NOT NULL DEFAULT false,
  order_id text NOT NULL DEFAULT '',
  product_id text NOT NULL DEFAULT '',
  product_title text NOT NULL DEFAULT '',
  auction_id text NOT NULL DEFAULT '',
  -- Auction result for 'auction_close' ("sold", "bought-now", "no-sale", "cancelled").
  result text NOT NULL DEFAULT '',
  quantity integer NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  amount_minor bigint NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
  currency text NOT NULL DEFAULT '',
  -- order.sale_cancelled arrived for order_id.
  cancelled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
CREATE INDEX markers_by_recording ON markers (recording_id, media_offset_us, id);
CREATE INDEX markers_unplaced ON markers (stream_id) WHERE media_offset_us IS NULL;
CREATE INDEX markers_by_product ON markers (product_id, occurred_at DESC, id DESC)
  WHERE kind IN ('sale', 'auction_sale');
CREATE INDEX markers_by_order ON markers (order_id) WHERE order_id <> '';
