-- Access passes to gated streams (PlaceOrder with access_stream_id): the stream a pass order
-- buys, on the order itself ('' for product orders; the line carries it too), so that the
-- database admits at most one live pass order per (buyer, stream): PENDING_PAYMENT (1) or
-- CONFIRMED (2). Two checkouts of one pass racing with different idempotency keys make one
-- order and one charge; once the order FAILED, was CANCELLED or REFUNDED, the buyer may buy
-- again.
ALTER TABLE orders ADD COLUMN access_stream_id text NOT NULL DEFAULT '';

CREATE UNIQUE INDEX orders_one_live_pass ON orders (buyer_id, access_stream_id)
  WHERE access_stream_id <> '' AND status IN (1, 2);
