#pragma once

// The HLS origin's handler: turns one parsed HTTP request into its response — path validation,
// the file under the root, HLS content types and caching, CORS. HTTP itself (conditional
// requests, ranges, HEAD, the session's limits) is libs/http_files'.

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "hls/blocking_requests.h"
#include "hls/hls_origin_options.h"
#include "hls/hls_path.h"
#include "hls/playback_access.h"
#include "hls/playlist_watch.h"
#include "hls/thumbnail_requests.h"
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
  // hls_playback_refusals_total{reason}. `watch` (optional) enables Low-Latency HLS blocking
  // requests for the playlists it knows. All must outlive this object.
  // `thumbnails` (optional) renders a stream's thumb.jpg on demand (thumbnail_requests.h).
  explicit Responder(const HlsOriginOptions& options, const PlaybackAccess* access = nullptr,
                     prometheus::Registry* registry = nullptr, PlaylistWatch* watch = nullptr,
                     media::ThumbnailSource* thumbnails = nullptr);

  // The response to `request`, never parked (delivery directives ignored); files are opened
  // relative to the root at call time. Blocking file-system calls only (open, fstat);
  // thread-safe.
  Reply Respond(const Request& request) const override;

  // With a watch: a media playlist request with `_HLS_msn` [`_HLS_part`] that the playlist does
  // not satisfy yet, or a request for the part its preload hint names that is not written yet,
  // is parked (nullopt) and answered when it is, or after its hold. `_HLS_skip` serves the
  // delta playlist. With a thumbnail source, a stream's thumb.jpg that is missing or older
  // than options.thumbnail_max_age waits for a render (thumbnail_requests.h). The access
  // check comes first: a refused request is never parked, and nothing is rendered for it.
  std::optional<Reply> RespondOrDefer(
      const Request& request,
      const std::shared_ptr<http_files::DeferredReply>& later) const override;

  // Answers every parked request (503) and parks no more; before the server stops.
  void StopParking(absl::Duration grace) const;
  // A short text response for a request that could not be read (400, 413, 431); always closes.
  Reply Reject(boost::beast::http::status status, unsigned version) const override;

 private:
  // What every request goes through before a file is looked at: method, Host, path, access. A
  // reply when that already answers it; otherwise `resource` and (a gated stream's) `token`.
  std::optional<Reply> Screen(const Request& request, HlsResource& resource,
                              std::optional<std::string>& token) const;
  // Serves a screened request (no parking). `cache_control` overrides an ungated playlist's.
  Reply Serve(const Request& request, const HlsResource& resource,
              const std::optional<std::string>& token, std::string_view cache_control = {}) const;
  // The media playlist, or its delta update when `directives.skip` and the stream is live here
  // (the v2 one, EXT-X-DATERANGE tags skipped too, for `_HLS_skip=v2`); `blocking`: the answer
  // to a satisfied blocking reload (cached by its query).
  Reply ServeBlockingPlaylist(const Request& request, const HlsResource& resource,
                              const std::optional<std::string>& token,
                              const DeliveryDirectives& directives, bool blocking) const;
  std::optional<Reply> PlaylistRequest(
      const Request& request, const HlsResource& resource, const std::optional<std::string>& token,
      const std::shared_ptr<http_files::DeferredReply>& later) const;
  std::optional<Reply> PartRequest(const Request& request, const HlsResource& resource,
                                   const std::optional<std::string>& token, int64_t msn, int part,
                                   const std::shared_ptr<http_files::DeferredReply>& later) const;
  // A media playlist request without blocking: the version the watch holds in memory when
  // the playlist is live here (PlaylistProgress::snapshot), else the file.
  Reply ServeLivePlaylist(const Request& request, const HlsResource& resource,
                          const std::optional<std::string>& token) const;
  // `text`, a version of `resource` held in memory, served as its file would be (with the
  // token in every URI for a gated stream). `cache_control` overrides an ungated playlist's.
  Reply ServeSnapshotText(const Request& request, const HlsResource& resource,
                          const std::optional<std::string>& token, std::string text,
                          absl::Time made, std::string_view cache_control = {}) const;
  // A part the packager keeps in memory (LivePlaylist::Options::parts_in_memory), as the
  // latest version of its playlist holds it; null when it has none by that name.
  std::shared_ptr<const media::PartData> PartInMemory(const HlsResource& resource) const;
  // Serves such a part as its file would be served.
  Reply ServePartData(const Request& request, const HlsResource& resource,
                      const std::optional<std::string>& token, const media::PartData& data) const;
  // A part: from memory when held there, else its file.
  Reply ServePart(const Request& request, const HlsResource& resource,
                  const std::optional<std::string>& token) const;
  // Three target durations (read from the playlist once, then kept in the watch), capped.
  absl::Duration HoldFor(const std::string& stream_id, const std::string& playlist_name,
                         int64_t target_seconds) const;
  std::optional<Reply> ThumbnailRequest(
      const Request& request, const HlsResource& resource, const std::optional<std::string>& token,
      const std::shared_ptr<http_files::DeferredReply>& later) const;
  // 503 (no-store) for a parked request that could not be answered; `retry_after` in seconds.
  Reply Unavailable(const Request& request, ResourceKind kind, std::string body, int retry_after,
                    bool close) const;

  void AddCommonHeaders(boost::beast::http::fields& fields) const;
  Reply Text(boost::beast::http::status status, const Request& request, std::string body,
             ResourceKind kind) const;
  Reply OpenFailed(const absl::Status& status, const Request& request,
                   const HlsResource& resource) const;
  Reply ServeFile(const Request& request, const HlsResource& resource,
                  std::string_view cache_control = {}) const;
  // A gated stream's file for a request holding a valid token: playlists with the token added
  // to every URI inside, nothing cached by shared caches.
  Reply ServeGated(const Request& request, const HlsResource& resource,
                   std::string_view token) const;
  // A gated stream's playlist `text` with `token` in every URI, never stored by any cache.
  Reply GatedPlaylist(const Request& request, const HlsResource& resource, std::string_view text,
                      std::string_view token) const;
  // 401, 403 or 503 for a refused request of a gated stream; counted. No file is opened.
  Reply Refuse(AccessDecision decision, const Request& request, const HlsResource& resource) const;

  const PlaybackAccess* access_;
  // hls_playback_refusals_total, by AccessDecision (null entries: no registry, or not a refusal).
  std::array<prometheus::Counter*, 9> refusals_{};
  // hls_delta_updates_total{skip="YES"|"v2"}: delta playlists served (null: no registry).
  std::array<prometheus::Counter*, 2> delta_updates_{};
  std::string root_;
  std::string cors_origin_;
  std::string playlist_cache_control_;
  std::string blocking_cache_control_;
  absl::Duration blocking_max_hold_;
  absl::Duration default_target_duration_;
  std::string parts_playlist_name_;
  PlaylistWatch* watch_;
  std::unique_ptr<BlockingRequests> blocking_;     // with a watch
  std::unique_ptr<ThumbnailRequests> thumbnails_;  // with a thumbnail source
};

}  // namespace shopcast::video_ingest::hls
