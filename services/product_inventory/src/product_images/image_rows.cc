#include "product_images/image_rows.h"

#include <pqxx/binarystring>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/pg_time.h"
#include "shopcast/ids/ids.h"

namespace shopcast::product_inventory::product_images {

absl::StatusOr<std::map<std::string, std::vector<v1::ProductImage>>> ImageRows::ReadImages(
    pqxx::work& tx, const std::vector<std::string>& product_ids) {
  std::map<std::string, std::vector<v1::ProductImage>> out;
  std::vector<std::string> valid;
  // Only well-formed ids reach the array literal, so no quoting is needed: an id is letters,
  // digits and one underscore.
  for (const std::string& id : product_ids) {
    if (ids::IsValidId(id, "prd")) valid.push_back(id);
  }
  if (valid.empty()) return out;
  pqxx::result r =
      tx.exec_prepared("pi_img_select", absl::StrCat("{", absl::StrJoin(valid, ","), "}"));
  for (const pqxx::row& row : r) {
    v1::ProductImage image;
    if (!image.ParseFromString(pqxx::binarystring(row[2]).str())) {
      return absl::InternalError("product_images body does not parse");
    }
    image.set_id(row[1].as<std::string>());
    ToProto(FromMicros(row[3].as<int64_t>()), image.mutable_created_at());
    FillUrls(image);
    std::vector<v1::ProductImage>& list = out[row[0].as<std::string>()];
    image.set_position(static_cast<int>(list.size()));
    list.push_back(std::move(image));
  }
  return out;
}

absl::StatusOr<std::vector<v1::ProductImage>> ImageRows::ReadOne(pqxx::work& tx,
                                                                 const std::string& product_id) {
  auto all = ReadImages(tx, {product_id});
  if (!all.ok()) return all.status();
  auto it = all->find(product_id);
  if (it == all->end()) return std::vector<v1::ProductImage>();
  return std::move(it->second);
}

void ImageRows::FillUrls(v1::ProductImage& image) const {
  for (v1::ImageRendition& r : *image.mutable_renditions()) {
    r.set_url(absl::StrCat(url_prefix_, r.key()));
  }
}

}  // namespace shopcast::product_inventory::product_images
