-- The order service's sales per stream (order.sale_recorded, order.sale_cancelled), for the
-- host's RoomStats, and notifications to one user that wait for that user's contact details.

-- One row per sale event (an order line). A cancellation marks the order's rows, so a stream's
-- figures are sums over the rows still counted: a redelivered event changes nothing (the
-- consumer's dedupe mark, and the event id as key), and a sale recorded after its room closed
-- still counts.
CREATE TABLE room_sales (
  event_id text PRIMARY KEY,
  stream_id text NOT NULL,
  order_id text NOT NULL,
  product_id text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  currency text NOT NULL,
  sold_at timestamptz NOT NULL,
  cancelled_at timestamptz
);
CREATE INDEX room_sales_stream_idx ON room_sales (stream_id) WHERE cancelled_at IS NULL;
CREATE INDEX room_sales_order_idx ON room_sales (order_id);

-- A notification for one user (SALE_MADE, ORDER_UPDATE), queued in the event's transaction. A
-- background worker reads the user's contact (e-mail, preferences) from the user service and
-- then, in one transaction, writes the inbox entry (and e-mail) the preference allows and marks
-- the job done. next_attempt_at doubles as the lease of the worker holding it.
CREATE TABLE notification_personal (
  user_id text NOT NULL,
  dedupe_key text NOT NULL,
  -- The user.v1.NotificationPreferences flag that governs it.
  preference text NOT NULL,
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 8),
  title text NOT NULL,
  body text NOT NULL,
  stream_id text NOT NULL DEFAULT '',
  product_id text NOT NULL DEFAULT '',
  auction_id text NOT NULL DEFAULT '',
  order_id text NOT NULL DEFAULT '',
  link text NOT NULL DEFAULT '',
  failures integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  -- 'delivered' (inbox entry created or already there), 'declined' (preference off),
  -- 'no_user' (unknown or deleted account).
  outcome text,
  next_attempt_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  done_at timestamptz,
  PRIMARY KEY (user_id, dedupe_key)
);
CREATE INDEX notification_personal_due_idx ON notification_personal (next_attempt_at)
  WHERE done_at IS NULL;
