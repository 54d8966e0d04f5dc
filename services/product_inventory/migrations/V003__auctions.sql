-- Live auctions: one row per auction holding its frozen settings and its whole current state
-- (the row PlaceBid, BuyNow, CloseAuction and the closer lock, so a lot's bids are applied one
-- at a time), the visible bid history, and the answers of idempotent requests. Enum columns hold
-- the proto enum numbers (shopcast.product_inventory.v1.AuctionStatus / AuctionOutcome).

CREATE TABLE auctions (
  -- auc_… from a CSPRNG (libs/ids).
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES products (id),
  -- str_… of the product's stream when it started; NULL for a catalogue product.
  stream_id text,
  seller_id text NOT NULL,
  -- OPEN 1, CLOSED 2.
  status smallint NOT NULL CHECK (status IN (1, 2)),
  -- Serialized AuctionSettings as frozen at start: defaults filled in, the effective duration,
  -- the increment table written out (the platform's when the product had none).
  settings bytea NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  started_at timestamptz NOT NULL,
  original_ends_at timestamptz NOT NULL,
  -- Including anti-sniping extensions; the closer claims auctions by it.
  ends_at timestamptz NOT NULL,
  extension_count integer NOT NULL DEFAULT 0,
  -- '' before the first bid. The leader's maximum is hidden from everyone.
  leader_id text NOT NULL DEFAULT '',
  leader_max_minor bigint NOT NULL DEFAULT 0,
  price_minor bigint NOT NULL DEFAULT 0,
  bid_count integer NOT NULL DEFAULT 0,
  -- AuctionOutcome; 0 while open.
  outcome smallint NOT NULL DEFAULT 0 CHECK (outcome BETWEEN 0 AND 5),
  winner_id text NOT NULL DEFAULT '',
  winning_minor bigint NOT NULL DEFAULT 0,
  -- The winner's res_… hold, once the stock area makes one.
  winner_reservation_id text NOT NULL DEFAULT '',
  closed_at timestamptz,
  -- Bumped on every change; room events carry it.
  version bigint NOT NULL CHECK (version >= 1),
  -- StartAuction's retry key, unique per caller.
  started_by text NOT NULL,
  start_key text NOT NULL,
  CONSTRAINT auctions_start_key UNIQUE (started_by, start_key),
  CONSTRAINT auctions_closed_has_time CHECK ((status = 2) = (closed_at IS NOT NULL))
);
-- AUCTION_ALREADY_OPEN: one open auction per product.
CREATE UNIQUE INDEX auctions_open_product_key ON auctions (product_id) WHERE status = 1;
-- The closer: open auctions by end.
CREATE INDEX auctions_due_idx ON auctions (ends_at) WHERE status = 1;
-- ListAuctions: a stream's, newest first.
CREATE INDEX auctions_stream_idx ON auctions (stream_id, started_at DESC, id DESC)
  WHERE stream_id IS NOT NULL;

-- Visible bids (a proxy's automatic ones included), in the order they were placed; amounts
-- never go down along seq.
CREATE TABLE auction_bids (
  id text PRIMARY KEY,
  auction_id text NOT NULL REFERENCES auctions (id),
  -- 1, 2, 3… per auction.
  seq integer NOT NULL CHECK (seq >= 1),
  bidder_id text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  -- Placed by the bidder's proxy (their maximum answering someone else).
  proxy boolean NOT NULL,
  -- This bid moved ends_at.
  extended boolean NOT NULL,
  placed_at timestamptz NOT NULL,
  CONSTRAINT auction_bids_seq UNIQUE (auction_id, seq)
);

-- The answer to an idempotent PlaceBid / BuyNow, per (caller, kind, key): a retry gets the
-- first answer instead of acting twice.
CREATE TABLE auction_requests (
  caller_id text NOT NULL,
  -- 'bid' or 'buy_now'.
  kind text NOT NULL,
  idempotency_key text NOT NULL,
  auction_id text NOT NULL REFERENCES auctions (id),
  -- Serialized PlaceBidResponse / BuyNowResponse.
  response bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (caller_id, kind, idempotency_key)
);
