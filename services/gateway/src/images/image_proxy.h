#pragma once

// Product images through the gateway's own origin: GET/HEAD /images/<key> answered from
// product-inventory's image origin (its rendition files over plain HTTP inside the cluster), so
// the web app loads product photos from the host name it came from — no second origin, no
// extra img-src in the CSP, no CORS.
//
// Before anything goes upstream the target must be exactly /images/<64 lower-case hex>.webp or
// .jpg (image_key.h): anything else is 400 IMAGE_KEY_INVALID, /images/ alone 404. Only the method,
// the key's path and If-None-Match go upstream (no cookies, no Authorization, no query, no
// Range: renditions are small and answered whole). Back come 200 or 304 with Content-Type (which
// must be the key's own image type: anything else is the origin misbehaving, 502 — an HTML page
// from a misconfigured origin never reaches a browser from this origin), ETag and Cache-Control
// (the origin's; renditions are content-addressed, so immutable for a year when it says
// nothing), nosniff and a sandboxing CSP.
//
// Answers of its own are the gateway's JSON errors (shopcast.gateway.v1.HttpError, domain
// "gateway", no-store): 400 IMAGE_KEY_INVALID, 404 IMAGE_NOT_FOUND (the origin has no such
// rendition), 405 METHOD_NOT_ALLOWED (Allow: GET, HEAD), 502 IMAGE_ORIGIN_UNAVAILABLE (cannot
// connect, reset), IMAGE_ORIGIN_FAILED (an unexpected status or type), IMAGE_TOO_LARGE (over
// max_response_bytes), 503 OVERLOADED (the connection cap), 504 IMAGE_ORIGIN_TIMEOUT.
//
// Every upstream exchange is asynchronous (hls::UpstreamClient: Boost.Beast coroutines on one
// I/O thread of this area's own, keep-alive connections pooled), bounded by connect_timeout and
// upstream_timeout; an exchange that fails before any answer (connection refused, reset) is
// tried once more on a fresh connection — through a Service that is usually another replica.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "http/exchange.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::gateway::images {

struct ImageProxyOptions {
  // product-inventory's image origin, "http://host[:port]": in Kubernetes its Service
  // (http://product-inventory:8098; every replica serves every rendition from the shared
  // volume); a name that resolves to several addresses is tried address by address.
  std::string origin;
  absl::Duration connect_timeout = absl::Seconds(2);
  // From sending the request to the origin's last byte (a rendition is a file read).
  absl::Duration upstream_timeout = absl::Seconds(10);
  // A rendition larger than this is not relayed (502). The largest ("full", 1280 px) is well
  // under 1 MiB.
  uint64_t max_response_bytes = 8ull << 20;
  // Connections to the origin at once; beyond → 503.
  int max_connections = 1024;
  // Idle keep-alive connections kept, and for how long (below the origin's own 30 s).
  int max_idle = 32;
  absl::Duration idle_timeout = absl::Seconds(15);
};

// INVALID_ARGUMENT naming the option when origin is not "http://host[:port]" or a value is out
// of range. The app calls it at start-up (fail fast); MakeImageProxy assumes it passed.
absl::Status ValidateImageProxyOptions(const ImageProxyOptions& options);

// The proxy as the HTTP server's RouteHandler for /images and /images/…. `registry` may be
// null. Its I/O thread is joined when the handler is destroyed.
std::shared_ptr<RouteHandler> MakeImageProxy(ImageProxyOptions options,
                                             prometheus::Registry* registry);

}  // namespace shopcast::gateway::images
