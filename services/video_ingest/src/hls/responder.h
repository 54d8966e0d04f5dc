#pragma once

// The HLS origin's handler: turns one parsed HTTP request into its response — path validation,
// the file under the root, HLS content types and caching, CORS. HTTP itself (conditional
// requests, ranges, HEAD, the session's limits) is libs/http_files'.

#include <string>

#include "absl/status/status.h"
#include "hls/hls_origin_options.h"
#include "hls/hls_path.h"
#include "shopcast/http_files/reply.h"

namespace shopcast::video_ingest::hls {

using http_files::Reply;
using http_files::Request;

class Responder final : public http_files::Handler {
 public:
  explicit Responder(const HlsOriginOptions& options);

  // The response to `request`; files are opened relative to the root at call time. Blocking
  // file-system calls only (open, fstat); thread-safe.
  Reply Respond(const Request& request) const override;

  // A short text response for a request that could not be read (400, 413, 431); always closes.
  Reply Reject(boost::beast::http::status status, unsigned version) const override;

 private:
  void AddCommonHeaders(boost::beast::http::fields& fields) const;
  Reply Text(boost::beast::http::status status, const Request& request, std::string body,
             ResourceKind kind) const;
  Reply OpenFailed(const absl::Status& status, const Request& request,
                   const HlsResource& resource) const;
  Reply ServeFile(const Request& request, const HlsResource& resource) const;

  std::string root_;
  std::string cors_origin_;
  std::string playlist_cache_control_;
};

}  // namespace shopcast::video_ingest::hls
