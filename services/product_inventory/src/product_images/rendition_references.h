#pragma once

// The rendition collector's question on PostgreSQL: which rendition files do product_images
// rows reference (migration V011's rendition_keys, generated from each row's body).

#include "images/rendition_gc.h"
#include "shopcast/db/pool.h"

namespace shopcast::product_inventory::product_images {

class PgRenditionReferences final : public images::RenditionReferences {
 public:
  // `pool` (with the area's prepared statements) outlives this.
  explicit PgRenditionReferences(db::Pool& pool) : pool_(pool) {}

  // One short transaction per call, so each call sees every commit made before it.
  absl::StatusOr<absl::flat_hash_set<std::string>> Referenced(
      const std::vector<std::string>& keys) override;

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::product_inventory::product_images
