#pragma once

// Configuration of the HLS origin (see hls_origin.h). Plain values: the service's Config maps
// onto this; the origin never reads flags or the environment itself.

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace shopcast::video_ingest::hls {

struct HlsOriginOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = 0;  // 0 = an ephemeral port; read it back with HlsOrigin::port().
  // Folder the packager writes into: <root>/<stream id>/<file>. Must exist at Start().
  std::string root;
  int io_threads = 1;
  int max_connections = 2000;  // Connections accepted beyond this are closed at once.
  // Whole request head (request line + headers) must arrive within this; cuts slow-loris.
  absl::Duration header_timeout = absl::Seconds(10);
  // A kept-alive connection with no new request for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(30);
  // A response that makes no progress (client stopped reading) for this long is abandoned.
  absl::Duration write_timeout = absl::Seconds(30);
  uint32_t max_header_bytes = 8 * 1024;  // Request line + headers; larger → 431 and close.
  // Only GET, HEAD and OPTIONS are served, none of which carries a body: any body → 413.
  uint64_t max_body_bytes = 0;
  absl::Duration playlist_max_age = absl::Seconds(1);
  std::string cors_origin = "*";

  // Low-Latency HLS blocking requests (only with a PlaylistWatch; see blocking_requests.h).
  // A parked request is held three target durations (RFC 8216bis 6.2.5.2), at most this long,
  // then answered 503. Keep it below the gateway's upstream timeout (20 s).
  absl::Duration blocking_max_hold = absl::Seconds(15);
  // The target duration assumed until the playlist's EXT-X-TARGETDURATION has been read.
  absl::Duration default_target_duration = absl::Seconds(2);
  // Requests parked at once across every stream; beyond → 503 with Retry-After.
  int max_parked = 10000;
  // Cache-Control max-age of a blocking reload's answer (a shared cache keys it by the query,
  // `_HLS_msn`/`_HLS_part` included, and every later viewer asking for that segment or part
  // gets the same playlist). Plain reloads keep playlist_max_age.
  absl::Duration blocking_playlist_max_age = absl::Seconds(6);
  // The media playlist whose parts (PartFileName) preload hints name.
  std::string parts_playlist_name = "live.m3u8";
  // thumb.jpg rendered on demand (only with a ThumbnailSource; see thumbnail_requests.h): a
  // file younger than thumbnail_max_age (the thumbnail interval) is served as it is; an older
  // or missing one waits up to thumbnail_wait for a render, at most max_thumbnail_waits at once.
  absl::Duration thumbnail_max_age = absl::Seconds(4);
  absl::Duration thumbnail_wait = absl::Seconds(3);
  int max_thumbnail_waits = 1000;
  // How long Stop() waits for the parked requests' 503s to be sent.
  absl::Duration shutdown_grace = absl::Seconds(2);
};

}  // namespace shopcast::video_ingest::hls
