// Which /images/… targets name a rendition: only "/images/" + 64 lower-case hex + ".webp" or
// ".jpg"; everything else is refused before any upstream call.
#include "images/image_key.h"

#include <catch2/catch.hpp>
#include <string>

namespace shopcast::gateway::images {
namespace {

const std::string kHash(64, 'a');
const std::string kMixed = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

KeyCheck Check(const std::string& target) { return ParseImageTarget(target).check; }

TEST_CASE("image keys: a rendition's content address is accepted with its type") {
  ImageTarget webp = ParseImageTarget("/images/" + kMixed + ".webp");
  CHECK(webp.check == KeyCheck::kOk);
  CHECK(webp.key == kMixed + ".webp");
  CHECK(webp.content_type == "image/webp");
  ImageTarget jpg = ParseImageTarget("/images/" + kHash + ".jpg");
  CHECK(jpg.check == KeyCheck::kOk);
  CHECK(jpg.key == kHash + ".jpg");
  CHECK(jpg.content_type == "image/jpeg");
  // A query is ignored (never forwarded): the key alone names the bytes.
  ImageTarget query = ParseImageTarget("/images/" + kHash + ".jpg?v=2&x=%2f..");
  CHECK(query.check == KeyCheck::kOk);
  CHECK(query.key == kHash + ".jpg");
}

TEST_CASE("image keys: no key at all is a missing image, not a bad one") {
  CHECK(Check("/images") == KeyCheck::kMissing);
  CHECK(Check("/images/") == KeyCheck::kMissing);
  CHECK(Check("/images/?x=1") == KeyCheck::kMissing);
}

TEST_CASE("image keys: traversal, encodings and look-alikes are refused") {
  const std::string p = "/images/";
  for (const std::string& target : {
           p + "../etc/passwd",
           p + "..",
           p + ".",
           p + kHash + ".webp/..",
           p + "../" + kHash + ".webp",
           p + kHash.substr(0, 2) + "/" + kHash + ".webp",  // the store's on-disk layout
           p + "%2e%2e%2f" + kHash + ".webp",
           p + kHash + "%2ewebp",
           p + kHash.substr(0, 63) + "%61.webp",
           p + kHash + ".webp%00",
           p + kHash + ".webp%2f",
           p + kHash + "\\.webp",
           p + kHash + ".WEBP",
           p + std::string(64, 'A') + ".webp",  // upper-case hex
           p + std::string(64, 'g') + ".webp",
           p + kHash + ".png",
           p + kHash + ".jpeg",
           p + kHash + ".webp.jpg",
           p + kHash + ".",
           p + kHash,
           p + kHash.substr(0, 63) + ".webp",  // 63 digits
           p + kHash + "a.webp",               // 65 digits
           p + kHash + ".webp#frag",
           p + kHash + ".webp ",
           p + " " + kHash + ".webp",
           p + "-" + kHash.substr(1) + ".webp",
           p + std::string(5000, 'a') + ".webp",  // bounded: refused without scanning
           "/imagesx/" + kHash + ".webp",
           "/live/" + kHash + ".webp",
           "//images/" + kHash + ".webp",
           "/images//" + kHash + ".webp",
           "http://evil.test/images/" + kHash + ".webp",
       }) {
    INFO(target);
    CHECK(Check(target) == KeyCheck::kInvalid);
    CHECK(ParseImageTarget(target).key.empty());
  }
  // An embedded NUL byte in the target itself.
  std::string nul = p + kHash + ".webp";
  nul[20] = '\0';
  CHECK(Check(nul) == KeyCheck::kInvalid);
}

TEST_CASE("image keys: the length bound holds at the edge") {
  CHECK(kMaxKeyBytes >= 64 + 5);
  CHECK(Check("/images/" + std::string(kMaxKeyBytes + 1, 'a')) == KeyCheck::kInvalid);
}

}  // namespace
}  // namespace shopcast::gateway::images
