#include "product_images/product_images_rpcs.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "images/serving_headers.h"
#include "shopcast/auth/caller.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::product_images {
namespace {

// A malformed id names nothing: NOT_FOUND, as for an unknown one (the catalogue's rule).
absl::Status CheckId(const std::string& id, absl::string_view prefix, absl::string_view field,
                     absl::string_view not_found_reason) {
  if (id.empty()) return InvalidArgument(field, "ID_REQUIRED", absl::StrCat(field, " is required"));
  if (!ids::IsValidId(id, prefix)) return NotFound(not_found_reason, "no such id");
  return absl::OkStatus();
}

}  // namespace

ProductImagesRpcs::ProductImagesRpcs(ProductImagesStore& store,
                                     const images::ImageProcessor& processor,
                                     images::RenditionStore& renditions,
                                     const auth::TokenVerifier& verifier,
                                     const auth::RevocationList* revoked,
                                     server::Executor& executor, ProductImagesOptions options)
    : store_(store),
      processor_(processor),
      renditions_(renditions),
      verifier_(verifier),
      revoked_(revoked),
      executor_(executor),
      options_(options) {}

bool ProductImagesRpcs::TryEnterUpload() {
  absl::MutexLock lock(&mu_);
  if (uploads_in_flight_ >= options_.max_concurrent_uploads) return false;
  ++uploads_in_flight_;
  return true;
}

void ProductImagesRpcs::LeaveUpload() {
  absl::MutexLock lock(&mu_);
  --uploads_in_flight_;
}

absl::Status ProductImagesRpcs::Upload(const auth::Caller& caller,
                                       const v1::UploadProductImageRequest& request,
                                       v1::UploadProductImageResponse& response) {
  RETURN_IF_ERROR(CheckId(request.product_id(), "prd", "product_id", "PRODUCT_NOT_FOUND"));
  // Cheap refusals first: an oversized or empty upload, someone else's product or a full list
  // costs no decoding.
  RETURN_IF_ERROR(processor_.Inspect(request.image()).status());
  RETURN_IF_ERROR(store_.CheckCanAdd(caller, request.product_id(), request.expected_version()));
  if (!TryEnterUpload()) {
    return Error(absl::StatusCode::kResourceExhausted, "IMAGE_UPLOADS_BUSY",
                 "too many uploads are being processed; retry shortly");
  }
  absl::Cleanup leave = [this] { LeaveUpload(); };
  if (options_.hooks.decoding) options_.hooks.decoding();
  ASSIGN_OR_RETURN(images::ProcessedImage processed, processor_.Process(request.image()));
  v1::ProductImage image;
  image.set_width(processed.width);
  image.set_height(processed.height);
  for (const images::Rendition& r : processed.renditions) {
    ASSIGN_OR_RETURN(images::RenditionKey key, renditions_.Put(r.bytes, r.format));
    v1::ImageRendition* out = image.add_renditions();
    out->set_size(r.name);
    out->set_content_type(std::string(images::MimeType(r.format)));
    out->set_width(r.width);
    out->set_height(r.height);
    out->set_key(key.ToString());
  }
  std::move(leave).Invoke();
  if (options_.hooks.stored) {
    std::vector<std::string> keys;
    for (const v1::ImageRendition& r : image.renditions()) keys.push_back(r.key());
    options_.hooks.stored(keys);
  }
  ASSIGN_OR_RETURN(ImageList list,
                   store_.AddImage(caller, request.product_id(), request.expected_version(),
                                   request.position(), std::move(image), absl::Now()));
  EnsureStored(processed);
  *response.mutable_image() = std::move(list.added);
  for (v1::ProductImage& i : list.images) *response.add_images() = std::move(i);
  response.set_version(list.version);
  return absl::OkStatus();
}

void ProductImagesRpcs::EnsureStored(const images::ProcessedImage& processed) {
  for (const images::Rendition& r : processed.renditions) {
    absl::StatusOr<bool> written = renditions_.EnsureStored(r.bytes, r.format);
    const std::string key = images::RenditionKey{r.sha256, r.format}.ToString();
    if (!written.ok()) {
      // The row is committed and the caller is told so (an error would invite a duplicate
      // upload); the missing file is the operator's to see.
      log::Error("image_file_rewrite_failed")
          .Kv("key", key)
          .Kv("code", absl::StatusCodeToString(written.status().code()))
          .Kv("error", std::string(written.status().message()));
    } else if (*written) {
      // A collector took it between the write and the commit: expected now and then.
      log::Info("image_file_rewritten").Kv("key", key);
    }
  }
}

grpc::ServerUnaryReactor* ProductImagesRpcs::UploadProductImage(
    grpc::CallbackServerContext* ctx, const v1::UploadProductImageRequest* request,
    v1::UploadProductImageResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kHost));
    return Upload(caller, *request, *response);
  });
}

grpc::ServerUnaryReactor* ProductImagesRpcs::DeleteProductImage(
    grpc::CallbackServerContext* ctx, const v1::DeleteProductImageRequest* request,
    v1::DeleteProductImageResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kHost));
    RETURN_IF_ERROR(CheckId(request->product_id(), "prd", "product_id", "PRODUCT_NOT_FOUND"));
    RETURN_IF_ERROR(CheckId(request->image_id(), "img", "image_id", "PRODUCT_IMAGE_NOT_FOUND"));
    ASSIGN_OR_RETURN(ImageList list,
                     store_.DeleteImage(caller, request->product_id(), request->image_id(),
                                        request->expected_version(), absl::Now()));
    // After the commit, never before: a rolled-back delete must find its files. Failures are
    // logged and counted by the collector and left to the next sweep; the delete stands.
    if (options_.collector != nullptr) options_.collector->Collect(list.removed_keys);
    for (v1::ProductImage& i : list.images) *response->add_images() = std::move(i);
    response->set_version(list.version);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ProductImagesRpcs::GetProductImage(
    grpc::CallbackServerContext* ctx, const v1::GetProductImageRequest* request,
    v1::GetProductImageResponse* response) {
  // A disk read: on the executor too.
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(images::RenditionKey key, images::ParseRenditionKey(request->key()));
    for (const auto& [name, value] : images::ServingHeaders(key)) {
      (*response->mutable_headers())[name] = value;
    }
    response->set_content_type(std::string(images::MimeType(key.format)));
    response->set_etag(images::ETagOf(key));
    // A key names its content, so a matching ETag needs no look at the disk.
    if (!request->if_none_match().empty() && images::NotModified(request->if_none_match(), key)) {
      response->set_not_modified(true);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(*response->mutable_content(), renditions_.Get(key));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::product_images
