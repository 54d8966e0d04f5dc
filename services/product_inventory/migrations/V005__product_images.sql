-- Product images: one row per uploaded photo. The renditions themselves live outside the
-- database in the content-addressed rendition store (files named by their SHA-256), so a row
-- only names them; `body` is a serialized shopcast.product_inventory.v1.ProductImage (sizes,
-- formats, keys; no URLs, which come from configuration when read). A row is written in the
-- same transaction that bumps the product's version, so the list and the version always agree.
CREATE TABLE product_images (
  -- img_… from a CSPRNG (libs/ids).
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES products (id),
  -- Display order, 0 first; dense after every change (the service renumbers).
  position integer NOT NULL CHECK (position >= 0),
  width integer NOT NULL CHECK (width > 0),
  height integer NOT NULL CHECK (height > 0),
  body bytea NOT NULL,
  created_at timestamptz NOT NULL,
  -- Deferred so a renumbering UPDATE can pass through duplicate positions within a statement.
  CONSTRAINT product_images_position_key UNIQUE (product_id, position) DEFERRABLE INITIALLY DEFERRED
);
