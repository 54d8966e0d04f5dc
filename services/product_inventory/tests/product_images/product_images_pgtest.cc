// Product images end to end through the App: uploads in each accepted format become renditions
// listed on the product, stored as files named by their hash, served with cache headers (and
// 304 for a matching ETag); a stream product's room hears of each change; deletion.

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "images_client.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::testing {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The stored path of a key: <root>/<first two hex digits>/<key>.
std::filesystem::path PathOf(const std::filesystem::path& root, const std::string& key) {
  return root / key.substr(0, 2) / key;
}

TEST_CASE("product_images: JPEG, PNG and WebP uploads become listed, stored, served renditions") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  int64_t version = product.version();
  std::vector<pb::ProductImage> uploaded;
  for (img::SourceFormat format :
       {img::SourceFormat::kJpeg, img::SourceFormat::kPng, img::SourceFormat::kWebp}) {
    const std::string bytes = img::testing::MakeImage(format, 300, 200);
    REQUIRE(static_cast<int64_t>(bytes.size()) < kTestMaxUpload);
    auto r = w.Upload(w.c().host(), product.id(), bytes, version);
    INFO(r.status.error_message());
    REQUIRE(r.status.ok());
    CHECK(r.response.version() == version + 1);
    version = r.response.version();
    const pb::ProductImage& image = r.response.image();
    CHECK(image.id().rfind("img_", 0) == 0);
    CHECK(image.width() == 300);
    CHECK(image.height() == 200);
    // Three sizes (never upscaled) in two formats.
    REQUIRE(image.renditions_size() == 6);
    std::set<std::string> sizes;
    for (const pb::ImageRendition& rendition : image.renditions()) {
      sizes.insert(rendition.size());
      CHECK(rendition.url() == "https://img.test/i/" + rendition.key());
      CHECK(rendition.width() <= 300);
      CHECK((rendition.content_type() == "image/webp" || rendition.content_type() == "image/jpeg"));
      // Stored as a file named by the hash of its bytes.
      const std::string stored = ReadFile(PathOf(w.root(), rendition.key()));
      REQUIRE(!stored.empty());
      CHECK(rendition.key().substr(0, 64) == img::Sha256Hex(stored));
    }
    CHECK(sizes == std::set<std::string>{"thumbnail", "card", "full"});
    uploaded.push_back(image);
    CHECK(r.response.images_size() == static_cast<int>(uploaded.size()));
  }
  CHECK(w.Rows() == 3);

  // The product lists them, in upload order, with the bumped version.
  const pb::Product read = w.Get(product.id());
  CHECK(read.version() == version);
  REQUIRE(read.images_size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(read.images(i).id() == uploaded[i].id());
    CHECK(read.images(i).position() == i);
    CHECK(read.images(i).renditions(0).key() == uploaded[i].renditions(0).key());
  }

  // Served bytes match the stored file, with the cache headers; a matching ETag is a 304.
  for (const pb::ImageRendition& rendition : uploaded[1].renditions()) {
    auto served = w.Serve(rendition.key());
    REQUIRE(served.status.ok());
    CHECK(served.response.content() == ReadFile(PathOf(w.root(), rendition.key())));
    CHECK(served.response.content_type() == rendition.content_type());
    CHECK(served.response.etag() == "\"" + rendition.key().substr(0, 64) + "\"");
    const auto& h = served.response.headers();
    REQUIRE(h.count("Cache-Control") == 1);
    CHECK(h.at("Cache-Control").find("immutable") != std::string::npos);
    CHECK(h.at("X-Content-Type-Options") == "nosniff");
    CHECK(h.at("Content-Type") == rendition.content_type());
    CHECK(h.at("ETag") == served.response.etag());
    CHECK_FALSE(served.response.not_modified());

    auto again = w.Serve(rendition.key(), served.response.etag());
    REQUIRE(again.status.ok());
    CHECK(again.response.not_modified());
    CHECK(again.response.content().empty());
    CHECK(again.response.headers().at("ETag") == served.response.etag());
  }
}

TEST_CASE("product_images: serving refuses malformed and unknown keys") {
  ImagesWorld w;
  auto bad = w.Serve("../../etc/passwd");
  CHECK(bad.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ReasonOf(bad.status) == "IMAGE_KEY_INVALID");
  auto unknown = w.Serve(std::string(64, 'a') + ".webp");
  CHECK(unknown.status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(ReasonOf(unknown.status) == "IMAGE_NOT_FOUND");
}

TEST_CASE("product_images: a stream product's room hears of every image change") {
  ImagesWorld w;
  const std::string stream = w.f().AddStream("usr_host");
  const pb::Product product = w.NewProduct("p1", stream);
  auto up = w.Upload(w.c().host(), product.id(),
                     img::testing::MakeImage(img::SourceFormat::kPng, 200, 200));
  REQUIRE(up.status.ok());
  CHECK(w.f().Count("SELECT count(*) FROM outbox WHERE aggregate_id = '" + stream +
                    "' AND type = 'product_inventory.product_updated'") == 1);
  {
    // The room's card shows the new version and the photo's card-sized rendition.
    pqxx::connection conn(w.f().dsn());
    pqxx::work tx(conn);
    pqxx::row row =
        tx.exec1("SELECT payload FROM outbox WHERE type = 'product_inventory.product_updated'");
    common::v1::Event event;
    REQUIRE(event.ParseFromString(pqxx::binarystring(row[0]).str()));
    realtime_push::v1::RoomEvent room;
    REQUIRE(event.payload().UnpackTo(&room));
    const realtime_push::v1::ProductCard& card = room.product_updated().product();
    CHECK(card.version() == up.response.version());
    std::string card_url;
    for (const auto& r : up.response.image().renditions()) {
      if (r.size() == "card" && card_url.empty()) card_url = r.url();
    }
    CHECK(card.image_url() == card_url);
  }
  pb::DeleteProductImageRequest del;
  del.set_product_id(product.id());
  del.set_image_id(up.response.image().id());
  REQUIRE(w.c().Call(&Stub::DeleteProductImage, w.c().host(), del).status.ok());
  CHECK(w.f().Count("SELECT count(*) FROM outbox WHERE aggregate_id = '" + stream +
                    "' AND type = 'product_inventory.product_updated'") == 2);
}

TEST_CASE("product_images: deleting an image closes the gap and bumps the version") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = w.Upload(w.c().host(), product.id(),
                      img::testing::MakeImage(img::SourceFormat::kJpeg, 100 + i, 100));
    REQUIRE(r.status.ok());
    ids.push_back(r.response.image().id());
  }
  const int64_t before = w.Get(product.id()).version();
  pb::DeleteProductImageRequest del;
  del.set_product_id(product.id());
  del.set_image_id(ids[1]);
  del.set_expected_version(before);
  auto r = w.c().Call(&Stub::DeleteProductImage, w.c().host(), del);
  REQUIRE(r.status.ok());
  CHECK(r.response.version() == before + 1);
  REQUIRE(r.response.images_size() == 2);
  CHECK(r.response.images(0).id() == ids[0]);
  CHECK(r.response.images(1).id() == ids[2]);
  CHECK(r.response.images(1).position() == 1);
  CHECK(w.Rows() == 2);

  SECTION("again: NOT_FOUND, nothing changes") {
    auto again = w.c().Call(&Stub::DeleteProductImage, w.c().host(), del);
    CHECK(again.status.error_code() == grpc::StatusCode::ABORTED);  // the version moved on
    del.set_expected_version(0);
    again = w.c().Call(&Stub::DeleteProductImage, w.c().host(), del);
    CHECK(again.status.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(ReasonOf(again.status) == "PRODUCT_IMAGE_NOT_FOUND");
    CHECK(w.Get(product.id()).version() == before + 1);
  }
  SECTION("another host cannot; an admin can") {
    del.set_image_id(ids[0]);
    del.set_expected_version(0);
    auto other = w.c().Call(&Stub::DeleteProductImage, w.c().other_host(), del);
    CHECK(other.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(ReasonOf(other.status) == "NOT_PRODUCT_OWNER");
    CHECK(w.Rows() == 2);
    CHECK(w.c().Call(&Stub::DeleteProductImage, w.c().admin(), del).status.ok());
    CHECK(w.Rows() == 1);
  }
}

TEST_CASE("product_images: an upload at a position shifts the later images") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto r = w.Upload(w.c().host(), product.id(),
                      img::testing::MakeImage(img::SourceFormat::kJpeg, 100 + i, 100));
    REQUIRE(r.status.ok());
    ids.push_back(r.response.image().id());
  }
  pb::UploadProductImageRequest req;
  req.set_product_id(product.id());
  req.set_image(img::testing::MakeImage(img::SourceFormat::kPng, 64, 64));
  req.set_position(0);
  auto r = w.c().Call(&Stub::UploadProductImage, w.c().host(), req);
  REQUIRE(r.status.ok());
  REQUIRE(r.response.images_size() == 3);
  CHECK(r.response.images(0).id() == r.response.image().id());
  CHECK(r.response.images(1).id() == ids[0]);
  CHECK(r.response.images(2).id() == ids[1]);
}

TEST_CASE("product_images: concurrent uploads never pass the limit and keep positions dense") {
  ImagesWorld w;
  const pb::Product product = w.NewProduct("p1");
  constexpr int kUploads = 6;
  std::vector<std::string> images;
  for (int i = 0; i < kUploads; ++i) {
    images.push_back(img::testing::MakeImage(img::SourceFormat::kPng, 40 + i, 40));
  }
  std::vector<grpc::Status> results(kUploads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUploads; ++i) {
    threads.emplace_back([&, i] {
      pb::UploadProductImageRequest req;
      req.set_product_id(product.id());
      req.set_image(images[i]);
      req.set_position(0);  // every one shifts the others
      results[i] = w.c().Call(&Stub::UploadProductImage, w.c().host(), req).status;
    });
  }
  for (std::thread& t : threads) t.join();
  int ok = 0;
  for (const grpc::Status& s : results) {
    if (s.ok()) {
      ++ok;
      continue;
    }
    INFO(s.error_message());
    // Full, or this replica's decoding slots were all taken: nothing else.
    CHECK(((s.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
            ReasonOf(s) == "TOO_MANY_IMAGES") ||
           (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
            ReasonOf(s) == "IMAGE_UPLOADS_BUSY")));
  }
  CHECK(ok >= 1);
  CHECK(ok <= kTestMaxImages);
  CHECK(w.Rows() == ok);
  CHECK(w.f().Count("SELECT count(DISTINCT position) FROM product_images") == ok);
  CHECK(w.f().Count("SELECT coalesce(max(position), -1) FROM product_images") == ok - 1);
  const pb::Product read = w.Get(product.id());
  CHECK(read.version() == product.version() + ok);
  CHECK(read.images_size() == ok);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
