-- The relay's claim on rows it is delivering, held between its two short transactions (claim,
-- then mark) instead of by a transaction open across the sink's call. A claim is a token and an
-- expiry: rows claimed by a relay that died are claimable again once claimed_until passes.
ALTER TABLE outbox
  ADD COLUMN claim_token text,
  ADD COLUMN claimed_until timestamptz;

-- "Is anyone delivering to this destination right now?": only rows in flight are indexed.
CREATE INDEX outbox_claimed_idx ON outbox (destination, claimed_until)
  WHERE delivered_at IS NULL AND claimed_until IS NOT NULL;
