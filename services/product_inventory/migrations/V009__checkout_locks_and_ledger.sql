-- Checkout locks (the order service pins a hold while payment runs) and the AdjustStock ledger
-- (a retried restock is applied once).
--
-- A checkout lock keeps the hold 'active': locking pushes expires_at out to the lock's end
-- when the hold would lapse sooner, so stock_lapse, the limits and every read keep working
-- unchanged; checkout_order_id and lock_expires_at say who locked it until when. While the
-- lock is live only that order may commit or release the hold, and the buyer cannot release
-- it; once it lapses the hold is an ordinary one again (and expires at expires_at).

ALTER TABLE holds
  ADD COLUMN checkout_order_id text,
  ADD COLUMN lock_expires_at timestamptz,
  ADD CONSTRAINT holds_lock_complete CHECK ((checkout_order_id IS NULL) = (lock_expires_at IS NULL));

-- Locks an active hold for p_order until p_until. Outcome: locked (now, or again by the same
-- order: the lock is extended to p_until if later), in_checkout (another order's lock is
-- live), expired, released, committed (sold already: to p_order or to another order, see
-- r_order), not_found.
CREATE FUNCTION stock_lock_checkout(p_hold text, p_order text, p_until timestamptz,
                                    p_now timestamptz)
RETURNS TABLE (r_outcome text, r_order text)
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
  r_order := h.order_id;
  IF h.state IN ('committed', 'returned') THEN
    r_outcome := 'committed';
  ELSIF h.state = 'released' THEN
    r_outcome := 'released';
  ELSIF h.state = 'expired' OR h.expires_at <= p_now THEN
    PERFORM stock_lapse(v_product, p_now);
    r_outcome := 'expired';
  ELSIF h.checkout_order_id IS DISTINCT FROM p_order AND h.lock_expires_at > p_now THEN
    r_outcome := 'in_checkout'; r_order := h.checkout_order_id;
  ELSE
    UPDATE holds
    SET checkout_order_id = p_order,
        lock_expires_at = CASE WHEN h.checkout_order_id = p_order
                               THEN greatest(h.lock_expires_at, p_until) ELSE p_until END,
        expires_at = greatest(h.expires_at, p_until)
    WHERE holds.id = p_hold;
    r_outcome := 'locked'; r_order := p_order;
  END IF;
  RETURN NEXT;
END $$;

-- V002's stock_commit, refusing while another order's checkout lock is live (outcome
-- in_checkout).
CREATE OR REPLACE FUNCTION stock_commit(p_hold text, p_order text, p_now timestamptz)
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
  ELSIF h.checkout_order_id IS DISTINCT FROM p_order AND h.lock_expires_at > p_now THEN
    r_outcome := 'in_checkout';
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

-- Replaces V002's stock_release(hold, buyer, now): ends an active hold early, by its buyer
-- (p_buyer) or for an order (p_buyer NULL, p_order the order giving it back). Outcomes as
-- before (released, already_settled, committed, not_owner, not_found) plus in_checkout: the
-- buyer, or another order, while an order's checkout lock is live.
DROP FUNCTION stock_release(text, text, timestamptz);
CREATE FUNCTION stock_release(p_hold text, p_buyer text, p_order text, p_now timestamptz)
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
  ELSIF h.expires_at > p_now AND h.lock_expires_at > p_now
        AND (p_buyer IS NOT NULL OR h.checkout_order_id IS DISTINCT FROM p_order) THEN
    r_outcome := 'in_checkout';
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

-- AdjustStock's ledger: every applied change, keyed by who asked and their idempotency key, so
-- a retry finds its first answer instead of restocking twice.
CREATE TABLE stock_adjustments (
  actor_id text NOT NULL,
  idempotency_key text NOT NULL,
  product_id text NOT NULL,
  delta bigint NOT NULL CHECK (delta <> 0),
  note text NOT NULL DEFAULT '',
  -- The stock's total and revision right after the change.
  total_after bigint NOT NULL,
  revision_after bigint NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (actor_id, idempotency_key)
);
CREATE INDEX stock_adjustments_product_idx ON stock_adjustments (product_id, created_at);
