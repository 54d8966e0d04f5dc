#pragma once

// A product's image list on PostgreSQL. Each change is one transaction that locks the product
// (through the catalogue), checks the caller owns it, writes the image rows, bumps the product's
// version and enqueues its product_updated room event, so the list, the version and what the
// room is told always agree. The renditions are already in the rendition store when a row is
// written; a transaction that fails leaves them there unreferenced until the rendition
// collector (images/rendition_gc.h) removes them. Files are named by their content, so nothing
// ever points at a wrong file meanwhile.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "catalog/catalog_store.h"
#include "product_images/image_rows.h"
#include "shopcast/auth/caller.h"
#include "shopcast/db/pool.h"

namespace shopcast::product_inventory::product_images {

// The product's images and version after a change.
struct ImageList {
  std::vector<v1::ProductImage> images;
  int64_t version = 0;
  // UploadProductImage: the image added.
  v1::ProductImage added;
  // DeleteProductImage: the deleted image's rendition keys (their files may go after the
  // commit, unless another image shares them).
  std::vector<std::string> removed_keys;
};

class ProductImagesStore {
 public:
  ProductImagesStore(db::Pool& pool, catalog::CatalogStore& catalog, ImageRows& rows,
                     std::function<std::string(absl::string_view)> new_id, int max_per_product);

  // The checks an upload must pass, before the work of decoding it: the product exists, the
  // caller owns it (or is an admin), it is not archived, the version matches (when
  // expected_version > 0) and it has room for one more image. Re-checked by AddImage.
  absl::Status CheckCanAdd(const auth::Caller& caller, const std::string& product_id,
                           int64_t expected_version);

  // Records `image` (renditions with keys, width, height) at `position` (out of range: last).
  absl::StatusOr<ImageList> AddImage(const auth::Caller& caller, const std::string& product_id,
                                     int64_t expected_version, int position, v1::ProductImage image,
                                     absl::Time now);

  // NOT_FOUND/PRODUCT_IMAGE_NOT_FOUND when the product has no such image.
  absl::StatusOr<ImageList> DeleteImage(const auth::Caller& caller, const std::string& product_id,
                                        const std::string& image_id, int64_t expected_version,
                                        absl::Time now);

 private:
  // The product locked, after the owner, version and archive checks.
  absl::StatusOr<v1::Product> LockOwned(pqxx::work& tx, const auth::Caller& caller,
                                        const std::string& product_id, int64_t expected_version);
  absl::Status CheckRoom(pqxx::work& tx, const std::string& product_id);
  // Bumps the version, re-reads the product and announces it.
  absl::StatusOr<ImageList> Finish(pqxx::work& tx, const std::string& product_id, absl::Time now);

  db::Pool& pool_;
  catalog::CatalogStore& catalog_;
  ImageRows& rows_;
  std::function<std::string(absl::string_view)> new_id_;
  const int max_per_product_;
};

}  // namespace shopcast::product_inventory::product_images
