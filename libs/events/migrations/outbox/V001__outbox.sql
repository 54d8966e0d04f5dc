-- Transactional outbox: one row per (event, destination), written in the producer's transaction
-- and delivered by shopcast::events::Relay, at least once, in id order per destination.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL,
  destination text NOT NULL,
  type text NOT NULL,
  source text NOT NULL,
  aggregate_id text NOT NULL,
  payload bytea NOT NULL,  -- serialized shopcast.common.v1.Event
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  last_error text,
  UNIQUE (event_id, destination)
);

-- The relay's claim: undelivered rows of one destination in id order.
CREATE INDEX outbox_pending_idx ON outbox (destination, id) WHERE delivered_at IS NULL;
-- Its ordering guard: earlier undelivered rows of the same aggregate.
CREATE INDEX outbox_pending_aggregate_idx ON outbox (destination, aggregate_id, id)
  WHERE delivered_at IS NULL;
-- Purging delivered rows.
CREATE INDEX outbox_delivered_idx ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
