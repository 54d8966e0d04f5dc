-- Money given back to the buyer on an order, as the order service last recorded it from the
-- payment provider (RefundOrder, CancelOrder of a paid order). Revenue figures (GetStreamSales,
-- GetSellerStats) are gross minus this; a full refund also moves the order to REFUNDED.
ALTER TABLE orders
  ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0,
  ADD COLUMN refunded_at timestamptz,
  ADD CONSTRAINT orders_refunded_range CHECK (refunded_minor >= 0 AND refunded_minor <= total_minor);
