-- The products pinned in a stream, in display order (position 0 is the most prominent slot).
-- Every change of a stream's pins runs under that stream's row lock (streams ... FOR UPDATE),
-- so the limit (the max_pins flag, which can change between deployments) holds across
-- replicas; the table guards the shape: one slot per product, one product per slot.
CREATE TABLE pins (
  stream_id text NOT NULL REFERENCES streams (id),
  product_id text NOT NULL REFERENCES products (id),
  position integer NOT NULL CHECK (position >= 0),
  pinned_at timestamptz NOT NULL,
  PRIMARY KEY (stream_id, product_id),
  CONSTRAINT pins_stream_position_key UNIQUE (stream_id, position)
);
