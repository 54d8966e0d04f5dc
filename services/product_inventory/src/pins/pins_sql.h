#pragma once

// SQL of the pins area (pins in V004; streams and products from V001, read only). Prepared on
// every pooled connection under the names in PreparedStatements().

#include <string>
#include <utility>
#include <vector>

namespace shopcast::product_inventory::pins::sql {

// Serializes every change of one stream's pins (and the stream_ended clear) across replicas.
inline constexpr char kLockStream[] = R"~(
SELECT host_id, ended_at IS NOT NULL FROM streams WHERE id = $1 FOR UPDATE)~";
inline constexpr char kSelectPins[] = R"~(
SELECT product_id, ts_to_us(pinned_at) FROM pins WHERE stream_id = $1 ORDER BY position)~";
inline constexpr char kDeletePins[] = R"~(
DELETE FROM pins WHERE stream_id = $1)~";
inline constexpr char kInsertPin[] = R"~(
INSERT INTO pins (stream_id, product_id, position, pinned_at) VALUES ($1, $2, $3, us_to_ts($4)))~";
// The columns the catalogue stores a product in (catalog_sql.h kSelectProduct).
inline constexpr char kSelectProduct[] = R"~(
SELECT seller_id, coalesce(stream_id, ''), status, body, version, ts_to_us(created_at),
  ts_to_us(updated_at)
FROM products WHERE id = $1)~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::product_inventory::pins::sql
