#pragma once

// The HLS proxy: GET/HEAD /live/<stream id>/<file>[?query] answered from the video-ingest
// replica whose encoder session holds the stream, so browsers play from the gateway's own
// origin (no CORS, one host name). The path and query pass through byte for byte (gated
// streams' `token`, LL-HLS blocking requests `_HLS_msn` / `_HLS_part` / `_HLS_skip`), with
// Range / If-None-Match / If-Modified-Since; the origin's status and its caching and range
// headers come back. A blocking playlist request waits as long as the origin holds it (up to
// upstream_timeout) without holding a thread: every upstream exchange is asynchronous
// (Boost.Beast), on keep-alive connections pooled per origin.
//
// Which replica: video-ingest's internal LookupStreams (StreamRef.hls_origin), cached per stream
// for route_cache_ttl and looked up again after an upstream failure. A stream nobody holds
// (RECONNECTING, ended: its files are on the shared hot tier) goes to default_origin.
//
// Answers of its own (text/plain, no-store): 404 for a path that is not exactly a live HLS file
// (nothing forwarded), an unknown stream, or /vod/… when no vod_origin is set; 405 for other
// methods; 502 when the origin cannot be reached, resets, or answers too much; 503 when the
// upstream connection cap is reached or no route can be found; 504 when it does not answer
// within upstream_timeout. Query strings are never logged (tokens).
//
// Recordings: /vod/<rec id>/<file>[?query] (hls_target.h's ParseVodTarget) go, the same way, to
// recording-lifecycle's VOD origin (vod_origin), which checks the token and serves the
// recording from whichever storage tier holds it.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "http/exchange.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::gateway::hls {

struct HlsProxyOptions {
  // Where a stream goes when no replica holds it, and every stream when there is no lookup
  // channel (development: one replica). "http://host:port"; "" = none.
  std::string default_origin;
  // recording-lifecycle's VOD origin, "http://host:port" (its Service): /vod/… goes there.
  // "" = /vod/… answers 404.
  std::string vod_origin;
  // How long a stream's route is reused before it is looked up again.
  absl::Duration route_cache_ttl = absl::Seconds(3);
  // Deadline of one LookupStreams call.
  absl::Duration lookup_timeout = absl::Seconds(2);
  // Routes kept at most (streams); beyond it expired ones are dropped, then the oldest.
  size_t max_cached_routes = 10000;
  absl::Duration connect_timeout = absl::Seconds(2);
  // From the request's start to the origin's last byte. Longer than any hold of a blocking
  // playlist request by the origin (LL-HLS: about three target durations).
  absl::Duration upstream_timeout = absl::Seconds(20);
  // A response body larger than this is not relayed (502).
  uint64_t max_response_bytes = 64ull << 20;
  // Connections per origin at once (held blocking requests each keep one); beyond → 503.
  int max_connections_per_origin = 4096;
  // Idle keep-alive connections kept per origin, and for how long (below the origin's own idle
  // timeout, 30 s for video-ingest, so a pooled connection is rarely found closed).
  int max_idle_per_origin = 64;
  absl::Duration idle_timeout = absl::Seconds(15);
};

// INVALID_ARGUMENT naming the option when a value is out of range or default_origin is not
// "http://host[:port]". The app calls it at start-up (fail fast); MakeHlsProxy assumes it passed.
absl::Status ValidateHlsProxyOptions(const HlsProxyOptions& options, bool has_lookup_channel);

// The proxy as the HTTP server's RouteHandler for /live/… and /vod/…. `video_ingest_internal`:
// a channel to video-ingest's internal (mutual TLS) listener, or null to send every stream to
// options.default_origin. `registry` may be null. One I/O thread of its own serves every
// upstream exchange; it is joined when the handler is destroyed.
std::shared_ptr<RouteHandler> MakeHlsProxy(HlsProxyOptions options,
                                           std::shared_ptr<grpc::Channel> video_ingest_internal,
                                           prometheus::Registry* registry);

}  // namespace shopcast::gateway::hls
