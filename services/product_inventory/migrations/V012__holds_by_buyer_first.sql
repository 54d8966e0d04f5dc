-- holds_live_by_buyer led with product_id, so statements that select a product's holds by
-- product alone (stock_lapse's UPDATE, the stock read's expired-holds sum) could use it as well
-- as holds_active_by_product, and a plan made while the table was small picked it: PL/pgSQL
-- keeps a generic plan for the life of the connection, so every Reserve batch then walked
-- every live hold of the product to find the expired ones, and a hot product slowed down with
-- each hold it granted (found by the gRPC flash-sale bench: 23 ms of a 29 ms batch). Leading
-- with buyer_id leaves the index to the per-buyer lookups it exists for (limits), and leaves
-- the product-only statements one index to choose, the one ordered by expiry.
DROP INDEX holds_live_by_buyer;
CREATE INDEX holds_live_by_buyer ON holds (buyer_id, product_id)
  WHERE state IN ('active', 'committed');
