#pragma once

// The HLS origin: serves what the packager writes under a root folder over HTTP/1.x.
//   GET/HEAD /live/<stream id>/<file>  →  <root>/<stream id>/<file>
// with HLS content types, caching (segments immutable, playlists short-lived), ETag/304, CORS,
// single byte ranges, keep-alive, and hard limits on connections, header size and timeouts.
// Asynchronous (Boost.Beast): a few I/O threads serve thousands of players.
//
// Contract with the packager: playlists are replaced by atomic rename; every other file is
// written once under a name that is never reused (it is served as immutable). A media playlist
// live on this replica (one the PlaylistWatch knows) is served from the version its writer
// reported in memory instead, and so are the parts it holds (PlaylistProgress::snapshot).

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "hls/hls_origin_options.h"
#include "hls/playback_access.h"
#include "hls/playlist_watch.h"
#include "media/thumbnail_source.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::hls {

class HlsOrigin {
 public:
  // `registry` and `access` (both optional) must outlive this object. Without `access` every
  // stream is served openly; with it, gated streams only to requests it allows (see
  // playback_access.h: 401 without a token, 403 for a bad one or a revoked pass, 503 when it
  // cannot tell). With `watch` (optional, must outlive this object) the playlists it knows
  // answer Low-Latency HLS blocking requests (see responder.h and blocking_requests.h).
  // With `thumbnails` (optional, must outlive this object) a stream's thumb.jpg is rendered
  // when asked for (see thumbnail_requests.h).
  explicit HlsOrigin(HlsOriginOptions options, prometheus::Registry* registry = nullptr,
                     const PlaybackAccess* access = nullptr, PlaylistWatch* watch = nullptr,
                     media::ThumbnailSource* thumbnails = nullptr);
  ~HlsOrigin();  // Stops.
  HlsOrigin(const HlsOrigin&) = delete;
  HlsOrigin& operator=(const HlsOrigin&) = delete;

  // Binds and starts serving; call once. FAILED_PRECONDITION/HLS_ROOT_MISSING,
  // INVALID_ARGUMENT/HLS_BAD_OPTIONS, UNAVAILABLE/HLS_LISTEN_FAILED.
  absl::Status Start();

  // The bound port (the ephemeral one if options.port was 0); 0 before Start().
  uint16_t port() const;

  // Answers the parked requests (503) and waits up to options.shutdown_grace for them to be
  // sent, then closes the listener and every connection and joins the I/O threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shopcast::video_ingest::hls
