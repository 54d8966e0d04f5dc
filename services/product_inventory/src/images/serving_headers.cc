#include "images/serving_headers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace shopcast::product_inventory::images {

std::string ETagOf(const RenditionKey& key) { return absl::StrCat("\"", key.sha256, "\""); }

HttpHeaders ServingHeaders(const RenditionKey& key) {
  return {
      {"Content-Type", std::string(MimeType(key.format))},
      {"Cache-Control", absl::StrCat("public, max-age=", kImmutableMaxAgeSeconds, ", immutable")},
      {"ETag", ETagOf(key)},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy", "default-src 'none'; sandbox"},
  };
}

bool NotModified(absl::string_view if_none_match, const RenditionKey& key) {
  const std::string etag = ETagOf(key);
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    if (absl::StartsWith(tag, "W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace shopcast::product_inventory::images
