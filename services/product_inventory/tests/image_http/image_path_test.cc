// The image origin's request targets: exactly <prefix><key> opens a file; anything not a plain
// path is a 400, anything else a 404. And which image_url_prefix values can be served.
#include "image_http/image_path.h"

#include <catch2/catch.hpp>
#include <string>

namespace shopcast::product_inventory::image_http {
namespace {

const std::string kHash = std::string(32, 'a') + std::string(32, '0');
const std::string kKey = kHash + ".webp";

TargetError ErrorOf(const std::string& target, const std::string& prefix = "/images/") {
  const TargetResult r = ParseImageTarget(target, prefix);
  REQUIRE_FALSE(r.ok);
  return r.error;
}

TEST_CASE("image_http: a target of prefix + key names that rendition") {
  for (const std::string& target :
       {"/images/" + kKey, "/images/" + kKey + "?v=2", "/images/" + kKey + "?",
        "http://img.test/images/" + kKey, "HTTPS://img.test:8443/images/" + kKey}) {
    INFO(target);
    const TargetResult r = ParseImageTarget(target, "/images/");
    REQUIRE(r.ok);
    CHECK(r.key.ToString() == kKey);
  }
  const TargetResult jpg = ParseImageTarget("/" + kHash + ".jpg", "/");
  REQUIRE(jpg.ok);
  CHECK(jpg.key.format == images::OutputFormat::kJpeg);
  CHECK(ParseImageTarget("/p/img-" + kKey, "/p/img-").ok);
}

TEST_CASE("image_http: traversal, encodings and odd bytes are bad requests") {
  for (const std::string& target : {
           std::string("/images/../etc/passwd"),
           std::string("/images/./") + kKey,
           std::string("/images/..%2f..%2fetc%2fpasswd"),
           std::string("/images/%2e%2e/x"),
           std::string("/images/") + kHash + "%2ewebp",
           std::string("/images\\..\\") + kKey,
           std::string("/images/") + kHash + std::string(1, '\0') + ".webp",
           std::string("/images/") + kHash + "\t.webp",
           std::string("/images/") + kHash + "\x7f.webp",
           std::string("/images/\xc3\xa9") + kKey,
           std::string("/images/ ") + kKey,
           std::string("/images/") + kKey + "#frag",
           std::string("/a/.."),
           std::string("*"),
           std::string("img.test:443"),
           std::string("images/") + kKey,
           std::string(""),
       }) {
    INFO(target);
    CHECK(ErrorOf(target) == TargetError::kBadRequest);
  }
}

TEST_CASE("image_http: plain paths that are not a rendition are not found") {
  for (const std::string& target : {
           std::string("/"),
           std::string("/images/"),
           std::string("/images"),
           std::string("/other/") + kKey,
           std::string("/images/x/") + kKey,
           std::string("/images/") + kHash,
           std::string("/images/") + kHash + ".png",
           std::string("/images/") + kHash + ".WEBP",
           std::string("/images/") + std::string(64, 'A') + ".webp",
           std::string("/images/") + kHash.substr(1) + ".webp",
           std::string("/images/") + kHash + "0.webp",
           std::string("/images/") + kKey + "/",
           std::string("/images//") + kKey,
           std::string("/IMAGES/") + kKey,
       }) {
    INFO(target);
    CHECK(ErrorOf(target) == TargetError::kNotFound);
  }
}

TEST_CASE("image_http: the served path comes from image_url_prefix") {
  CHECK(*PathPrefixOf("/images/") == "/images/");
  CHECK(*PathPrefixOf("https://cdn.example/p/i/") == "/p/i/");
  CHECK(*PathPrefixOf("http://127.0.0.1:8098/images/") == "/images/");
  CHECK(*PathPrefixOf("https://img.example") == "/");
  CHECK(*PathPrefixOf("/img-") == "/img-");
  CHECK(*PathPrefixOf("//cdn.example/i/") == "/i/");
  for (const char* bad : {"", "images/", "ftp://x/y/", "/a/../b/", "/a/./", "/i/%2e/",
                          "/i?x=", "/i#", "/i\\", "/i /", "https://x/a/.."}) {
    INFO(bad);
    CHECK_FALSE(PathPrefixOf(bad).ok());
  }
}

}  // namespace
}  // namespace shopcast::product_inventory::image_http
