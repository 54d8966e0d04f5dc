-- Paid access (issue 10 §5). A gated stream is played only with a playback token, which a viewer
-- gets while holding an access pass; the price is what the order service charges for a pass.
-- Ungating keeps the price, so a stream gated again costs what it did.
ALTER TABLE streams
  ADD COLUMN gated boolean NOT NULL DEFAULT false,
  ADD COLUMN access_price_minor bigint,
  ADD COLUMN access_price_currency text,
  ADD CONSTRAINT streams_access_price_whole
    CHECK ((access_price_minor IS NULL) = (access_price_currency IS NULL)),
  ADD CONSTRAINT streams_access_price_valid
    CHECK (access_price_minor IS NULL
           OR (access_price_minor > 0 AND access_price_currency ~ '^[A-Z]{3}$')),
  ADD CONSTRAINT streams_gated_has_price CHECK (NOT gated OR access_price_minor IS NOT NULL);

-- Access passes as the order service reports them (order.access_pass_granted / _revoked), one row
-- per order. A pass is active while granted and not revoked. Revocation is final: a grant of the
-- same order arriving after its revocation (a late duplicate, or the two delivered out of order)
-- never revives it, so a revoked row may exist with no grant yet. No foreign key to streams:
-- a delivery must never be refused for ordering reasons, and stream ids are ours anyway.
CREATE TABLE access_passes (
  order_id text PRIMARY KEY,
  stream_id text NOT NULL,
  viewer_id text NOT NULL,
  granted_at timestamptz,
  revoked_at timestamptz,
  updated_at timestamptz NOT NULL
);

-- GetPlaybackToken and the origin's checks: does (viewer, stream) hold an active pass?
CREATE INDEX access_passes_active_idx ON access_passes (viewer_id, stream_id)
  WHERE granted_at IS NOT NULL AND revoked_at IS NULL;
