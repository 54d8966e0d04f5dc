-- The simulated payment provider's own books (services/order/src/payments). They stand in for
-- the records a card processor keeps on its side, so nothing of the order tables is referenced:
-- the order saga learns the provider's view only through the PaymentProvider interface, as it
-- would with a real one. Every table carries the provider_ prefix.

-- One row per payment id the provider has seen: its current state and running amounts.
-- A tombstone is a payment voided before the provider ever saw its authorization (the saga
-- gave up on a timed-out call): a later authorization for that id finds it and takes nothing.
CREATE TABLE provider_payments (
  payment_id      text PRIMARY KEY CHECK (length(payment_id) BETWEEN 1 AND 64),
  reference       text NOT NULL CONSTRAINT provider_payments_reference_unique UNIQUE,
  tombstone       boolean NOT NULL DEFAULT false,
  order_id        text NOT NULL,
  buyer_id        text NOT NULL,
  method_token    text NOT NULL,
  state           text NOT NULL
                  CHECK (state IN ('pending', 'authorized', 'declined', 'captured', 'voided',
                                   'refunded')),
  amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
  currency        text NOT NULL,
  captured_minor  bigint NOT NULL DEFAULT 0,
  refunded_minor  bigint NOT NULL DEFAULT 0,
  decline_code    text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL,
  authorized_at   timestamptz,
  captured_at     timestamptz,
  settled_at      timestamptz,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT provider_payments_captured_range
    CHECK (captured_minor >= 0 AND captured_minor <= amount_minor),
  CONSTRAINT provider_payments_refunded_range
    CHECK (refunded_minor >= 0 AND refunded_minor <= captured_minor),
  -- Money is only ever taken in full (captured_minor = amount_minor) while captured or later.
  CONSTRAINT provider_payments_captured_state
    CHECK ((state IN ('captured', 'refunded')) = (captured_minor > 0)),
  CONSTRAINT provider_payments_tombstone_state
    CHECK (NOT tombstone OR (state = 'voided' AND amount_minor = 0))
);

-- Append-only: every movement of the payment, in order. Totals() sums captures and refunds
-- here, not the running amounts above, so the fault test checks the books against the orders.
CREATE TABLE provider_ledger_entries (
  entry_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id    text NOT NULL REFERENCES provider_payments (payment_id),
  kind          text NOT NULL
                CHECK (kind IN ('authorize', 'decline', 'capture', 'void', 'refund')),
  amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
  currency      text NOT NULL,
  refund_id     text CHECK (length(refund_id) BETWEEN 1 AND 64),
  at            timestamptz NOT NULL,
  CONSTRAINT provider_ledger_refund_id CHECK ((kind = 'refund') = (refund_id IS NOT NULL)),
  CONSTRAINT provider_ledger_refund_once UNIQUE (payment_id, refund_id)
);

-- At most one authorization, decline, capture and void per payment, whatever the code above
-- it does: the last line of "never charged twice".
CREATE UNIQUE INDEX provider_ledger_once_per_kind
  ON provider_ledger_entries (payment_id, kind) WHERE kind <> 'refund';

-- Totals() by currency.
CREATE INDEX provider_ledger_by_kind ON provider_ledger_entries (kind, currency);

CREATE FUNCTION provider_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'provider_ledger_entries is append-only' USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER provider_ledger_no_change
  BEFORE UPDATE OR DELETE ON provider_ledger_entries
  FOR EACH ROW EXECUTE FUNCTION provider_ledger_append_only();
