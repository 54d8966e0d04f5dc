#include "image_http/image_path.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace shopcast::product_inventory::image_http {
namespace {

// True iff `path` is made of printable ASCII other than "%" and "\", and has no "." or ".."
// segment: a path any server and any cache read the same way.
bool IsPlainPath(absl::string_view path) {
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '%' || c == '\\') return false;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == absl::string_view::npos) end = path.size();
    const absl::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

// Drops "scheme://authority" from an absolute URL; "" when nothing follows the authority.
bool StripOrigin(absl::string_view& url) {
  for (absl::string_view scheme : {"http://", "https://"}) {
    if (absl::StartsWithIgnoreCase(url, scheme)) {
      url.remove_prefix(scheme.size());
      const size_t slash = url.find('/');
      url = slash == absl::string_view::npos ? absl::string_view("/") : url.substr(slash);
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> PathPrefixOf(absl::string_view image_url_prefix) {
  absl::string_view path = image_url_prefix;
  if (!StripOrigin(path) && absl::StartsWith(path, "//")) {
    // A scheme-relative URL ("//cdn.example/i/"): the path follows the authority.
    path.remove_prefix(2);
    const size_t slash = path.find('/');
    path = slash == absl::string_view::npos ? absl::string_view("/") : path.substr(slash);
  }
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "image_url_prefix must be an absolute path or http(s) URL to be served over HTTP: '",
        image_url_prefix, "'"));
  }
  if (path.find_first_of("?#") != absl::string_view::npos || !IsPlainPath(path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image_url_prefix's path must be plain (no query, fragment, %, \\ or dot segments): '",
        image_url_prefix, "'"));
  }
  return std::string(path);
}

TargetResult ParseImageTarget(absl::string_view target, absl::string_view path_prefix) {
  TargetResult result;
  if (!StripOrigin(target) && (target.empty() || target.front() != '/')) {
    result.error = TargetError::kBadRequest;  // "*" or an authority form: not for a file.
    return result;
  }
  const size_t query = target.find('?');
  absl::string_view path = target.substr(0, query);
  if (!IsPlainPath(path) || path.find('#') != absl::string_view::npos) {
    result.error = TargetError::kBadRequest;
    return result;
  }
  if (!absl::StartsWith(path, path_prefix)) return result;  // Not ours: 404.
  path.remove_prefix(path_prefix.size());
  absl::StatusOr<images::RenditionKey> key = images::ParseRenditionKey(path);
  if (!key.ok()) return result;
  result.ok = true;
  result.key = *std::move(key);
  return result;
}

}  // namespace shopcast::product_inventory::image_http
