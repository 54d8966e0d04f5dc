-- The order lifecycle after checkout (src/lifecycle): CancelOrder, MarkOrderShipped,
-- RefundOrder. A decision (cancel, refund) is recorded with its events in one transaction;
-- the remote work it implies (void or refund at the provider, release or return the stock at
-- product-inventory) is then done step by step under a lease of its own, each step recorded
-- before the next starts, so the recovery worker finishes whatever a dead process left.

ALTER TABLE orders
  -- The remote call that runs next ('' = nothing left): 'void' then 'release' (an unpaid order
  -- cancelled), 'refund' (while order_refunds has rows not yet refunded), 'return_stock' (the
  -- units of a cancelled or fully refunded order go back on sale).
  ADD COLUMN lifecycle_step text NOT NULL DEFAULT ''
    CHECK (lifecycle_step IN ('', 'void', 'release', 'refund', 'return_stock')),
  -- Decided: the order's units go back to product-inventory (ReturnCommittedStock);
  -- stock_returned_at once product-inventory confirmed it.
  ADD COLUMN return_stock boolean NOT NULL DEFAULT false,
  ADD COLUMN stock_returned_at timestamptz,
  -- The lease of the process running the lifecycle work (apart from the saga's lease: the
  -- saga is done, or was taken over, before lifecycle work exists).
  ADD COLUMN lifecycle_lease_owner text NOT NULL DEFAULT '',
  ADD COLUMN lifecycle_lease_until timestamptz,
  ADD COLUMN lifecycle_resume_after timestamptz;

-- The recovery worker's scan: unfinished lifecycle work only.
CREATE INDEX orders_lifecycle_unfinished ON orders (lifecycle_resume_after)
  WHERE lifecycle_step <> '';

-- Every refund of an order, asked for (RefundOrder, or the refund of a paid order's
-- CancelOrder) and then confirmed by the provider (refunded_at). Their amounts never add up
-- to more than the order's total: the order row is locked while one is added.
CREATE TABLE order_refunds (
  order_id text NOT NULL REFERENCES orders (id),
  -- RefundOrder's refund_key (1..64 printable ASCII); '' for CancelOrder's refund (at most
  -- one per order: a cancelled order is never refunded again).
  refund_key text NOT NULL,
  -- The provider's refund id (its idempotency key for this refund), made before the call.
  refund_id text NOT NULL UNIQUE,
  -- RefundOrder's request without its key, serialized (hex): a retry must send the same one.
  fingerprint text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Everything that remained: the order became REFUNDED (or CANCELLED) with it.
  full_refund boolean NOT NULL,
  keep_stock boolean NOT NULL DEFAULT false,
  requested_by text NOT NULL,
  note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  refunded_at timestamptz,
  PRIMARY KEY (order_id, refund_key)
);

CREATE INDEX order_refunds_pending ON order_refunds (order_id, created_at)
  WHERE refunded_at IS NULL;
