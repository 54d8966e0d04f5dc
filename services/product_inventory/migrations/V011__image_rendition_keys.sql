-- The rendition files a product_images row references, as a column the rendition collector can
-- ask "is this file still referenced?" through an index. It is generated from `body` by the
-- database itself rather than written by the service, so existing rows are covered by this
-- migration and a row written by an older replica during a rolling update is covered too: no
-- row can reference a file without the collector seeing it.
--
-- A key is "<64 lower-case hex>.<webp|jpg>" and is stored as a protobuf string, i.e. its ASCII
-- bytes verbatim inside `body`; encode(…, 'escape') keeps printable ASCII as it is (only NUL,
-- bytes >= 0x80 and backslashes are escaped), so every key is found. Something in `body` that
-- merely looks like a key would only keep a file longer, never delete one.
CREATE FUNCTION product_image_rendition_keys(body bytea) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT m[1]), '{}')
  FROM regexp_matches(encode(body, 'escape'), '([0-9a-f]{64}\.(?:webp|jpg))', 'g') AS m
$$;

ALTER TABLE product_images
  ADD COLUMN rendition_keys text[] GENERATED ALWAYS AS (product_image_rendition_keys(body)) STORED;

CREATE INDEX product_images_rendition_keys ON product_images USING gin (rendition_keys);
