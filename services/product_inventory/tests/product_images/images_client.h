#pragma once

// Helpers for the product-image pg tests: an App replica whose images go to a scratch folder,
// a product of the usual host to put them on, upload and read calls, and what was stored.

#include <filesystem>
#include <string>

#include "catalog/catalog_client.h"
#include "images/content_hash.h"
#include "shopcast/testing/temp_dir.h"
#include "test_images.h"

namespace shopcast::product_inventory::testing {

using Stub = pb::ProductInventoryService::Stub;
namespace img = ::shopcast::product_inventory::images;

// Small limits so the bounds are cheap to cross: 64 KiB uploads (transport bound 4 MiB, the
// default), three images a product.
inline constexpr int64_t kTestMaxUpload = 64 * 1024;
inline constexpr int kTestMaxImages = 3;

class ImagesWorld {
 public:
  // `edit` changes the replica's Config after the defaults below; `overrides` are its hooks.
  explicit ImagesWorld(const ConfigEdit& edit = nullptr, const AppOverrides& overrides = {})
      : replica_(f_.AddReplica(
            [this, &edit](Config& c) {
              c.image_root = root_.File("images");
              c.image_url_prefix = "https://img.test/i/";
              c.image_max_upload_bytes = kTestMaxUpload;
              c.image_max_per_product = kTestMaxImages;
              if (edit) edit(c);
            },
            overrides)),
        c_(f_, replica_) {
    type_ = c_.CreateApparelType();
    profile_ = c_.CreateProfile(c_.host());
  }

  AppFixture& f() { return f_; }
  Catalog& c() { return c_; }
  std::filesystem::path root() const { return root_.path() / "images"; }

  // A new product of the usual host (in `stream_id` when set).
  pb::Product NewProduct(const std::string& key, const std::string& stream_id = "") {
    pb::CreateProductRequest req = Catalog::FixedPrice(type_, profile_, key);
    if (!stream_id.empty()) req.mutable_product()->set_stream_id(stream_id);
    auto r = c_.Create(c_.host(), req);
    if (!r.status.ok()) throw std::runtime_error("product: " + r.status.error_message());
    return r.response.product();
  }

  Result<pb::UploadProductImageResponse> Upload(const std::string& token,
                                                const std::string& product_id,
                                                const std::string& bytes,
                                                int64_t expected_version = 0) {
    pb::UploadProductImageRequest req;
    req.set_product_id(product_id);
    req.set_image(bytes);
    req.set_expected_version(expected_version);
    req.set_position(-1);
    return c_.Call(&Stub::UploadProductImage, token, req);
  }

  pb::Product Get(const std::string& product_id) {
    pb::GetProductRequest req;
    req.set_product_id(product_id);
    auto r = c_.Call(&Stub::GetProduct, c_.host(), req);
    if (!r.status.ok()) throw std::runtime_error("get: " + r.status.error_message());
    return r.response.product();
  }

  Result<pb::GetProductImageResponse> Serve(const std::string& key,
                                            const std::string& if_none_match = "") {
    pb::GetProductImageRequest req;
    req.set_key(key);
    req.set_if_none_match(if_none_match);
    return c_.Call(&Stub::GetProductImage, "", req);
  }

  // Files in the rendition store (temporary files included: a failed write must leave none).
  int FileCount() const {
    if (!std::filesystem::exists(root())) return 0;
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root())) {
      if (e.is_regular_file()) ++n;
    }
    return n;
  }

  int64_t Rows() const { return f_.Count("SELECT count(*) FROM product_images"); }

 private:
  shopcast::testing::TempDir root_;
  AppFixture f_;
  Replica& replica_;
  Catalog c_;
  pb::ProductType type_;
  pb::ShippingProfile profile_;
};

}  // namespace shopcast::product_inventory::testing
