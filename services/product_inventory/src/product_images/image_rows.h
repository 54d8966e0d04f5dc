#pragma once

// Product.images from the product_images table: the catalogue's ImageHooks. A row's body names
// its renditions by key; the URLs are made here from the configured prefix, so moving the
// images behind another host or CDN changes no stored row.

#include <map>
#include <string>
#include <vector>

#include "common/hooks.h"

namespace shopcast::product_inventory::product_images {

class ImageRows final : public ImageHooks {
 public:
  // `url_prefix` + key is a rendition's URL (e.g. "https://img.example/i/" or "/images/").
  explicit ImageRows(std::string url_prefix) : url_prefix_(std::move(url_prefix)) {}

  absl::StatusOr<std::map<std::string, std::vector<v1::ProductImage>>> ReadImages(
      pqxx::work& tx, const std::vector<std::string>& product_ids) override;

  // One product's images, in order.
  absl::StatusOr<std::vector<v1::ProductImage>> ReadOne(pqxx::work& tx,
                                                        const std::string& product_id);

  // Sets every rendition's url from its key.
  void FillUrls(v1::ProductImage& image) const;

 private:
  const std::string url_prefix_;
};

}  // namespace shopcast::product_inventory::product_images
