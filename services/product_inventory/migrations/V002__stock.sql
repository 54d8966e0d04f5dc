-- Stock, holds (reservations) and the functions that change them.
--
-- Counters: stock.held is the sum of the quantities of holds in state 'active', expired or not;
-- stock.sold the sum of those in state 'committed'. A hold past expires_at is no longer held:
-- every read subtracts such lapsed holds (stock_level), and every writer first turns them into
-- 'expired' under the stock row's lock (stock_lapse), so no sweeper is needed for correctness.
-- The CHECK stock_never_oversold makes overselling impossible whatever the caller does.
--
-- Lock order, everywhere: the stock row (FOR UPDATE), then its holds. Stock rows are keyed by
-- the product's id with no foreign key: the catalogue creates both in one transaction.

CREATE TABLE stock (
  product_id text PRIMARY KEY,
  total bigint NOT NULL CHECK (total BETWEEN 0 AND 1000000),
  held bigint NOT NULL DEFAULT 0,
  sold bigint NOT NULL DEFAULT 0,
  -- Bumped on every change of the counters; clients drop updates older than what they show.
  revision bigint NOT NULL DEFAULT 1,
  hold_seconds integer NOT NULL DEFAULT 300 CHECK (hold_seconds BETWEEN 60 AND 600),
  -- 0 = no limit. Counts the buyer's live holds and committed purchases together.
  per_user_limit integer NOT NULL DEFAULT 0 CHECK (per_user_limit BETWEEN 0 AND 1000),
  -- The limit counts holds created within this many seconds back from now; NULL = ever.
  limit_window_seconds integer CHECK (limit_window_seconds > 0),
  -- Flash sale: when set, the product sells only in [flash_opens_at, flash_closes_at), at
  -- flash_price_minor, at most flash_stock_cap units in all and flash_per_user_cap per buyer
  -- (0 = no cap of its own).
  flash_price_minor bigint CHECK (flash_price_minor > 0),
  flash_currency text,
  flash_stock_cap bigint CHECK (flash_stock_cap > 0),
  flash_per_user_cap integer CHECK (flash_per_user_cap BETWEEN 0 AND 1000),
  flash_opens_at timestamptz,
  flash_closes_at timestamptz,
  -- Units of active or committed flash holds (the part of flash_stock_cap taken).
  flash_taken bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL,
  CONSTRAINT stock_never_oversold CHECK (held >= 0 AND sold >= 0 AND held + sold <= total),
  CONSTRAINT stock_flash_complete CHECK (
    (flash_opens_at IS NULL AND flash_closes_at IS NULL AND flash_price_minor IS NULL
     AND flash_currency IS NULL AND flash_stock_cap IS NULL AND flash_per_user_cap IS NULL)
    OR (flash_opens_at IS NOT NULL AND flash_closes_at > flash_opens_at
        AND flash_price_minor IS NOT NULL AND flash_currency ~ '^[A-Z]{3}$'
        AND flash_stock_cap IS NOT NULL AND flash_per_user_cap IS NOT NULL)),
  CONSTRAINT stock_flash_taken CHECK (flash_taken >= 0)
);

CREATE TABLE holds (
  id text PRIMARY KEY,
  product_id text NOT NULL,
  buyer_id text NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
  idempotency_key text NOT NULL,
  -- active: holds stock until expires_at; released: given back by the buyer; expired: lapsed
  -- (tidied); committed: sold to order_id; returned: a committed sale cancelled, units back.
  state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'released', 'expired', 'committed', 'returned')),
  -- Taken under the product's flash sale, at unit_price_minor.
  flash boolean NOT NULL DEFAULT false,
  unit_price_minor bigint,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  settled_at timestamptz,
  order_id text,
  CONSTRAINT holds_idempotency UNIQUE (buyer_id, idempotency_key)
);
-- Lapsing a product's expired holds, and the sweeper.
CREATE INDEX holds_active_by_product ON holds (product_id, expires_at) WHERE state = 'active';
CREATE INDEX holds_active_by_expiry ON holds (expires_at) WHERE state = 'active';
-- Per-user limits.
CREATE INDEX holds_live_by_buyer ON holds (product_id, buyer_id)
  WHERE state IN ('active', 'committed');

-- Turns the product's holds that expired by p_now into 'expired' and takes them off the
-- counters; returns the units lapsed. Locks the stock row first (a no-op for a caller that
-- holds it already), so the sweeper can call it alone.
CREATE FUNCTION stock_lapse(p_product text, p_now timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_units bigint;
  v_flash bigint;
BEGIN
  PERFORM 1 FROM stock WHERE stock.product_id = p_product FOR UPDATE;
  WITH lapsed AS (
    UPDATE holds SET state = 'expired', settled_at = holds.expires_at
    WHERE holds.product_id = p_product AND holds.state = 'active' AND holds.expires_at <= p_now
    RETURNING holds.quantity, holds.flash)
  SELECT coalesce(sum(quantity), 0), coalesce(sum(quantity) FILTER (WHERE flash), 0)
  INTO v_units, v_flash FROM lapsed;
  IF v_units > 0 THEN
    UPDATE stock SET held = held - v_units, flash_taken = flash_taken - v_flash,
                     revision = revision + 1, updated_at = p_now
    WHERE product_id = p_product;
  END IF;
  RETURN v_units;
END $$;

-- Serves a batch of Reserve requests for one product in one call (one transaction, one
-- commit): lapses expired holds, then answers each request in order, as if they had come one
-- by one. Outcomes: granted, duplicate (same buyer and idempotency key: the first hold),
-- key_mismatch (that key was used for another product or quantity), not_found, not_open,
-- closed, limit (r_remaining = what the buyer may still take), insufficient (r_remaining =
-- units left). Every row also carries the stock after the batch.
CREATE FUNCTION stock_reserve_batch(p_product text, p_now timestamptz, p_hold_ids text[],
                                    p_buyers text[], p_quantities integer[], p_keys text[])
RETURNS TABLE (r_idx integer, r_outcome text, r_hold_id text, r_quantity integer,
               r_state text, r_flash boolean, r_unit_price_minor bigint,
               r_created_at timestamptz, r_expires_at timestamptz, r_remaining bigint,
               r_total bigint, r_held bigint, r_sold bigint, r_revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s stock%ROWTYPE;
  h holds%ROWTYPE;
  v_n integer := coalesce(array_length(p_buyers, 1), 0);
  v_available bigint;
  v_used bigint;
  v_in_sale boolean;
  v_granted bigint := 0;
  v_q integer;
BEGIN
  SELECT * INTO s FROM stock WHERE stock.product_id = p_product FOR UPDATE;
  IF NOT FOUND THEN
    FOR i IN 1 .. v_n LOOP
      r_idx := i; r_outcome := 'not_found';
      RETURN NEXT;
    END LOOP;
    RETURN;
  END IF;
  PERFORM stock_lapse(p_product, p_now);
  SELECT * INTO s FROM stock WHERE stock.product_id = p_product;
  v_available := s.total - s.sold - s.held;
  v_in_sale := s.flash_opens_at IS NOT NULL;

  FOR i IN 1 .. v_n LOOP
    r_idx := i; r_outcome := NULL; r_hold_id := NULL; r_quantity := NULL; r_state := NULL;
    r_flash := NULL; r_unit_price_minor := NULL; r_created_at := NULL; r_expires_at := NULL;
    r_remaining := NULL;
    v_q := p_quantities[i];

    SELECT * INTO h FROM holds
    WHERE holds.buyer_id = p_buyers[i] AND holds.idempotency_key = p_keys[i];
    IF FOUND THEN
      IF h.product_id <> p_product OR h.quantity <> v_q THEN
        r_outcome := 'key_mismatch';
      ELSE
        r_outcome := 'duplicate'; r_hold_id := h.id; r_quantity := h.quantity;
        r_state := h.state; r_flash := h.flash; r_unit_price_minor := h.unit_price_minor;
        r_created_at := h.created_at; r_expires_at := h.expires_at;
      END IF;
    ELSIF v_in_sale AND p_now < s.flash_opens_at THEN
      r_outcome := 'not_open';
    ELSIF v_in_sale AND p_now >= s.flash_closes_at THEN
      r_outcome := 'closed';
    ELSE
      IF s.per_user_limit > 0 THEN
        SELECT coalesce(sum(holds.quantity), 0) INTO v_used FROM holds
        WHERE holds.product_id = p_product AND holds.buyer_id = p_buyers[i]
          AND (holds.state = 'committed'
               OR (holds.state = 'active' AND holds.expires_at > p_now))
          AND (s.limit_window_seconds IS NULL
               OR holds.created_at > p_now - make_interval(secs => s.limit_window_seconds));
        IF v_used + v_q > s.per_user_limit THEN
          r_outcome := 'limit'; r_remaining := greatest(s.per_user_limit - v_used, 0);
        END IF;
      END IF;
      IF r_outcome IS NULL AND v_in_sale AND s.flash_per_user_cap > 0 THEN
        SELECT coalesce(sum(holds.quantity), 0) INTO v_used FROM holds
        WHERE holds.product_id = p_product AND holds.buyer_id = p_buyers[i] AND holds.flash
          AND (holds.state = 'committed'
               OR (holds.state = 'active' AND holds.expires_at > p_now));
        IF v_used + v_q > s.flash_per_user_cap THEN
          r_outcome := 'limit'; r_remaining := greatest(s.flash_per_user_cap - v_used, 0);
        END IF;
      END IF;
      IF r_outcome IS NULL AND v_q > v_available THEN
        r_outcome := 'insufficient'; r_remaining := v_available;
      END IF;
      IF r_outcome IS NULL AND v_in_sale AND v_q > s.flash_stock_cap - s.flash_taken THEN
        r_outcome := 'insufficient';
        r_remaining := greatest(s.flash_stock_cap - s.flash_taken, 0);
      END IF;
      IF r_outcome IS NULL THEN
        r_hold_id := p_hold_ids[i]; r_quantity := v_q; r_state := 'active';
        r_flash := v_in_sale; r_created_at := p_now;
        r_expires_at := p_now + make_interval(secs => s.hold_seconds);
        r_unit_price_minor := CASE WHEN v_in_sale THEN s.flash_price_minor END;
        INSERT INTO holds (id, product_id, buyer_id, quantity, idempotency_key, flash,
                           unit_price_minor, created_at, expires_at)
        VALUES (r_hold_id, p_product, p_buyers[i], v_q, p_keys[i], v_in_sale,
                r_unit_price_minor, p_now, r_expires_at);
        v_available := v_available - v_q;
        v_granted := v_granted + v_q;
        IF v_in_sale THEN s.flash_taken := s.flash_taken + v_q; END IF;
        r_outcome := 'granted';
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;

  IF v_granted > 0 THEN
    -- The last word against overselling is stock_never_oversold, checked right here.
    UPDATE stock SET held = held + v_granted, flash_taken = s.flash_taken,
                     revision = revision + 1, updated_at = p_now
    WHERE stock.product_id = p_product
    RETURNING stock.total, stock.held, stock.sold, stock.revision
    INTO s.total, s.held, s.sold, s.revision;
  END IF;
  -- Rows already returned with RETURN NEXT keep their values, so the stock after the batch
  -- goes in one more row (r_idx 0) that the caller copies onto every answer.
  r_idx := 0; r_outcome := 'stock'; r_hold_id := NULL; r_quantity := NULL; r_state := NULL;
  r_flash := NULL; r_unit_price_minor := NULL; r_created_at := NULL; r_expires_at := NULL;
  r_remaining := NULL;
  r_total := s.total; r_held := s.held; r_sold := s.sold; r_revision := s.revision;
  RETURN NEXT;
END $$;

-- Ends an active hold early, by its buyer (p_buyer) or for an order (p_buyer NULL). Outcome:
-- released, already_settled (released/expired before: nothing to do), committed (refused),
-- not_owner, not_found. A hold found already past expires_at is recorded as expired.
CREATE FUNCTION stock_release(p_hold text, p_buyer text, p_now timestamptz)
RETURNS TABLE (r_outcome text, r_state text)
LANGUAGE plpgsql AS $$
DECLARE
  v_product text;
  h holds%ROWTYPE;
BEGIN
  SELECT holds.product_id INTO v_product FROM holds WHERE holds.id = p_hold;
  IF NOT FOUND THEN
    r_outcome := 'not_found'; RETURN NEXT; RETURN;
  END IF;
  PERFORM 1 FROM stock WHERE stock.product_id = v_product FOR UPDATE;
  SELECT * INTO h FROM holds WHERE holds.id = p_hold FOR UPDATE;
  r_state := h.state;
  IF p_buyer IS NOT NULL AND h.buyer_id <> p_buyer THEN
    r_outcome := 'not_owner';
  ELSIF h.state IN ('committed', 'returned') THEN
    r_outcome := 'committed';
  ELSIF h.state <> 'active' THEN
    r_outcome := 'already_settled';
  ELSE
    r_state := CASE WHEN h.expires_at <= p_now THEN 'expired' ELSE 'released' END;
    UPDATE holds SET state = r_state,
                     settled_at = CASE WHEN r_state = 'expired' THEN h.expires_at ELSE p_now END
    WHERE holds.id = p_hold;
    UPDATE stock SET held = held - h.quantity,
                     flash_taken = flash_taken - CASE WHEN h.flash THEN h.quantity ELSE 0 END,
                     revision = revision + 1, updated_at = p_now
    WHERE stock.product_id = v_product;
    r_outcome := CASE WHEN r_state = 'expired' THEN 'already_settled' ELSE 'released' END;
  END IF;
  RETURN NEXT;
END $$;

-- Sells an active, unexpired hold to p_order. Outcome: committed (now or before, to the same
-- order: idempotent), other_order, expired, released, not_found.
CREATE FUNCTION stock_commit(p_hold text, p_order text, p_now timestamptz)
RETURNS TABLE (r_outcome text, r_state text)
LANGUAGE plpgsql AS $$
DECLARE
  v_product text;
  h holds%ROWTYPE;
BEGIN
  SELECT holds.product_id INTO v_product FROM holds WHERE holds.id = p_hold;
  IF NOT FOUND THEN
    r_outcome := 'not_found'; RETURN NEXT; RETURN;
  END IF;
  PERFORM 1 FROM stock WHERE stock.product_id = v_product FOR UPDATE;
  SELECT * INTO h FROM holds WHERE holds.id = p_hold FOR UPDATE;
  r_state := h.state;
  IF h.state IN ('committed', 'returned') THEN
    r_outcome := CASE WHEN h.order_id = p_order THEN 'committed' ELSE 'other_order' END;
  ELSIF h.state = 'released' THEN
    r_outcome := 'released';
  ELSIF h.state = 'expired' OR h.expires_at <= p_now THEN
    PERFORM stock_lapse(v_product, p_now);
    r_outcome := 'expired'; r_state := 'expired';
  ELSE
    UPDATE holds SET state = 'committed', settled_at = p_now, order_id = p_order
    WHERE holds.id = p_hold;
    UPDATE stock SET held = held - h.quantity, sold = sold + h.quantity,
                     revision = revision + 1, updated_at = p_now
    WHERE stock.product_id = v_product;
    r_outcome := 'committed'; r_state := 'committed';
  END IF;
  RETURN NEXT;
END $$;

-- A committed sale was cancelled: its units go from sold back to available. Outcome: returned
-- (now or before, for the same order: idempotent), other_order, not_committed, not_found.
CREATE FUNCTION stock_return(p_hold text, p_order text, p_now timestamptz)
RETURNS TABLE (r_outcome text, r_state text)
LANGUAGE plpgsql AS $$
DECLARE
  v_product text;
  h holds%ROWTYPE;
BEGIN
  SELECT holds.product_id INTO v_product FROM holds WHERE holds.id = p_hold;
  IF NOT FOUND THEN
    r_outcome := 'not_found'; RETURN NEXT; RETURN;
  END IF;
  PERFORM 1 FROM stock WHERE stock.product_id = v_product FOR UPDATE;
  SELECT * INTO h FROM holds WHERE holds.id = p_hold FOR UPDATE;
  r_state := h.state;
  IF h.state NOT IN ('committed', 'returned') THEN
    r_outcome := 'not_committed';
  ELSIF h.order_id IS DISTINCT FROM p_order THEN
    r_outcome := 'other_order';
  ELSIF h.state = 'returned' THEN
    r_outcome := 'returned';
  ELSE
    UPDATE holds SET state = 'returned' WHERE holds.id = p_hold;
    UPDATE stock SET sold = sold - h.quantity,
                     flash_taken = flash_taken - CASE WHEN h.flash THEN h.quantity ELSE 0 END,
                     revision = revision + 1, updated_at = p_now
    WHERE stock.product_id = v_product;
    r_outcome := 'returned'; r_state := 'returned';
  END IF;
  RETURN NEXT;
END $$;
