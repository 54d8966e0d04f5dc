-- Holds that are granted rather than reserved: an auction's winner, a buy-now, an admitted
-- queue ticket, a lottery winner. Each hold records where it came from, and stock_grant_hold
-- makes one such hold inside the caller's transaction (so the hold commits with the caller's
-- own change: an auction's close, a ticket's use, a draw).

-- The proto's ReservationSource numbers: DIRECT 1 (Reserve), QUEUE 2, AUCTION_WIN 3,
-- BUY_NOW 4, LOTTERY 5. Every hold made before this migration came from Reserve.
ALTER TABLE holds
  ADD COLUMN source smallint NOT NULL DEFAULT 1 CHECK (source BETWEEN 1 AND 5),
  -- What granted it: auc_… (AUCTION_WIN, BUY_NOW), qtk_… (QUEUE), the lottery's id (LOTTERY);
  -- NULL for DIRECT.
  ADD COLUMN source_ref text,
  ADD CONSTRAINT holds_source_ref CHECK ((source = 1) = (source_ref IS NULL));

-- Grants one hold of p_quantity units of p_product to p_buyer, at p_unit_price (NULL = the
-- catalogue's price), until p_expires_at, recorded as coming from (p_source, p_source_ref).
-- Lock order as in V002: the stock row, then its holds; expired holds are lapsed first, so
-- their units count as available. With p_check_limit the product's per-user limit applies as
-- for Reserve (live holds and purchases together). Idempotent on (p_buyer, p_key): a retry
-- answers the first hold ('duplicate'), or 'key_mismatch' if that key took another product,
-- quantity or source. Outcomes: granted, duplicate, key_mismatch, not_found, limit
-- (r_remaining = what the buyer may still take), insufficient (r_remaining = units left).
-- Grants ignore a flash sale: their price is the granter's (the hold is not a flash hold).
CREATE FUNCTION stock_grant_hold(p_product text, p_hold_id text, p_buyer text,
                                 p_quantity integer, p_unit_price bigint,
                                 p_expires_at timestamptz, p_source smallint, p_source_ref text,
                                 p_key text, p_check_limit boolean, p_now timestamptz)
RETURNS TABLE (r_outcome text, r_hold_id text, r_quantity integer, r_state text,
               r_unit_price_minor bigint, r_created_at timestamptz, r_expires_at timestamptz,
               r_remaining bigint, r_total bigint, r_held bigint, r_sold bigint,
               r_revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s stock%ROWTYPE;
  h holds%ROWTYPE;
  v_used bigint;
  v_available bigint;
BEGIN
  SELECT * INTO s FROM stock WHERE stock.product_id = p_product FOR UPDATE;
  IF NOT FOUND THEN
    r_outcome := 'not_found'; RETURN NEXT; RETURN;
  END IF;
  IF stock_lapse(p_product, p_now) > 0 THEN
    SELECT * INTO s FROM stock WHERE stock.product_id = p_product;
  END IF;
  r_total := s.total; r_held := s.held; r_sold := s.sold; r_revision := s.revision;

  -- Under the stock row's lock: a concurrent grant with this key has committed or never will
  -- (one with the same key for another product may still race; the unique key decides).
  SELECT * INTO h FROM holds WHERE holds.buyer_id = p_buyer AND holds.idempotency_key = p_key;
  IF FOUND THEN
    IF h.product_id <> p_product OR h.quantity <> p_quantity OR h.source <> p_source
       OR h.source_ref IS DISTINCT FROM p_source_ref THEN
      r_outcome := 'key_mismatch';
    ELSE
      r_outcome := 'duplicate'; r_hold_id := h.id; r_quantity := h.quantity;
      r_state := h.state; r_unit_price_minor := h.unit_price_minor;
      r_created_at := h.created_at; r_expires_at := h.expires_at;
    END IF;
    RETURN NEXT; RETURN;
  END IF;

  IF p_check_limit AND s.per_user_limit > 0 THEN
    SELECT coalesce(sum(holds.quantity), 0) INTO v_used FROM holds
    WHERE holds.product_id = p_product AND holds.buyer_id = p_buyer
      AND (holds.state = 'committed' OR (holds.state = 'active' AND holds.expires_at > p_now))
      AND (s.limit_window_seconds IS NULL
           OR holds.created_at > p_now - make_interval(secs => s.limit_window_seconds));
    IF v_used + p_quantity > s.per_user_limit THEN
      r_outcome := 'limit'; r_remaining := greatest(s.per_user_limit - v_used, 0);
      RETURN NEXT; RETURN;
    END IF;
  END IF;

  v_available := s.total - s.sold - s.held;
  IF p_quantity > v_available THEN
    r_outcome := 'insufficient'; r_remaining := v_available;
    RETURN NEXT; RETURN;
  END IF;

  INSERT INTO holds (id, product_id, buyer_id, quantity, idempotency_key, unit_price_minor,
                     created_at, expires_at, source, source_ref)
  VALUES (p_hold_id, p_product, p_buyer, p_quantity, p_key, p_unit_price, p_now, p_expires_at,
          p_source, p_source_ref);
  -- stock_never_oversold has the last word, checked right here.
  UPDATE stock SET held = held + p_quantity, revision = revision + 1, updated_at = p_now
  WHERE stock.product_id = p_product
  RETURNING stock.total, stock.held, stock.sold, stock.revision
  INTO r_total, r_held, r_sold, r_revision;
  r_outcome := 'granted'; r_hold_id := p_hold_id; r_quantity := p_quantity;
  r_state := 'active'; r_unit_price_minor := p_unit_price;
  r_created_at := p_now; r_expires_at := p_expires_at;
  RETURN NEXT;
END $$;
