#pragma once

// Which rendition an /images/… request names. Security-critical and pure: checked before any
// upstream call, so nothing but a well-formed key ever reaches the image origin. The only
// accepted shape is "/images/" + <64 lower-case hex digits> + ".webp" or ".jpg" — the content
// address product-inventory gives every rendition (Product.images[].renditions[].key) — so a
// "/", "..", "%", "\", NUL, an upper-case digit or another extension never goes further. Nothing
// is decoded or normalised.

#include <string>
#include <string_view>

namespace shopcast::gateway::images {

// The URL path every rendition is served under, as product-inventory's image_url_prefix says.
inline constexpr std::string_view kPathPrefix = "/images/";
// Longer keys are refused before they are even looked at (a valid one is 69 characters).
inline constexpr size_t kMaxKeyBytes = 128;

enum class KeyCheck {
  kOk,
  kMissing,  // "/images" or "/images/": no key at all → 404
  kInvalid,  // anything else that is not exactly a key → 400 IMAGE_KEY_INVALID
};

struct ImageTarget {
  KeyCheck check = KeyCheck::kInvalid;
  std::string key;           // when kOk: "<hex>.<ext>"
  std::string content_type;  // when kOk: "image/webp" or "image/jpeg", from the extension
};

// Parses a request target ("/images/<key>[?query]"). The query is ignored (never forwarded):
// the key alone names the content. A target outside /images/ is kInvalid.
ImageTarget ParseImageTarget(std::string_view target);

}  // namespace shopcast::gateway::images
