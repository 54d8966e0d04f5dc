#pragma once

// Serves rendition files over HTTP: GET and HEAD of <path prefix><key> from the rendition
// store's folder, with the headers of images/serving_headers.h (immutable for a year, the hash
// as a strong ETag, nosniff, a sandboxing CSP), 304 on a matching If-None-Match and single byte
// ranges. 400 for a target that is not a plain path (NUL, "%", "\", dot segments), 404 for
// anything else that is not a stored rendition, 405 (with Allow) for other methods.

#include <string>

#include "shopcast/http_files/reply.h"

namespace shopcast::product_inventory::image_http {

class ImageHandler final : public http_files::Handler {
 public:
  // `root`: the FileRenditionStore's folder (<root>/ab/ab12….webp). `path_prefix`: from
  // PathPrefixOf(image_url_prefix).
  ImageHandler(std::string root, std::string path_prefix)
      : root_(std::move(root)), path_prefix_(std::move(path_prefix)) {}

  http_files::Reply Respond(const http_files::Request& request) const override;
  http_files::Reply Reject(boost::beast::http::status status, unsigned version) const override;

 private:
  const std::string root_;
  const std::string path_prefix_;
};

}  // namespace shopcast::product_inventory::image_http
