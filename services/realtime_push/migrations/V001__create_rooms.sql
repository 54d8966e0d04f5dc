-- Rooms and their event logs. A room is a stream's (same id); its log holds every durable room
-- event with a gapless per-room sequence, assigned under the room row's lock. Event bodies are
-- serialized shopcast.realtime_push.v1.RoomEvent messages (sequence and stream id included), so
-- a replay sends exactly the bytes the live subscribers got. Times come from the service's
-- clock except recorded_at, which only retention reads.
CREATE TABLE rooms (
  stream_id text PRIMARY KEY,
  host_id text NOT NULL,
  title text NOT NULL DEFAULT '',
  -- shopcast.common.v1.StreamStatus; the last StreamStatusChanged sent, serialized.
  status smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 5),
  status_event bytea,
  head_seq bigint NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
  opened_at timestamptz NOT NULL,
  closed_at timestamptz
);

CREATE TABLE room_events (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  seq bigint NOT NULL CHECK (seq > 0),
  -- The producer's event id: a repeated Publish of it answers the first sequence.
  event_id text NOT NULL,
  -- The RoomEvent payload's field number (oneof case), to find e.g. recent sales.
  kind smallint NOT NULL,
  event bytea NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, seq),
  CONSTRAINT room_events_event_id_key UNIQUE (stream_id, event_id)
);
CREATE INDEX room_events_kind_idx ON room_events (stream_id, kind, seq DESC);
CREATE INDEX room_events_recorded_at_idx ON room_events (recorded_at);

-- The room's current state, kept by the same transaction that appends an event: what a
-- snapshot (a new viewer, a resync) is drawn from. Cards and auction states are serialized
-- ProductCard / AuctionState messages.
CREATE TABLE room_products (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  product_id text NOT NULL,
  card bytea NOT NULL,
  version bigint NOT NULL DEFAULT 0,
  stock_revision bigint NOT NULL DEFAULT 0,
  -- Display order among pinned products; NULL when not pinned.
  pin_position int,
  added_seq bigint NOT NULL,
  PRIMARY KEY (stream_id, product_id)
);

CREATE TABLE room_auctions (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  auction_id text NOT NULL,
  state bytea NOT NULL,
  version bigint NOT NULL DEFAULT 0,
  open boolean NOT NULL,
  PRIMARY KEY (stream_id, auction_id)
);

-- Chat: every message is also a room event (chat_message) at `seq`; this table answers history,
-- idempotent sends (author, client_message_id) and moderation.
CREATE TABLE chat_messages (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  message_id text NOT NULL,
  seq bigint NOT NULL,
  author_id text NOT NULL,
  client_message_id text NOT NULL,
  -- Serialized ChatMessage as first sent (text, author badge, time).
  message bytea NOT NULL,
  deleted_by text,
  PRIMARY KEY (stream_id, message_id),
  CONSTRAINT chat_messages_client_id_key UNIQUE (stream_id, author_id, client_message_id)
);
CREATE INDEX chat_messages_seq_idx ON chat_messages (stream_id, seq DESC);

CREATE TABLE chat_mutes (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  user_id text NOT NULL,
  -- NULL: until the room closes.
  muted_until timestamptz,
  muted_by text NOT NULL,
  PRIMARY KEY (stream_id, user_id)
);
