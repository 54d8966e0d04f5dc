// The bad-input table for product images: each refused upload answers its status and reason
// and stores nothing: no row, no file, no version bump, no room event.

#include <catch2/catch.hpp>

#include "images_client.h"

namespace shopcast::product_inventory::testing {
namespace {

struct Case {
  const char* name;
  grpc::StatusCode code;
  const char* reason;
};

TEST_CASE("product_images: refused uploads answer their reason and store nothing") {
  ImagesWorld w;
  const std::string stream = w.f().AddStream("usr_host");
  const pb::Product product = w.NewProduct("p1", stream);
  const std::string good = img::testing::MakeImage(img::SourceFormat::kJpeg, 120, 80);
  const std::string unknown_product = "prd_01J9Z3K8W4V6T2M0QXYHB5R7NC";

  // Each row: who uploads what to which product.
  struct Upload {
    Case expect;
    std::string token;
    std::string product_id;
    std::string bytes;
    int64_t expected_version = 0;
  };
  img::testing::MakeOptions noisy;
  noisy.noise = true;
  const std::string truncated =
      img::testing::MakeImage(img::SourceFormat::kJpeg, 200, 200, noisy).substr(0, 900);
  std::string oversized = good;
  oversized.resize(kTestMaxUpload + 1, '\0');
  const std::vector<Upload> table = {
      {{"not an image", grpc::StatusCode::INVALID_ARGUMENT, "IMAGE_FORMAT_UNSUPPORTED"},
       w.c().host(),
       product.id(),
       std::string("just some text, not a picture at all")},
      {{"a GIF", grpc::StatusCode::INVALID_ARGUMENT, "IMAGE_FORMAT_UNSUPPORTED"},
       w.c().host(),
       product.id(),
       img::testing::MakeGif(64, 64)},
      {{"empty", grpc::StatusCode::INVALID_ARGUMENT, "IMAGE_EMPTY"},
       w.c().host(),
       product.id(),
       ""},
      {{"a decompression bomb (PNG)", grpc::StatusCode::INVALID_ARGUMENT,
        "IMAGE_DIMENSIONS_TOO_LARGE"},
       w.c().host(),
       product.id(),
       img::testing::MakePngDeclaring(100000, 100000)},
      {{"a decompression bomb (JPEG)", grpc::StatusCode::INVALID_ARGUMENT,
        "IMAGE_DIMENSIONS_TOO_LARGE"},
       w.c().host(),
       product.id(),
       img::testing::MakeJpegDeclaring(60000, 60000)},
      {{"a truncated JPEG", grpc::StatusCode::INVALID_ARGUMENT, "IMAGE_CORRUPT"},
       w.c().host(),
       product.id(),
       truncated},
      {{"over the upload limit", grpc::StatusCode::INVALID_ARGUMENT, "IMAGE_TOO_LARGE"},
       w.c().host(),
       product.id(),
       oversized},
      {{"someone else's product", grpc::StatusCode::PERMISSION_DENIED, "NOT_PRODUCT_OWNER"},
       w.c().other_host(),
       product.id(),
       good},
      {{"a viewer", grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"},
       w.c().viewer(),
       product.id(),
       good},
      {{"no token", grpc::StatusCode::UNAUTHENTICATED, ""}, "", product.id(), good},
      {{"an unknown product", grpc::StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND"},
       w.c().host(),
       unknown_product,
       good},
      {{"a malformed product id", grpc::StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND"},
       w.c().host(),
       "prd_nope",
       good},
      {{"a stale expected version", grpc::StatusCode::ABORTED, "VERSION_MISMATCH"},
       w.c().host(),
       product.id(),
       good,
       product.version() + 7},
  };
  for (const Upload& u : table) {
    DYNAMIC_SECTION(u.expect.name) {
      auto r = w.Upload(u.token, u.product_id, u.bytes, u.expected_version);
      INFO(r.status.error_message());
      CHECK(r.status.error_code() == u.expect.code);
      if (*u.expect.reason != '\0') CHECK(ReasonOf(r.status) == u.expect.reason);
      CHECK(w.Rows() == 0);
      CHECK(w.FileCount() == 0);
      CHECK(w.Get(product.id()).version() == product.version());
      CHECK(w.f().Count("SELECT count(*) FROM outbox WHERE type = "
                        "'product_inventory.product_updated'") == 0);
    }
  }
}

TEST_CASE("product_images: an upload beyond the transport bound is refused before any handler") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  // Above the public listener's 4 MiB receive bound (the default; 64 KiB + overhead is less).
  std::string huge = img::testing::MakeImage(img::SourceFormat::kJpeg, 64, 64);
  huge.resize(5 * 1024 * 1024, '\0');
  auto r = w.Upload(w.c().host(), product.id(), huge);
  CHECK(r.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(w.Rows() == 0);
  CHECK(w.FileCount() == 0);
}

TEST_CASE("product_images: a product holds at most the configured number of images") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  for (int i = 0; i < kTestMaxImages; ++i) {
    REQUIRE(w.Upload(w.c().host(), product.id(),
                     img::testing::MakeImage(img::SourceFormat::kPng, 40 + i, 40))
                .status.ok());
  }
  const int files = w.FileCount();
  const int64_t version = w.Get(product.id()).version();
  auto r = w.Upload(w.c().host(), product.id(),
                    img::testing::MakeImage(img::SourceFormat::kPng, 90, 40));
  CHECK(r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(r.status) == "TOO_MANY_IMAGES");
  CHECK(w.Rows() == kTestMaxImages);
  CHECK(w.FileCount() == files);
  CHECK(w.Get(product.id()).version() == version);
}

TEST_CASE("product_images: an archived product takes no images") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  pb::ArchiveProductRequest archive;
  archive.set_product_id(product.id());
  REQUIRE(w.c().Call(&Stub::ArchiveProduct, w.c().host(), archive).status.ok());
  auto r = w.Upload(w.c().host(), product.id(),
                    img::testing::MakeImage(img::SourceFormat::kWebp, 64, 64));
  CHECK(r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(r.status) == "PRODUCT_ARCHIVED");
  CHECK(w.Rows() == 0);
  CHECK(w.FileCount() == 0);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
