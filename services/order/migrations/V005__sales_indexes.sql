-- Per-stream sales (GetStreamSales, GetSellerStats; src/sales). A line is sold in the stream it
-- names: the gated stream of an access pass, else the stream its product was sold in (''
-- for catalog sales). Kept as a stored column so one index serves both kinds of line.
ALTER TABLE order_lines
  ADD COLUMN sale_stream_id text NOT NULL
    GENERATED ALWAYS AS (CASE WHEN access_stream_id <> '' THEN access_stream_id
                              ELSE stream_id END) STORED;

-- A stream's sales, newest claim first (the GetStreamSales page walks it in order), and every
-- per-stream aggregate (totals, products, minutes) reads the stream's lines through it.
CREATE INDEX order_lines_by_sale_stream
  ON order_lines (sale_stream_id, reserved_at DESC, order_id DESC, line_no DESC);

-- A seller's sales by confirmation time (GetSellerStats' [from, to) window); orders that never
-- became a sale are left out of the index.
CREATE INDEX orders_sales_by_seller
  ON orders (seller_id, confirmed_at) WHERE confirmed_at IS NOT NULL;
