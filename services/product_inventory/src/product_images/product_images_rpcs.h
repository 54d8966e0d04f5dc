#pragma once

// The product-image RPCs. An upload is authenticated and checked against the product (owner,
// archive, version, room for one more) before any pixel is decoded; then, still on the service
// executor and never on a gRPC thread, it is decoded and re-encoded by the ImageProcessor, its
// renditions are written to the rendition store, and the row is recorded with the product's
// version bump and room event in one transaction; after the commit the upload makes sure its
// files are still there (the rendition collector may have taken them while no row referenced
// them) and writes them again if not. At most `max_concurrent_uploads` uploads are processed at
// once per replica; more are refused at once (RESOURCE_EXHAUSTED/IMAGE_UPLOADS_BUSY) rather than
// holding executor threads the database work needs.

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "images/image_processor.h"
#include "images/rendition_gc.h"
#include "images/rendition_store.h"
#include "product_images/product_images_store.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory::product_images {

// Points where a test holds or races an upload; empty in production.
struct UploadHooks {
  // With a decoding slot held, just before the decode.
  std::function<void()> decoding;
  // After the renditions are stored (their keys), just before the row's transaction.
  std::function<void(const std::vector<std::string>& keys)> stored;
};

struct ProductImagesOptions {
  // Uploads decoded at once (also the processor's max_concurrent).
  int max_concurrent_uploads = 2;
  // Removes a deleted image's files right after its commit (unless another image shares them);
  // null: they wait for a sweep.
  images::RenditionCollector* collector = nullptr;
  UploadHooks hooks;
};

#define SHOPCAST_PI_IMAGES_RPC(Method)                                 \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class ProductImagesRpcs {
 public:
  // `revoked` may be null.
  ProductImagesRpcs(ProductImagesStore& store, const images::ImageProcessor& processor,
                    images::RenditionStore& renditions, const auth::TokenVerifier& verifier,
                    const auth::RevocationList* revoked, server::Executor& executor,
                    ProductImagesOptions options);

  SHOPCAST_PI_IMAGES_RPC(UploadProductImage);
  SHOPCAST_PI_IMAGES_RPC(DeleteProductImage);
  SHOPCAST_PI_IMAGES_RPC(GetProductImage);

 private:
  absl::Status Upload(const auth::Caller& caller, const v1::UploadProductImageRequest& request,
                      v1::UploadProductImageResponse& response);
  // Takes one of the upload slots; false when all are in use.
  bool TryEnterUpload();
  void LeaveUpload();
  // After the row committed: every rendition file in place, written again where missing.
  void EnsureStored(const images::ProcessedImage& processed);

  ProductImagesStore& store_;
  const images::ImageProcessor& processor_;
  images::RenditionStore& renditions_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
  const ProductImagesOptions options_;
  absl::Mutex mu_;
  int uploads_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

#undef SHOPCAST_PI_IMAGES_RPC

}  // namespace shopcast::product_inventory::product_images
