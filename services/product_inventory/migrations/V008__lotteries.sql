-- Lottery drops: one row per lottery with its settings, its secret seed and commitment and,
-- once drawn, its audit record; one row per entry, in entry order (seq), which also records
-- each winner's rank and hold. Enum columns hold proto numbers where noted.
--
-- Lock order: the lottery row, then the product's stock row (StartLottery, the draw). Entries
-- take the lottery row FOR SHARE and the draw FOR UPDATE, so the draw sees every entry that
-- got in before it, and none after.

-- Entry order across all lotteries; within a lottery, entries sorted by it are the list the
-- draw shuffles.
CREATE SEQUENCE lottery_entry_seq;

CREATE TABLE lotteries (
  -- lot_… from a CSPRNG (libs/ids).
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES products (id),
  -- str_… of the product's stream at start; NULL for a catalogue product.
  stream_id text,
  seller_id text NOT NULL,
  -- 1 running (scheduled, open or due: the window tells), 2 drawn.
  status smallint NOT NULL CHECK (status IN (1, 2)),
  -- Units taken out of the product's stock total at start, given back at the draw.
  units integer NOT NULL CHECK (units BETWEEN 1 AND 10000),
  -- Each winner's hold costs this (the product's price at start).
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  opens_at timestamptz NOT NULL,
  closes_at timestamptz NOT NULL,
  winner_hold_seconds integer NOT NULL CHECK (winner_hold_seconds BETWEEN 300 AND 86400),
  -- 32 CSPRNG bytes; never shown before status 2.
  seed bytea NOT NULL CHECK (length(seed) = 32),
  -- SHA-256(seed), public from the start.
  commitment bytea NOT NULL CHECK (length(commitment) = 32),
  -- Set by the draw: the entrants it used, their digest, the winners drawn and when.
  entrant_count integer,
  entrants_digest bytea,
  winner_count integer,
  drawn_at timestamptz,
  -- Bumped on every change of the row (entries do not change it).
  version bigint NOT NULL CHECK (version >= 1),
  created_at timestamptz NOT NULL,
  -- StartLottery's retry key, unique per caller.
  started_by text NOT NULL,
  start_key text NOT NULL,
  CONSTRAINT lotteries_start_key UNIQUE (started_by, start_key),
  CONSTRAINT lotteries_window CHECK (closes_at > opens_at),
  CONSTRAINT lotteries_drawn_complete CHECK (
    (status = 1 AND drawn_at IS NULL AND entrants_digest IS NULL AND winner_count IS NULL
     AND entrant_count IS NULL)
    OR (status = 2 AND drawn_at IS NOT NULL AND entrants_digest IS NOT NULL
        AND winner_count BETWEEN 0 AND units AND entrant_count >= winner_count))
);
-- LOTTERY_ALREADY_RUNNING: one running lottery per product.
CREATE UNIQUE INDEX lotteries_running_product_key ON lotteries (product_id) WHERE status = 1;
-- The drawer: running lotteries by the end of their window.
CREATE INDEX lotteries_due_idx ON lotteries (closes_at) WHERE status = 1;
-- ListLotteries: a stream's, newest first.
CREATE INDEX lotteries_stream_idx ON lotteries (stream_id, created_at DESC, id DESC)
  WHERE stream_id IS NOT NULL;

CREATE TABLE lottery_entries (
  lottery_id text NOT NULL REFERENCES lotteries (id),
  user_id text NOT NULL,
  -- Entry order (lottery_entry_seq).
  seq bigint NOT NULL DEFAULT nextval('lottery_entry_seq'),
  entered_at timestamptz NOT NULL,
  -- Set by the draw for winners: 1 = drawn first, and the res_… hold ('' when no stock area
  -- granted one).
  winner_rank integer CHECK (winner_rank >= 1),
  reservation_id text,
  -- Once per user.
  PRIMARY KEY (lottery_id, user_id),
  CONSTRAINT lottery_entries_rank UNIQUE (lottery_id, winner_rank)
);
CREATE INDEX lottery_entries_order_idx ON lottery_entries (lottery_id, seq);
