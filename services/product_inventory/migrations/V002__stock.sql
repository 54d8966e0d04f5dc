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
-- Lapsing a product's expired holds; the sweeper skips through it product by product (one
-- index fewer for every Reserve to maintain).
CREATE INDEX holds_active_by_product ON holds (product_id, expires_at) WHERE state = 'active';
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
-- commit), answering each as if they had come one by one in array order. Outcomes: granted,
-- duplicate (same buyer and idempotency key: the first hold), key_mismatch (that key was used
-- for another product or quantity), not_found, not_open, closed, limit (r_remaining = what the
-- buyer may still take), insufficient (r_remaining = units left). A last row (r_idx 0,
-- outcome 'stock') carries the stock after the batch.
--
-- Set-based where it costs: one query finds earlier holds for every (buyer, key), one sums
-- every buyer's units toward the limits, one INSERT writes every granted hold and one UPDATE
-- takes their units. Only the decisions, plain arithmetic, run in order in the loop, and the
-- common path (granted, no limit) touches as few variables as it can: PL/pgSQL assignments
-- are what a hot batch spends its time on after the INSERT.
CREATE FUNCTION stock_reserve_batch(p_product text, p_now timestamptz, p_hold_ids text[],
                                    p_buyers text[], p_quantities integer[], p_keys text[])
RETURNS TABLE (r_idx integer, r_outcome text, r_hold_id text, r_quantity integer,
               r_state text, r_flash boolean, r_unit_price_minor bigint,
               r_created_at timestamptz, r_expires_at timestamptz, r_remaining bigint,
               r_total bigint, r_held bigint, r_sold bigint, r_revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s stock%ROWTYPE;
  v_hold holds%ROWTYPE;
  v_n integer := coalesce(array_length(p_buyers, 1), 0);
  v_size integer[] := ARRAY[greatest(coalesce(array_length(p_buyers, 1), 0), 1)];
  v_in_sale boolean;
  v_limited boolean;
  v_expires timestamptz;
  v_price bigint;
  v_available bigint;
  v_flash_left bigint;
  v_granted bigint := 0;
  v_q integer;
  v_b integer;
  v_f integer;
  -- Per request i: the first request of the batch with the same (buyer, key), the first with
  -- the same buyer (whose slot in v_add counts the buyer's units granted in this batch), and
  -- whether a hold with this (buyer, key) existed before the batch.
  v_first_key integer[];
  v_first_buyer integer[];
  v_existed boolean[];
  -- The buyer's units counting toward the limit and toward the flash sale's per-user cap.
  v_used bigint[];
  v_used_flash bigint[];
  v_add bigint[] := array_fill(0::bigint, v_size);
  v_add_flash bigint[] := array_fill(0::bigint, v_size);
  -- Answers. o_src[i]: the request whose new hold answers request i (itself when granted).
  -- o_* hold fields are only filled for holds that existed before the batch.
  o_outcome text[] := array_fill(NULL::text, v_size);
  o_remaining bigint[] := array_fill(NULL::bigint, v_size);
  o_src integer[] := array_fill(NULL::integer, v_size);
  o_id text[] := array_fill(NULL::text, v_size);
  o_qty integer[] := array_fill(NULL::integer, v_size);
  o_state text[] := array_fill(NULL::text, v_size);
  o_flash boolean[] := array_fill(NULL::boolean, v_size);
  o_price bigint[] := array_fill(NULL::bigint, v_size);
  o_created timestamptz[] := array_fill(NULL::timestamptz, v_size);
  o_expires timestamptz[] := array_fill(NULL::timestamptz, v_size);
BEGIN
  SELECT * INTO s FROM stock WHERE stock.product_id = p_product FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT i, 'not_found'::text, NULL::text, NULL::integer, NULL::text,
                        NULL::boolean, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
                        NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint
                 FROM generate_series(1, v_n) AS i;
    RETURN;
  END IF;
  IF stock_lapse(p_product, p_now) > 0 THEN
    SELECT * INTO s FROM stock WHERE stock.product_id = p_product;
  END IF;
  v_available := s.total - s.sold - s.held;
  v_in_sale := s.flash_opens_at IS NOT NULL;
  v_limited := s.per_user_limit > 0 OR (v_in_sale AND s.flash_per_user_cap > 0);
  v_flash_left := CASE WHEN v_in_sale THEN s.flash_stock_cap - s.flash_taken END;
  v_expires := p_now + make_interval(secs => s.hold_seconds);
  v_price := CASE WHEN v_in_sale THEN s.flash_price_minor END;

  IF v_n = 1 THEN
    -- A lone request (a product nobody else is buying right now): one index probe.
    v_first_key := ARRAY[1];
    v_first_buyer := ARRAY[1];
    v_existed := ARRAY[EXISTS (SELECT 1 FROM holds
                               WHERE holds.buyer_id = p_buyers[1]
                                 AND holds.idempotency_key = p_keys[1])];
  ELSE
    SELECT array_agg(r.first_key ORDER BY r.idx), array_agg(r.first_buyer ORDER BY r.idx),
           array_agg(h.id IS NOT NULL ORDER BY r.idx)
    INTO v_first_key, v_first_buyer, v_existed
    FROM (SELECT u.buyer, u.key, u.idx::integer AS idx,
                 (min(u.idx) OVER (PARTITION BY u.buyer, u.key))::integer AS first_key,
                 (min(u.idx) OVER (PARTITION BY u.buyer))::integer AS first_buyer
          FROM unnest(p_buyers, p_keys) WITH ORDINALITY AS u(buyer, key, idx)) r
    LEFT JOIN holds h ON h.buyer_id = r.buyer AND h.idempotency_key = r.key;
  END IF;

  IF v_limited THEN
    SELECT array_agg(coalesce(t.used, 0) ORDER BY r.idx),
           array_agg(coalesce(t.used_flash, 0) ORDER BY r.idx)
    INTO v_used, v_used_flash
    FROM unnest(p_buyers) WITH ORDINALITY AS r(buyer, idx)
    LEFT JOIN LATERAL (
      SELECT sum(h.quantity) FILTER (
               WHERE s.limit_window_seconds IS NULL
                  OR h.created_at > p_now - make_interval(secs => s.limit_window_seconds))
               AS used,
             sum(h.quantity) FILTER (WHERE h.flash) AS used_flash
      FROM holds h
      WHERE h.product_id = p_product AND h.buyer_id = r.buyer
        AND (h.state = 'committed' OR (h.state = 'active' AND h.expires_at > p_now))) t
    ON true;
  END IF;

  FOR i IN 1 .. v_n LOOP
    v_q := p_quantities[i];
    IF v_existed[i] THEN
      SELECT * INTO v_hold FROM holds
      WHERE holds.buyer_id = p_buyers[i] AND holds.idempotency_key = p_keys[i];
      IF v_hold.product_id <> p_product OR v_hold.quantity <> v_q THEN
        o_outcome[i] := 'key_mismatch';
      ELSE
        o_outcome[i] := 'duplicate'; o_id[i] := v_hold.id; o_qty[i] := v_hold.quantity;
        o_state[i] := v_hold.state; o_flash[i] := v_hold.flash;
        o_price[i] := v_hold.unit_price_minor; o_created[i] := v_hold.created_at;
        o_expires[i] := v_hold.expires_at;
      END IF;
      CONTINUE;
    END IF;
    v_f := v_first_key[i];
    IF v_f < i THEN
      -- The same (buyer, key) earlier in this batch: that request's answer.
      IF o_outcome[v_f] = 'granted' THEN
        IF p_quantities[v_f] <> v_q THEN
          o_outcome[i] := 'key_mismatch';
        ELSE
          o_outcome[i] := 'duplicate'; o_src[i] := v_f;
        END IF;
      ELSE
        o_outcome[i] := o_outcome[v_f]; o_remaining[i] := o_remaining[v_f];
      END IF;
      CONTINUE;
    END IF;
    IF v_in_sale THEN
      IF p_now < s.flash_opens_at THEN
        o_outcome[i] := 'not_open';
        CONTINUE;
      ELSIF p_now >= s.flash_closes_at THEN
        o_outcome[i] := 'closed';
        CONTINUE;
      END IF;
    END IF;
    IF v_limited THEN
      v_b := v_first_buyer[i];
      IF s.per_user_limit > 0 AND v_used[i] + v_add[v_b] + v_q > s.per_user_limit THEN
        o_outcome[i] := 'limit';
        o_remaining[i] := greatest(s.per_user_limit - v_used[i] - v_add[v_b], 0);
        CONTINUE;
      ELSIF v_in_sale AND s.flash_per_user_cap > 0
            AND v_used_flash[i] + v_add_flash[v_b] + v_q > s.flash_per_user_cap THEN
        o_outcome[i] := 'limit';
        o_remaining[i] := greatest(s.flash_per_user_cap - v_used_flash[i] - v_add_flash[v_b], 0);
        CONTINUE;
      END IF;
    END IF;
    IF v_q > v_available THEN
      o_outcome[i] := 'insufficient'; o_remaining[i] := v_available;
    ELSIF v_in_sale AND v_q > v_flash_left THEN
      o_outcome[i] := 'insufficient'; o_remaining[i] := greatest(v_flash_left, 0);
    ELSE
      o_outcome[i] := 'granted'; o_src[i] := i;
      v_available := v_available - v_q;
      v_granted := v_granted + v_q;
      IF v_limited THEN
        v_add[v_b] := v_add[v_b] + v_q;
        IF v_in_sale THEN v_add_flash[v_b] := v_add_flash[v_b] + v_q; END IF;
      END IF;
      IF v_in_sale THEN v_flash_left := v_flash_left - v_q; END IF;
    END IF;
  END LOOP;

  IF v_granted > 0 THEN
    -- unnest walks the arrays once; p_hold_ids[i] on a text[] parameter would walk it from
    -- the start for every i.
    INSERT INTO holds (id, product_id, buyer_id, quantity, idempotency_key, flash,
                       unit_price_minor, created_at, expires_at)
    SELECT u.id, p_product, u.buyer, u.qty, u.key, v_in_sale, v_price, p_now, v_expires
    FROM unnest(p_hold_ids, p_buyers, p_quantities, p_keys, o_src)
         WITH ORDINALITY AS u(id, buyer, qty, key, src, i)
    WHERE u.src = u.i;
    -- The last word against overselling is stock_never_oversold, checked right here.
    UPDATE stock SET held = held + v_granted,
                     flash_taken = flash_taken + CASE WHEN v_in_sale THEN v_granted ELSE 0 END,
                     revision = revision + 1, updated_at = p_now
    WHERE stock.product_id = p_product
    RETURNING stock.total, stock.held, stock.sold, stock.revision
    INTO s.total, s.held, s.sold, s.revision;
  END IF;

  RETURN QUERY
    SELECT u.i::integer, u.outcome,
           CASE WHEN u.src IS NULL THEN o_id[u.i] WHEN u.src = u.i THEN u.id
                ELSE p_hold_ids[u.src] END,
           CASE WHEN u.src IS NULL THEN o_qty[u.i] ELSE u.qty END,
           CASE WHEN u.src IS NULL THEN o_state[u.i] ELSE 'active' END,
           CASE WHEN u.src IS NULL THEN o_flash[u.i] ELSE v_in_sale END,
           CASE WHEN u.src IS NULL THEN o_price[u.i] ELSE v_price END,
           CASE WHEN u.src IS NULL THEN o_created[u.i] ELSE p_now END,
           CASE WHEN u.src IS NULL THEN o_expires[u.i] ELSE v_expires END,
           u.remaining, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint
    FROM unnest(o_outcome, o_src, o_remaining, p_hold_ids, p_quantities)
         WITH ORDINALITY AS u(outcome, src, remaining, id, qty, i)
    WHERE u.i <= v_n
    UNION ALL
    SELECT 0, 'stock', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, s.total, s.held, s.sold,
           s.revision;
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
