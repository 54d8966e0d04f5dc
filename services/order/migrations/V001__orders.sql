-- Orders, their lines, the buyers' idempotency keys and per-stream sold-unit counters.
-- Money is integer minor units; one currency per order. Status and reason columns hold the
-- shopcast.order.v1 enum numbers.

CREATE TABLE orders (
  id text PRIMARY KEY,
  buyer_id text NOT NULL,
  seller_id text NOT NULL,
  stream_id text NOT NULL DEFAULT '',
  -- OrderStatus.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 6),
  -- Where the checkout saga stands (checkout/saga_steps.h); 'done' once it has nothing left
  -- to do. Each step is recorded before the next one starts.
  step text NOT NULL,
  -- OrderFailureReason: set on FAILED, and while a compensating step (void, release) runs.
  failure_reason smallint NOT NULL DEFAULT 0,
  cancel_reason smallint NOT NULL DEFAULT 0,
  cancel_note text NOT NULL DEFAULT '',
  cancelled_by text NOT NULL DEFAULT '',
  carrier text NOT NULL DEFAULT '',
  tracking_number text NOT NULL DEFAULT '',
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal_minor bigint NOT NULL CHECK (subtotal_minor >= 0),
  shipping_minor bigint NOT NULL CHECK (shipping_minor >= 0),
  total_minor bigint NOT NULL CHECK (total_minor = subtotal_minor + shipping_minor),
  -- shopcast.order.v1.ShippingAddress as proto JSON; '{}' for access passes.
  shipping_address jsonb NOT NULL,
  -- The buyer's display name from their token at checkout (SaleRecorded, even on resume).
  buyer_display_name text NOT NULL DEFAULT '',
  -- Payment: the pay_ id is the provider's idempotency key for every call of this order.
  payment_id text NOT NULL UNIQUE,
  payment_method_token text NOT NULL,
  payment_provider text NOT NULL,
  -- PaymentStatus as the saga last saw it, and the provider's snapshot.
  payment_status smallint NOT NULL DEFAULT 0,
  provider_reference text NOT NULL DEFAULT '',
  decline_code text NOT NULL DEFAULT '',
  authorized_at timestamptz,
  captured_at timestamptz,
  payment_settled_at timestamptz,
  -- When the provider first answered "pending" (PAYMENT_TIMEOUT after the configured wait).
  pending_since timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  shipped_at timestamptz,
  cancelled_at timestamptz,
  failed_at timestamptz,
  -- Recovery: the replica running the saga holds a lease; a lapsed lease (the process died)
  -- lets any replica resume it, no earlier than resume_after.
  lease_owner text NOT NULL DEFAULT '',
  lease_until timestamptz,
  resume_after timestamptz NOT NULL
);

CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at DESC, id DESC);
CREATE INDEX orders_by_seller ON orders (seller_id, created_at DESC, id DESC);
-- The recovery worker's scan: unfinished sagas only.
CREATE INDEX orders_unfinished ON orders (resume_after) WHERE step <> 'done';

CREATE TABLE order_lines (
  order_id text NOT NULL REFERENCES orders (id),
  line_no int NOT NULL,
  product_id text NOT NULL DEFAULT '',
  reservation_id text NOT NULL DEFAULT '',
  access_stream_id text NOT NULL DEFAULT '',
  auction_id text NOT NULL DEFAULT '',
  stream_id text NOT NULL DEFAULT '',
  title text NOT NULL,
  image_url text NOT NULL DEFAULT '',
  quantity int NOT NULL CHECK (quantity > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  line_total_minor bigint NOT NULL CHECK (line_total_minor = unit_price_minor * quantity),
  -- When the buyer claimed the item (the reservation's created_at): the sale's moment.
  reserved_at timestamptz NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

-- One reservation becomes at most one live order (PI's lock is the real guard; this keeps the
-- order side honest).
CREATE INDEX order_lines_by_reservation ON order_lines (reservation_id);

-- PlaceOrder's idempotency keys, per buyer. Kept 24 h (expires_at); the recovery worker deletes
-- expired ones, and an expired key may be used again for a new order.
CREATE TABLE idempotency_keys (
  buyer_id text NOT NULL,
  key text NOT NULL,
  -- The request without its key, serialized (hex): a retry must send the same request.
  fingerprint text NOT NULL,
  order_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (buyer_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Units sold per product in a stream, for SaleRecorded.stream_units_sold and
-- stream_total_units_sold; bumped in the transaction that confirms the order.
CREATE TABLE stream_product_sales (
  stream_id text NOT NULL,
  product_id text NOT NULL,
  units_sold bigint NOT NULL,
  PRIMARY KEY (stream_id, product_id)
);
