#pragma once

// HTTP headers for serving a stored rendition. Its URL names its content, so it never changes:
// browsers and CDNs may keep it forever without revalidating.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "images/rendition_store.h"

namespace shopcast::product_inventory::images {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One year, the longest max-age caches honour.
inline constexpr int kImmutableMaxAgeSeconds = 365 * 24 * 3600;

// Content-Type, Cache-Control (public, one year, immutable), ETag (the quoted hash), and
// nosniff plus a sandboxing Content-Security-Policy so that even a browser opening the URL
// directly never treats it as anything but an image.
HttpHeaders ServingHeaders(const RenditionKey& key);

// The strong ETag of `key`: the hash in double quotes.
std::string ETagOf(const RenditionKey& key);

// True when an If-None-Match header value names `key`'s ETag (or is "*"): answer 304.
// Weak comparison, as RFC 9110 asks for If-None-Match.
bool NotModified(absl::string_view if_none_match, const RenditionKey& key);

}  // namespace shopcast::product_inventory::images
