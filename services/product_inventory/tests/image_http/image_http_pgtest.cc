// The image origin end to end: a host uploads a photo through the gRPC API, and every URL the
// response lists is fetched over real HTTP from the App's own listener (port 0) — the bytes
// that were stored, with the image's content type and immutable caching, revalidated with 304;
// HEAD; unknown keys 404; traversal and encodings refused; other methods 405.

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "catalog/catalog_client.h"
#include "images/content_hash.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"
#include "test_images.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace img = ::shopcast::product_inventory::images;
using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using http_files::testing::TestConnection;

constexpr char kPrefix[] = "https://img.test/i/";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The path a client requests for `url` (what a CDN in front forwards unchanged).
std::string PathOf(const std::string& url) {
  REQUIRE(url.rfind("https://img.test/", 0) == 0);
  return url.substr(std::string("https://img.test").size());
}

class World {
 public:
  World()
      : replica_(f_.AddReplica([this](Config& c) {
          c.image_root = root_.File("images");
          c.image_url_prefix = kPrefix;
          c.image_max_upload_bytes = 64 * 1024;
          c.http_addr = "127.0.0.1:0";
        })),
        c_(f_, replica_) {
    type_ = c_.CreateApparelType();
    profile_ = c_.CreateProfile(c_.host());
  }

  uint16_t port() { return replica_.app().http_port(); }
  Catalog& c() { return c_; }
  std::filesystem::path root() const { return root_.path() / "images"; }
  Replica& replica() { return replica_; }

  pb::UploadProductImageResponse UploadPhoto() {
    auto product = c_.Create(c_.host(), Catalog::FixedPrice(type_, profile_, "p1"));
    REQUIRE(product.status.ok());
    pb::UploadProductImageRequest req;
    req.set_product_id(product.response.product().id());
    req.set_image(img::testing::MakeImage(img::SourceFormat::kJpeg, 320, 240));
    req.set_position(-1);
    auto r = c_.Call(&pb::ProductInventoryService::Stub::UploadProductImage, c_.host(), req);
    INFO(r.status.error_message());
    REQUIRE(r.status.ok());
    return r.response;
  }

  double Requests(const std::string& code, const std::string& kind) {
    for (const auto& family : replica_.host().metrics().Collect()) {
      if (family.name != "product_inventory_image_http_requests_total") continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> labels;
        for (const auto& label : metric.label) labels[label.name] = label.value;
        if (labels["code"] == code && labels["kind"] == kind) return metric.counter.value;
      }
    }
    return 0;
  }

 private:
  shopcast::testing::TempDir root_;
  AppFixture f_;
  Replica& replica_;
  Catalog c_;
  pb::ProductType type_;
  pb::ShippingProfile profile_;
};

TEST_CASE("image_http: every listed rendition URL is served with its bytes and cache headers") {
  World w;
  REQUIRE(w.port() != 0);
  const pb::UploadProductImageResponse uploaded = w.UploadPhoto();
  REQUIRE(uploaded.image().renditions_size() == 6);
  for (const pb::ImageRendition& rendition : uploaded.image().renditions()) {
    INFO(rendition.url());
    // The URL the API hands out is prefix + key, and its path is what the listener serves.
    CHECK(rendition.url() == kPrefix + rendition.key());
    const std::string path = PathOf(rendition.url());
    const std::string stored = ReadFile(w.root() / rendition.key().substr(0, 2) / rendition.key());
    REQUIRE(!stored.empty());

    const RawResponse r = Exchange(w.port(), GetRequest(path));
    REQUIRE(r.status == 200);
    CHECK(r.body == stored);
    CHECK(img::Sha256Hex(r.body) == rendition.key().substr(0, 64));
    CHECK(r.Header("content-type") == rendition.content_type());
    CHECK(r.Header("cache-control") == "public, max-age=31536000, immutable");
    const std::string etag = "\"" + rendition.key().substr(0, 64) + "\"";
    CHECK(r.Header("etag") == etag);
    CHECK(r.Header("x-content-type-options") == "nosniff");
    CHECK(r.Header("content-security-policy") == "default-src 'none'; sandbox");
    CHECK(r.Header("content-length") == std::to_string(stored.size()));

    // Revalidation: the ETag (strong or weak form, or in a list) gets a body-less 304.
    for (const std::string& tag : {etag, "W/" + etag, "\"other\", " + etag}) {
      const RawResponse again =
          Exchange(w.port(), GetRequest(path, "If-None-Match: " + tag + "\r\n"));
      CHECK(again.status == 304);
      CHECK(again.body.empty());
      CHECK(again.Header("etag") == etag);
      CHECK(again.Header("cache-control") == "public, max-age=31536000, immutable");
    }
    const RawResponse stale = Exchange(w.port(), GetRequest(path, "If-None-Match: \"other\"\r\n"));
    CHECK(stale.status == 200);

    // HEAD: the same headers, no body.
    const RawResponse head = Exchange(w.port(), GetRequest(path, "", "HEAD"), /*head=*/true);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.Header("content-length") == std::to_string(stored.size()));
    CHECK(head.Header("content-type") == rendition.content_type());
    CHECK(head.Header("etag") == etag);
  }
  CHECK(w.Requests("200", "rendition") >= 6 * 3);
  CHECK(w.Requests("304", "rendition") == 6 * 3);
}

TEST_CASE("image_http: a kept-alive connection serves ranges and several requests") {
  World w;
  const pb::UploadProductImageResponse uploaded = w.UploadPhoto();
  const pb::ImageRendition& rendition = uploaded.image().renditions(0);
  const std::string path = PathOf(rendition.url());
  const std::string stored = ReadFile(w.root() / rendition.key().substr(0, 2) / rendition.key());
  TestConnection connection(w.port());
  REQUIRE(connection.Send(GetRequest(path, "Range: bytes=0-9\r\n")));
  const auto partial = connection.Read();
  REQUIRE(partial);
  CHECK(partial->status == 206);
  CHECK(partial->body == stored.substr(0, 10));
  CHECK(partial->Header("content-range") == "bytes 0-9/" + std::to_string(stored.size()));
  REQUIRE(connection.Send(GetRequest(path)));
  const auto whole = connection.Read();
  REQUIRE(whole);
  CHECK(whole->status == 200);
  CHECK(whole->body == stored);
}

TEST_CASE("image_http: unknown keys, other paths, traversal and other methods are refused") {
  World w;
  const pb::UploadProductImageResponse uploaded = w.UploadPhoto();
  const std::string key = uploaded.image().renditions(0).key();
  const std::string missing = std::string(64, 'a') + ".webp";

  struct Case {
    std::string request;
    int status;
  };
  const Case cases[] = {
      {GetRequest("/i/" + missing), 404},
      {GetRequest("/i/" + key.substr(0, 64) + ".png"), 404},
      {GetRequest("/images/" + key), 404},  // Not the configured prefix.
      {GetRequest("/i/" + key + "/"), 404},
      {GetRequest("/"), 404},
      {GetRequest("/i/../" + key.substr(0, 2) + "/" + key), 400},
      {GetRequest("/i/../../../../etc/passwd"), 400},
      {GetRequest("/i/..%2f" + key.substr(0, 2) + "%2f" + key), 400},
      {GetRequest("/i/%2e%2e/etc/passwd"), 400},
      {GetRequest("/i/" + key.substr(0, 64) + "%2ewebp"), 400},
      {GetRequest("/i/..\\..\\etc\\passwd"), 400},
      // The path the store uses on disk is not a URL.
      {GetRequest("/i/" + key.substr(0, 2) + "/" + key), 404},
      // A raw NUL in the target: the parser refuses the request line.
      {"GET /i/" + key.substr(0, 10) + std::string(1, '\0') + " HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /i/" + key + " HTTP/1.1\r\n\r\n", 400},  // No Host.
  };
  for (const Case& c : cases) {
    INFO(c.request);
    const RawResponse r = Exchange(w.port(), c.request);
    CHECK(r.status == c.status);
    CHECK(r.Header("cache-control") == "no-store");
    CHECK(r.body.find(key.substr(0, 16)) == std::string::npos);
  }
  for (const std::string method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    INFO(method);
    const RawResponse r = Exchange(w.port(), GetRequest("/i/" + key, "", method));
    CHECK(r.status == 405);
    CHECK(r.Header("allow") == "GET, HEAD");
  }
  // A head over the 8 KiB bound.
  const RawResponse big =
      Exchange(w.port(), GetRequest("/i/" + key, "X-Pad: " + std::string(16 * 1024, 'a') + "\r\n"));
  CHECK(big.status == 431);
  CHECK(w.Requests("404", "other") >= 4);
  CHECK(w.Requests("404", "rendition") >= 1);
  CHECK(w.Requests("400", "other") >= 5);
  CHECK(w.Requests("405", "other") == 5);
}

TEST_CASE("image_http: the listener stops with the App") {
  World w;
  const uint16_t port = w.port();
  REQUIRE(Exchange(port, GetRequest("/")).status == 404);
  TestConnection idle(port);  // A kept-alive connection open at stop.
  w.replica().app().Stop();
  CHECK(idle.WaitClosed(std::chrono::seconds(20)));
  CHECK_THROWS(TestConnection(port));
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
