-- The catalogue: product types (admin- or host-managed parameter schemas, kept as data with
-- every schema version), shipping profiles, products, and the streams this service has heard
-- of from video-ingest (stream -> host, for ownership checks). Enum columns hold the proto enum
-- numbers (shopcast.product_inventory.v1.*). Rich, rarely queried parts of a row (parameter
-- schemas, parameters, auction settings, rates) are the serialized proto message in a `body`
-- column: the service is the only reader, and the proto is the documented format. Columns that
-- lists filter or sort on, that constraints need, or that other areas join on are real columns.
-- Outbox (events::OutboxMigrations) and inbox (events::InboxMigrations) tables come from
-- libs/events' own migration sets, applied beside this one.

-- Exact conversions between timestamptz and the microseconds since the epoch the service uses
-- (page cursors).
CREATE FUNCTION us_to_ts(bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT 'epoch'::timestamptz + $1 * interval '1 microsecond' $$;
CREATE FUNCTION ts_to_us(timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;

CREATE TABLE product_types (
  id text PRIMARY KEY,
  -- usr_… of the host who made it; '' for platform types (made by an admin).
  owner_id text NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
  archived boolean NOT NULL DEFAULT false,
  -- The latest schema version (product_type_versions.version).
  version bigint NOT NULL CHECK (version >= 1),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- PRODUCT_TYPE_NAME_TAKEN: unique per owner, case-insensitively.
CREATE UNIQUE INDEX product_types_owner_name_key ON product_types (owner_id, lower(name));

-- Every schema a type ever had: products keep validating against the version they were created
-- with, so a later change never invalidates them. `body` is a serialized ProductType (name,
-- description, parameters, allowed_sale_modes) as of that version.
CREATE TABLE product_type_versions (
  product_type_id text NOT NULL REFERENCES product_types (id),
  version bigint NOT NULL CHECK (version >= 1),
  body bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (product_type_id, version)
);

CREATE TABLE shipping_profiles (
  id text PRIMARY KEY,
  owner_id text NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
  -- Serialized ShippingProfile: origin, handling time, rates (flat or by weight, per region).
  body bytea NOT NULL,
  version bigint NOT NULL CHECK (version >= 1),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Deleted profiles stay for the products (and orders) that referenced them.
  deleted_at timestamptz
);
-- SHIPPING_PROFILE_NAME_TAKEN among the owner's live profiles.
CREATE UNIQUE INDEX shipping_profiles_owner_name_key ON shipping_profiles (owner_id, lower(name))
  WHERE deleted_at IS NULL;
-- ListShippingProfiles: by name.
CREATE INDEX shipping_profiles_owner_idx ON shipping_profiles (owner_id, lower(name), id)
  WHERE deleted_at IS NULL;

-- Streams as video-ingest announces them (stream_created / went_live / ended events).
CREATE TABLE streams (
  id text PRIMARY KEY,
  host_id text NOT NULL,
  -- shopcast.common.v1.StreamStatus.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  ended_at timestamptz,
  updated_at timestamptz NOT NULL
);

CREATE TABLE products (
  -- prd_… from a CSPRNG (libs/ids); a collision is retried by the service.
  id text PRIMARY KEY,
  seller_id text NOT NULL,
  -- str_… the product is shown in; NULL for catalogue products.
  stream_id text,
  product_type_id text NOT NULL REFERENCES product_types (id),
  product_type_version bigint NOT NULL,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
  -- DRAFT 1, LISTED 2, PAUSED 3, ARCHIVED 4.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
  -- FIXED_PRICE 1, AUCTION 2.
  sale_mode smallint NOT NULL CHECK (sale_mode IN (1, 2)),
  -- The fixed price (FIXED_PRICE) or the starting bid (AUCTION), for lists and joins.
  price_minor bigint NOT NULL CHECK (price_minor > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  shipping_profile_id text NOT NULL REFERENCES shipping_profiles (id),
  -- Serialized Product without the read-only parts (stock, queue, open auction): description,
  -- image urls, parameters, price, auction settings, purchase limit, hold duration.
  body bytea NOT NULL,
  -- Optimistic concurrency: bumped on every change of the product's own fields.
  version bigint NOT NULL CHECK (version >= 1),
  -- CreateProduct's retry key, unique per seller.
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  archived_at timestamptz,
  CONSTRAINT products_idempotency_key UNIQUE (seller_id, idempotency_key),
  CONSTRAINT products_archived_has_time CHECK (status <> 4 OR archived_at IS NOT NULL),
  CONSTRAINT products_product_type_version_fkey FOREIGN KEY (product_type_id, product_type_version)
    REFERENCES product_type_versions (product_type_id, version)
);
-- ListStreamProducts: newest first.
CREATE INDEX products_stream_idx ON products (stream_id, created_at DESC, id DESC)
  WHERE stream_id IS NOT NULL;
-- ListMyProducts: newest first.
CREATE INDEX products_seller_idx ON products (seller_id, created_at DESC, id DESC);
-- DeleteShippingProfile's in-use check.
CREATE INDEX products_shipping_profile_idx ON products (shipping_profile_id) WHERE status IN (1, 2, 3);
