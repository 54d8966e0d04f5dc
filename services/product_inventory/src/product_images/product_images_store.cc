#include "product_images/product_images_store.h"

#include <pqxx/binarystring>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/details.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::product_images {
namespace {

bool IsAdmin(const auth::Caller& caller) { return caller.role == auth::Role::kAdmin; }

}  // namespace

ProductImagesStore::ProductImagesStore(db::Pool& pool, catalog::CatalogStore& catalog,
                                       ImageRows& rows,
                                       std::function<std::string(absl::string_view)> new_id,
                                       int max_per_product)
    : pool_(pool),
      catalog_(catalog),
      rows_(rows),
      new_id_(std::move(new_id)),
      max_per_product_(max_per_product) {}

absl::StatusOr<v1::Product> ProductImagesStore::LockOwned(pqxx::work& tx,
                                                          const auth::Caller& caller,
                                                          const std::string& product_id,
                                                          int64_t expected_version) {
  ASSIGN_OR_RETURN(std::optional<v1::Product> found, catalog_.LockProduct(tx, product_id));
  const bool owner = found.has_value() && (found->seller_id() == caller.user_id || IsAdmin(caller));
  // Another host's draft is as invisible here as in GetProduct.
  if (!found.has_value() || (found->status() == v1::PRODUCT_STATUS_DRAFT && !owner)) {
    return NotFound("PRODUCT_NOT_FOUND", "no such product");
  }
  if (!owner) return PermissionDenied("NOT_PRODUCT_OWNER", "the product is another host's");
  if (expected_version > 0 && expected_version != found->version()) {
    absl::Status s = Error(absl::StatusCode::kAborted, "VERSION_MISMATCH",
                           "the product changed since it was read; the current one is in the "
                           "details");
    AttachDetail(s, found->GetDescriptor()->full_name(), found->SerializeAsString());
    return s;
  }
  if (found->status() == v1::PRODUCT_STATUS_ARCHIVED) {
    return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_ARCHIVED",
                 "an archived product cannot change");
  }
  return *std::move(found);
}

absl::Status ProductImagesStore::CheckRoom(pqxx::work& tx, const std::string& product_id) {
  const int64_t count = tx.exec_prepared1("pi_img_count", product_id)[0].as<int64_t>();
  if (count >= max_per_product_) {
    return Error(absl::StatusCode::kFailedPrecondition, "TOO_MANY_IMAGES",
                 absl::StrCat("a product has at most ", max_per_product_, " images"), "image");
  }
  return absl::OkStatus();
}

absl::Status ProductImagesStore::CheckCanAdd(const auth::Caller& caller,
                                             const std::string& product_id,
                                             int64_t expected_version) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(LockOwned(tx, caller, product_id, expected_version).status());
    return CheckRoom(tx, product_id);
  });
}

absl::StatusOr<ImageList> ProductImagesStore::Finish(pqxx::work& tx, const std::string& product_id,
                                                     absl::Time now) {
  tx.exec_prepared0("pi_img_bump_product", product_id, PgTime(now));
  ASSIGN_OR_RETURN(std::optional<v1::Product> product, catalog_.LockProduct(tx, product_id));
  if (!product.has_value()) return absl::InternalError("locked product vanished");
  catalog::CatalogStore::AnnounceUpdated(tx, *product);
  ImageList out;
  out.images.assign(product->images().begin(), product->images().end());
  out.version = product->version();
  return out;
}

absl::StatusOr<ImageList> ProductImagesStore::AddImage(const auth::Caller& caller,
                                                       const std::string& product_id,
                                                       int64_t expected_version, int position,
                                                       v1::ProductImage image, absl::Time now) {
  now = TruncateToMicros(now);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ImageList> {
    RETURN_IF_ERROR(LockOwned(tx, caller, product_id, expected_version).status());
    RETURN_IF_ERROR(CheckRoom(tx, product_id));
    const int64_t count = tx.exec_prepared1("pi_img_count", product_id)[0].as<int64_t>();
    const int at = position < 0 || position > count ? static_cast<int>(count) : position;
    const std::string id = new_id_("img");
    v1::ProductImage body = image;
    body.clear_id();
    body.clear_position();
    body.clear_created_at();
    for (v1::ImageRendition& r : *body.mutable_renditions()) r.clear_url();
    const std::string bytes = body.SerializeAsString();
    tx.exec_prepared0("pi_img_shift_up", product_id, at);
    tx.exec_prepared0("pi_img_insert", id, product_id, at, image.width(), image.height(),
                      pqxx::binarystring(bytes.data(), bytes.size()), PgTime(now));
    ASSIGN_OR_RETURN(ImageList out, Finish(tx, product_id, now));
    for (const v1::ProductImage& i : out.images) {
      if (i.id() == id) out.added = i;
    }
    return out;
  });
}

absl::StatusOr<ImageList> ProductImagesStore::DeleteImage(const auth::Caller& caller,
                                                          const std::string& product_id,
                                                          const std::string& image_id,
                                                          int64_t expected_version,
                                                          absl::Time now) {
  now = TruncateToMicros(now);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ImageList> {
    RETURN_IF_ERROR(LockOwned(tx, caller, product_id, expected_version).status());
    pqxx::result r = tx.exec_prepared("pi_img_delete", product_id, image_id);
    if (r.empty()) return NotFound("PRODUCT_IMAGE_NOT_FOUND", "the product has no such image");
    v1::ProductImage deleted;
    if (!deleted.ParseFromString(pqxx::binarystring(r[0][1]).str())) {
      return absl::InternalError("product_images body does not parse");
    }
    tx.exec_prepared0("pi_img_shift_down", product_id, r[0][0].as<int>());
    ASSIGN_OR_RETURN(ImageList out, Finish(tx, product_id, now));
    for (const v1::ImageRendition& rendition : deleted.renditions()) {
      out.removed_keys.push_back(rendition.key());
    }
    return out;
  });
}

}  // namespace shopcast::product_inventory::product_images
