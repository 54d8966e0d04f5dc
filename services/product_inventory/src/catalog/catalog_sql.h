#pragma once

// SQL of the catalogue (product_types, product_type_versions, shipping_profiles, products in
// V001). Prepared on every pooled connection under the names in PreparedStatements().

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::catalog::sql {

// Product types.
inline constexpr char kInsertType[] = R"~(
INSERT INTO product_types (id, owner_id, name, archived, version, created_at, updated_at)
VALUES ($1, '', $2, false, 1, $3, $3))~";
inline constexpr char kInsertTypeVersion[] = R"~(
INSERT INTO product_type_versions (product_type_id, version, body, created_at)
VALUES ($1, $2, $3, $4))~";
// The type with its latest schema (or schema version $2 when > 0).
inline constexpr char kSelectType[] = R"~(
SELECT t.archived, t.version, v.version, v.body, ts_to_us(t.created_at), ts_to_us(t.updated_at)
FROM product_types t JOIN product_type_versions v ON v.product_type_id = t.id
WHERE t.id = $1 AND v.version = CASE WHEN $2::bigint > 0 THEN $2::bigint ELSE t.version END)~";
inline constexpr char kLockType[] = R"~(
SELECT version FROM product_types WHERE id = $1 FOR UPDATE)~";
inline constexpr char kUpdateType[] = R"~(
UPDATE product_types SET name = $2, version = $3, updated_at = $4 WHERE id = $1)~";
inline constexpr char kArchiveType[] = R"~(
UPDATE product_types SET archived = true, updated_at = $2 WHERE id = $1 AND NOT archived)~";
// By name, after the cursor's type ('' = from the start).
inline constexpr char kListTypes[] = R"~(
SELECT t.id FROM product_types t
WHERE ($1::boolean OR NOT t.archived)
  AND ($2::text = '' OR (lower(t.name), t.id) > (SELECT lower(name), id FROM product_types
                                                  WHERE id = $2))
ORDER BY lower(t.name), t.id LIMIT $3)~";

// Shipping profiles.
inline constexpr char kInsertProfile[] = R"~(
INSERT INTO shipping_profiles (id, owner_id, name, body, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, 1, $5, $5))~";
inline constexpr char kSelectProfile[] = R"~(
SELECT owner_id, body, version, ts_to_us(created_at), ts_to_us(updated_at)
FROM shipping_profiles WHERE id = $1 AND deleted_at IS NULL)~";
inline constexpr char kLockProfile[] = R"~(
SELECT owner_id, version FROM shipping_profiles WHERE id = $1 AND deleted_at IS NULL FOR UPDATE)~";
inline constexpr char kUpdateProfile[] = R"~(
UPDATE shipping_profiles SET name = $2, body = $3, version = $4, updated_at = $5 WHERE id = $1)~";
inline constexpr char kDeleteProfile[] = R"~(
UPDATE shipping_profiles SET deleted_at = $2 WHERE id = $1)~";
inline constexpr char kProfileInUse[] = R"~(
SELECT 1 FROM products WHERE shipping_profile_id = $1 AND status IN (2, 3) LIMIT 1)~";
inline constexpr char kListProfiles[] = R"~(
SELECT p.id FROM shipping_profiles p
WHERE p.owner_id = $1 AND p.deleted_at IS NULL
  AND ($2::text = '' OR (lower(p.name), p.id) > (SELECT lower(name), id FROM shipping_profiles
                                           WHERE id = $2))
ORDER BY lower(p.name), p.id LIMIT $3)~";

// Products.
inline constexpr char kSelectProductByKey[] = R"~(
SELECT id FROM products WHERE seller_id = $1 AND idempotency_key = $2)~";
inline constexpr char kInsertProduct[] = R"~(
INSERT INTO products (id, seller_id, stream_id, product_type_id, product_type_version, title,
  status, sale_mode, price_minor, currency, shipping_profile_id, body, version,
  idempotency_key, created_at, updated_at)
VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $14))~";
inline constexpr char kSelectProduct[] = R"~(
SELECT seller_id, coalesce(stream_id, ''), status, body, version, ts_to_us(created_at),
  ts_to_us(updated_at)
FROM products WHERE id = $1)~";
inline constexpr char kLockProduct[] = R"~(
SELECT seller_id, coalesce(stream_id, ''), status, body, version, ts_to_us(created_at),
  ts_to_us(updated_at)
FROM products WHERE id = $1 FOR UPDATE)~";
inline constexpr char kUpdateProduct[] = R"~(
UPDATE products SET stream_id = NULLIF($2, ''), product_type_version = $3, title = $4,
  status = $5, sale_mode = $6, price_minor = $7, currency = $8, shipping_profile_id = $9,
  body = $10, version = $11, updated_at = $12,
  archived_at = CASE WHEN $5::smallint = 4 THEN $12 ELSE archived_at END
WHERE id = $1)~";
// Newest first after the cursor (created_at $2, 'infinity' on the first page; id $3); $4 statuses
// anyone sees, $5 the statuses the caller $6 also sees of their own products.
inline constexpr char kListStreamProducts[] = R"~(
SELECT id FROM products
WHERE stream_id = $1 AND (created_at, id) < ($2::timestamptz, $3)
  AND (status = ANY($4::smallint[]) OR (seller_id = $6 AND status = ANY($5::smallint[])))
ORDER BY created_at DESC, id DESC LIMIT $7)~";
inline constexpr char kListMyProducts[] = R"~(
SELECT id FROM products
WHERE seller_id = $1 AND (created_at, id) < ($2::timestamptz, $3)
  AND status = ANY($4::smallint[]) AND ($5::text = '' OR stream_id = $5::text)
ORDER BY created_at DESC, id DESC LIMIT $6)~";

// Product.open_auction_id: the open auction (migrations/V003) of each of the ids in $1, a
// comma-separated list (ids never hold commas).
inline constexpr char kOpenAuctions[] = R"~(
SELECT product_id, id FROM auctions
WHERE status = 1 AND product_id = ANY(string_to_array($1, ',')))~";

// Product.queue: the queue settings (migrations/V007, the queue area's) of each of the ids in
// $1 (as kOpenAuctions) that has a queue: enabled, claim window in seconds, max length.
inline constexpr char kQueues[] = R"~(
SELECT product_id, enabled, claim_seconds, max_length FROM product_queues
WHERE product_id = ANY(string_to_array($1, ',')))~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::catalog::sql
