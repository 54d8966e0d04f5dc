#include "image_http/image_handler.h"

#include <string_view>
#include <utility>

#include "image_http/image_path.h"
#include "images/serving_headers.h"
#include "shopcast/http_files/responses.h"
#include "shopcast/log/log.h"

namespace shopcast::product_inventory::image_http {
namespace {

namespace http = boost::beast::http;
using http_files::Reply;
using http_files::Request;

constexpr std::string_view kAllowedMethods = "GET, HEAD";
// Metrics "kind" labels.
constexpr std::string_view kRendition = "rendition";
constexpr std::string_view kOther = "other";

// Even an error page is never sniffed into something a browser would run.
void SafetyHeaders(http::fields& f) { f.set("X-Content-Type-Options", "nosniff"); }

Reply Text(http::status status, const Request& request, std::string body,
           std::string_view kind = kOther) {
  return http_files::TextReply(status, request, std::move(body), kind, SafetyHeaders,
                               kAllowedMethods);
}

}  // namespace

Reply ImageHandler::Reject(http::status status, unsigned version) const {
  return http_files::RejectReply(status, version, SafetyHeaders);
}

Reply ImageHandler::Respond(const Request& request) const {
  const http::verb method = request.method();
  if (method != http::verb::get && method != http::verb::head) {
    return Text(http::status::method_not_allowed, request, "method not allowed\n");
  }
  if (request.version() >= 11 && request.find(http::field::host) == request.end()) {
    return Text(http::status::bad_request, request, "missing Host\n");
  }
  const TargetResult target = ParseImageTarget(
      absl::string_view(request.target().data(), request.target().size()), path_prefix_);
  if (!target.ok) {
    return target.error == TargetError::kBadRequest
               ? Text(http::status::bad_request, request, "bad request\n")
               : Text(http::status::not_found, request, "not found\n");
  }
  const images::RenditionKey& key = target.key;
  const std::string name = key.ToString();
  // The store's layout (images::FileRenditionStore::PathOf): <root>/<first two digits>/<key>.
  absl::StatusOr<http_files::OpenFile> file = http_files::OpenUnderRoot(
      root_, {std::string_view(key.sha256).substr(0, 2), std::string_view(name)});
  if (absl::IsNotFound(file.status())) {
    return Text(http::status::not_found, request, "not found\n", kRendition);
  }
  if (!file.ok()) {
    log::Error("image_http_open_failed")
        .Kv("key", name)
        .Kv("error", std::string(file.status().message()));
    return Text(http::status::service_unavailable, request, "unavailable\n", kRendition);
  }

  const images::HttpHeaders headers = images::ServingHeaders(key);
  http_files::FileMeta meta;
  meta.kind = kRendition;
  for (const auto& [header, value] : headers) {
    if (header == "Content-Type") meta.content_type = value;
    if (header == "Cache-Control") meta.cache_control = value;
    if (header == "ETag") meta.etag = value;
  }
  // No Last-Modified: the content never changes, the ETag says all a cache needs.
  return http_files::ServeFile(request, *file, meta, [&headers](http::fields& f) {
    for (const auto& [header, value] : headers) f.set(header, value);
  });
}

}  // namespace shopcast::product_inventory::image_http
