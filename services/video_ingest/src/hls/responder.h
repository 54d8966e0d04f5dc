#pragma once

// The HLS origin's handler: turns one parsed HTTP request into its response — path validation,
// the file under the root, HLS content types and caching, CORS. HTTP itself (conditional
// requests, ranges, HEAD, the session's limits) is libs/http_files'.

#include <array>
#include <string>

#include "absl/status/status.h"
#include "hls/hls_origin_options.h"
#include "hls/hls_path.h"
#include "hls/playback_access.h"
#include "shopcast/http_files/reply.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::hls {

using http_files::Reply;
using http_files::Request;

class Responder final : public http_files::Handler {
 public:
  // `access` (optional; null serves every stream openly) decides each request of a gated
  // stream; refusals are counted in `registry` (optional) as
  // hls_playback_refusals_total{reason}. Both must outlive this object.
  explicit Responder(const HlsOriginOptions& options, const PlaybackAccess* access = nullptr,
                     prometheus::Registry* registry = nullptr);

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
  // A gated stream's file for a request holding a valid token: playlists with the token added
  // to every URI inside, nothing cached by shared caches.
  Reply ServeGated(const Request& request, const HlsResource& resource,
                   std::string_view token) const;
  // 401, 403 or 503 for a refused request of a gated stream; counted. No file is opened.
  Reply Refuse(AccessDecision decision, const Request& request, const HlsResource& resource) const;

  const PlaybackAccess* access_;
  // hls_playback_refusals_total, by AccessDecision (null entries: no registry, or not a refusal).
  std::array<prometheus::Counter*, 9> refusals_{};
  std::string root_;
  std::string cors_origin_;
  std::string playlist_cache_control_;
};

}  // namespace shopcast::video_ingest::hls
