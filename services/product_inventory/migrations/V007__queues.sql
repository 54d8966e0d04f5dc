-- Hot-item queues: a product in queue mode sells only through its queue. Buyers take tickets in
-- a strict per-product sequence; the advancer (src/queue/queue_advancer.*) offers free units to
-- the first WAITING tickets as holds (stock_grant_hold, source QUEUE, source_ref the ticket)
-- that lapse after the claim window unless the holder claims them.
--
-- Lock order, everywhere: the product_queues row (FOR UPDATE), then the stock row, then holds
-- and tickets. Enqueue takes the next sequence under the queue row's lock and keeps it until
-- commit, so tickets commit in sequence order and an advancer holding the same lock never
-- offers past a ticket that is still to commit: first in, first out, exactly.

CREATE TABLE product_queues (
  product_id text PRIMARY KEY,
  enabled boolean NOT NULL,
  -- How long an offer's hold waits to be claimed.
  claim_seconds integer NOT NULL CHECK (claim_seconds BETWEEN 10 AND 600),
  -- Most WAITING tickets at once.
  max_length integer NOT NULL CHECK (max_length BETWEEN 1 AND 100000),
  -- The sequence the next ticket takes; never reused, never goes back.
  next_sequence bigint NOT NULL DEFAULT 1 CHECK (next_sequence >= 1),
  -- WAITING tickets now (kept with every change, so the length is one row read).
  waiting bigint NOT NULL DEFAULT 0 CHECK (waiting >= 0),
  -- The length the room was last told (-1 = never), so a coalesced announcement of an
  -- unchanged length is skipped.
  announced_waiting bigint NOT NULL DEFAULT -1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE queue_tickets (
  -- qtk_… from a CSPRNG.
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES product_queues (product_id),
  user_id text NOT NULL,
  sequence bigint NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  -- waiting: in line; offered: hold_id holds offered_quantity units until offered_until;
  -- claimed: the holder kept the hold; lapsed: not claimed in time; left: the holder left;
  -- cancelled: see cancel_reason.
  status text NOT NULL
    CHECK (status IN ('waiting', 'offered', 'claimed', 'lapsed', 'left', 'cancelled')),
  hold_id text,
  offered_quantity integer CHECK (offered_quantity BETWEEN 1 AND 100),
  enqueued_at timestamptz NOT NULL,
  offered_at timestamptz,
  offered_until timestamptz,
  settled_at timestamptz,
  cancel_reason text,
  CONSTRAINT queue_tickets_sequence UNIQUE (product_id, sequence),
  CONSTRAINT queue_tickets_offer_complete CHECK (
    status IN ('waiting', 'cancelled', 'left') OR
    (hold_id IS NOT NULL AND offered_at IS NOT NULL AND offered_until IS NOT NULL))
);
-- One live ticket per user and product; the unique index decides concurrent Enqueues.
CREATE UNIQUE INDEX queue_tickets_one_live ON queue_tickets (product_id, user_id)
  WHERE status IN ('waiting', 'offered');
-- The line, in order; positions count along it.
CREATE INDEX queue_tickets_line ON queue_tickets (product_id, sequence) WHERE status = 'waiting';
-- Offers to lapse, and the advancer's next deadline.
CREATE INDEX queue_tickets_offers ON queue_tickets (product_id, offered_until)
  WHERE status = 'offered';
-- Recent offers, for the estimated wait.
CREATE INDEX queue_tickets_offered_at ON queue_tickets (product_id, offered_at)
  WHERE offered_at IS NOT NULL;
