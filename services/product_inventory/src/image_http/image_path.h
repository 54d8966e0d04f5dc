#pragma once

// Maps an HTTP request target onto a rendition key. Security-critical and pure: the only
// accepted shape is <path prefix><key> with the key exactly as ParseRenditionKey accepts it
// (64 lower-case hex digits, ".webp" or ".jpg"), so nothing the client sends is decoded or
// normalised, and no "/", "..", "%" or NUL ever reaches the file system.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "images/rendition_store.h"

namespace shopcast::product_inventory::image_http {

// The URL path under which renditions are served, from `image_url_prefix` (rendition URL =
// prefix + key): "/images/" → "/images/", "https://cdn.example/p/i/" → "/p/i/". The listener
// serves exactly the URLs Product.images carries, so a CDN in front must forward paths as they
// are. INVALID_ARGUMENT for a relative prefix, one with a query, fragment, "%", "\" or a dot
// segment, or characters outside printable ASCII.
absl::StatusOr<std::string> PathPrefixOf(absl::string_view image_url_prefix);

enum class TargetError {
  kBadRequest,  // Not a plain path: NUL, control or non-ASCII bytes, "%", "\", dot segments.
  kNotFound,    // A plain path, but not one of ours.
};

// The rendition a request target names. The query string is ignored; the absolute form
// "http://host/…" is accepted as RFC 9112 asks of servers.
struct TargetResult {
  bool ok = false;
  images::RenditionKey key;  // When ok.
  TargetError error = TargetError::kNotFound;
};
TargetResult ParseImageTarget(absl::string_view target, absl::string_view path_prefix);

}  // namespace shopcast::product_inventory::image_http
