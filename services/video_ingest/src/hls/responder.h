#pragma once

// Turns one parsed HTTP request into its response: path validation, file lookup under the root,
// conditional requests, ranges, caching and CORS headers. No sockets here, so the session
// (http_session.h) only moves bytes and enforces limits.

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <variant>

#include "hls/hls_origin_options.h"
#include "hls/hls_path.h"
#include "hls/ranged_file.h"

namespace shopcast::video_ingest::hls {

using FileBody = boost::beast::http::basic_file_body<RangedFile>;
using Request = boost::beast::http::request<boost::beast::http::empty_body>;

struct Reply {
  std::variant<boost::beast::http::response<boost::beast::http::string_body>,
               boost::beast::http::response<boost::beast::http::empty_body>,
               boost::beast::http::response<FileBody>>
      message;
  ResourceKind kind = ResourceKind::kOther;  // For metrics.
  unsigned status = 0;
  bool keep_alive = false;
};

class Responder {
 public:
  explicit Responder(const HlsOriginOptions& options);

  // The response to `request`; files are opened relative to the root at call time. Blocking
  // file-system calls only (open, fstat); thread-safe.
  Reply Respond(const Request& request) const;

  // A short text response for a request that could not be read (400, 413, 431); always closes.
  Reply Reject(boost::beast::http::status status, unsigned version) const;

 private:
  void AddCommonHeaders(boost::beast::http::fields& fields) const;
  Reply Text(boost::beast::http::status status, const Request& request, std::string body,
             ResourceKind kind) const;
  Reply OpenFailed(int err, const Request& request, const HlsResource& resource) const;
  Reply ServeFile(const Request& request, const HlsResource& resource) const;

  std::string root_;
  std::string cors_origin_;
  std::string playlist_cache_control_;
};

}  // namespace shopcast::video_ingest::hls
