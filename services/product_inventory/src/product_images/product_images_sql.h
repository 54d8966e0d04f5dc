#pragma once

// The product_images area's SQL (migrations V005, V011), as named constants.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::product_images::sql {

// The images of several products ($1 text[]), in display order.
inline constexpr char kSelectImages[] = R"~(
SELECT product_id, id, body, ts_to_us(created_at) FROM product_images
WHERE product_id = ANY($1::text[]) ORDER BY product_id, position)~";

inline constexpr char kCountImages[] = R"~(
SELECT count(*) FROM product_images WHERE product_id = $1)~";

// Makes room at position $2 (the unique position constraint is deferred to the commit).
inline constexpr char kShiftUp[] = R"~(
UPDATE product_images SET position = position + 1 WHERE product_id = $1 AND position >= $2)~";

inline constexpr char kInsertImage[] = R"~(
INSERT INTO product_images (id, product_id, position, width, height, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7))~";

// The body names the renditions whose files go after the commit.
inline constexpr char kDeleteImage[] = R"~(
DELETE FROM product_images WHERE product_id = $1 AND id = $2 RETURNING position, body)~";

// Closes the gap a deleted image left at position $2.
inline constexpr char kShiftDown[] = R"~(
UPDATE product_images SET position = position - 1 WHERE product_id = $1 AND position > $2)~";

// An image change is a change of the product: its version moves, so optimistic writers and
// clients comparing versions see it.
inline constexpr char kBumpProduct[] = R"~(
UPDATE products SET version = version + 1, updated_at = $2 WHERE id = $1)~";

// Which of the rendition keys $1 (text[]) some row references (migration V011's generated
// column and its GIN index); the rendition collector's question.
inline constexpr char kReferencedKeys[] = R"~(
SELECT DISTINCT k FROM product_images, unnest(rendition_keys) AS k
WHERE rendition_keys && $1::text[] AND k = ANY($1::text[]))~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::product_images::sql
