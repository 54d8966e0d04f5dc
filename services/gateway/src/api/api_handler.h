#pragma once

// The JSON API as the HTTP server's RouteHandler for /api/… and /openapi.json: route lookup,
// body and content-type checks, JSON → proto, the access token checked at the edge, rate limits,
// the refresh cookie and CSRF, the call through a generic stub (callback API: the I/O thread
// never waits), proto → JSON or an HttpError.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/access_check.h"
#include "grpcpp/channel.h"
#include "http/exchange.h"
#include "limits/rate_limits.h"
#include "prometheus/registry.h"
#include "shopcast/gateway/v1/gateway.pb.h"

namespace shopcast::gateway {

struct ApiOptions {
  // Channels by service path segment: "user", "product-inventory", "order", "realtime-push",
  // "video-ingest", "recording-lifecycle". The user channel must reach the user service's
  // internal listener with the gateway's certificate (it trusts x-shopcast-client-address only
  // there); the others may be the services' public listeners. Routes of a service without a
  // channel answer 503 SERVICE_NOT_CONFIGURED. "gateway" is answered here.
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  // Origins (scheme://host[:port]) besides the gateway's own that may make cookie-authenticated
  // calls (Refresh/Logout by cookie).
  std::vector<std::string> allowed_origins;
  // JSON nesting limit of request bodies.
  int max_json_depth = 32;
  // Threads that check access tokens (a key fetch may block one briefly), and tasks queued at
  // most beyond them (503 OVERLOADED past it).
  int verify_threads = 2;
  int verify_queue = 1024;
  // GatewayService.GetServerInfo / GetClientConfig answers.
  std::string version;
  std::string revision;
  v1::ClientConfig client_config;
  // Wall clock (server_time, cookie lifetimes); tests move it.
  std::function<absl::Time()> clock = absl::Now;
};

// `access` and `limits` are required; `metrics` may be null. Registers
// shopcast_gateway_api_requests_total{service,method,status} and
// shopcast_gateway_api_duration_seconds{service}. Internal if the route table cannot be built.
absl::StatusOr<std::shared_ptr<RouteHandler>> MakeApiHandler(ApiOptions options,
                                                             std::shared_ptr<AccessCheck> access,
                                                             std::shared_ptr<RateLimits> limits,
                                                             prometheus::Registry* metrics);

}  // namespace shopcast::gateway
