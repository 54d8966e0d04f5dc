// The content-addressed rendition files (in a scratch folder) and the headers they are served
// with.
#include "images/rendition_store.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "images/content_hash.h"
#include "images/serving_headers.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace images = shopcast::product_inventory::images;
using images::OutputFormat;

namespace {

const std::string kHash(64, 'a');

std::string Header(const images::HttpHeaders& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

size_t CountFiles(const std::filesystem::path& root) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a rendition is stored under its hash and read back") {
  shopcast::testing::TempDir dir;
  auto store = images::FileRenditionStore::Open(dir.path() / "images");
  REQUIRE(store.ok());
  const std::string bytes = "RIFF....WEBPVP8 not really a picture";
  auto key = (*store)->Put(bytes, OutputFormat::kWebp);
  REQUIRE(key.ok());
  CHECK(key->sha256 == images::Sha256Hex(bytes));
  CHECK(key->ToString() == key->sha256 + ".webp");
  CHECK((*store)->PathOf(*key) ==
        dir.path() / "images" / key->sha256.substr(0, 2) / (key->sha256 + ".webp"));
  auto back = (*store)->Get(*key);
  REQUIRE(back.ok());
  CHECK(*back == bytes);

  // Same bytes again: the same key, still one file, no temporary left behind.
  auto again = (*store)->Put(bytes, OutputFormat::kWebp);
  REQUIRE(again.ok());
  CHECK(again->ToString() == key->ToString());
  CHECK(CountFiles(dir.path() / "images") == 1);

  // The same bytes as a JPEG are another key.
  auto jpeg = (*store)->Put(bytes, OutputFormat::kJpeg);
  REQUIRE(jpeg.ok());
  CHECK(jpeg->ToString() == key->sha256 + ".jpg");
  CHECK(CountFiles(dir.path() / "images") == 2);
}

TEST_CASE("a missing rendition is NOT_FOUND and a damaged one DATA_LOSS") {
  shopcast::testing::TempDir dir;
  auto store = images::FileRenditionStore::Open(dir.path());
  REQUIRE(store.ok());
  auto missing = (*store)->Get({kHash, OutputFormat::kJpeg});
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(shopcast::ReasonOf(missing.status()) == "IMAGE_NOT_FOUND");

  auto key = (*store)->Put("original bytes", OutputFormat::kJpeg);
  REQUIRE(key.ok());
  std::ofstream((*store)->PathOf(*key), std::ios::binary | std::ios::trunc) << "flipped bits";
  auto damaged = (*store)->Get(*key);
  CHECK(damaged.status().code() == absl::StatusCode::kDataLoss);
  CHECK(shopcast::ReasonOf(damaged.status()) == "IMAGE_DAMAGED");
}

TEST_CASE("writers of the same bytes at once all succeed with one file") {
  shopcast::testing::TempDir dir;
  auto store = images::FileRenditionStore::Open(dir.path());
  REQUIRE(store.ok());
  const std::string bytes(100'000, 'z');
  std::vector<std::thread> threads;
  std::vector<bool> ok(8);
  for (size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&, i] { ok[i] = (*store)->Put(bytes, OutputFormat::kWebp).ok(); });
  }
  for (auto& t : threads) t.join();
  for (bool b : ok) CHECK(b);
  CHECK(CountFiles(dir.path()) == 1);
  auto back = (*store)->Get({images::Sha256Hex(bytes), OutputFormat::kWebp});
  REQUIRE(back.ok());
  CHECK(*back == bytes);
}

TEST_CASE("keys are parsed strictly so a URL cannot name another file") {
  auto ok = images::ParseRenditionKey(kHash + ".webp");
  REQUIRE(ok.ok());
  CHECK(ok->sha256 == kHash);
  CHECK(ok->format == OutputFormat::kWebp);
  CHECK(images::ParseRenditionKey(kHash + ".jpg")->format == OutputFormat::kJpeg);
  for (const std::string& bad :
       {std::string(""), kHash, kHash + ".", kHash + ".png", kHash + ".jpeg", kHash + ".webp/",
        std::string(63, 'a') + ".webp", std::string(65, 'a') + ".webp",
        std::string(64, 'A') + ".webp", std::string(64, 'g') + ".webp",
        "../" + std::string(61, 'a') + ".webp", std::string(62, 'a') + "/..webp",
        kHash + std::string(".webp\0", 6)}) {
    INFO(bad);
    auto r = images::ParseRenditionKey(bad);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(shopcast::ReasonOf(r.status()) == "IMAGE_KEY_INVALID");
  }
}

TEST_CASE("renditions are served immutable with the hash as ETag") {
  const images::RenditionKey key{kHash, OutputFormat::kWebp};
  const images::HttpHeaders headers = images::ServingHeaders(key);
  CHECK(Header(headers, "Content-Type") == "image/webp");
  CHECK(Header(headers, "Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(Header(headers, "ETag") == "\"" + kHash + "\"");
  CHECK(Header(headers, "X-Content-Type-Options") == "nosniff");
  CHECK(Header(headers, "Content-Security-Policy") == "default-src 'none'; sandbox");
  CHECK(Header(images::ServingHeaders({kHash, OutputFormat::kJpeg}), "Content-Type") ==
        "image/jpeg");
}

TEST_CASE("If-None-Match with the ETag (or *) answers not modified") {
  const images::RenditionKey key{kHash, OutputFormat::kJpeg};
  CHECK(images::NotModified("\"" + kHash + "\"", key));
  CHECK(images::NotModified("W/\"" + kHash + "\"", key));
  CHECK(images::NotModified("\"other\", \"" + kHash + "\"", key));
  CHECK(images::NotModified("*", key));
  CHECK_FALSE(images::NotModified("", key));
  CHECK_FALSE(images::NotModified(kHash, key));  // unquoted is not an entity tag
  CHECK_FALSE(images::NotModified("\"" + std::string(64, 'b') + "\"", key));
}
