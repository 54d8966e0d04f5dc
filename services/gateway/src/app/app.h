#pragma once

// Everything one gateway process runs, built from a Config: the gRPC host (health, reflection,
// GatewayService, metrics), the HTTP server and the areas it routes to. The binary and the
// tests build the same App.

#include <memory>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "app/gateway_service.h"
#include "http/exchange.h"
#include "shopcast/server/host.h"

namespace shopcast::gateway {

// Stand-ins for tests: a non-null route replaces the area the app would build.
struct AppOverrides {
  Routes routes;
};

class App {
 public:
  // Loads what the areas need (the web files, TLS files) and builds them. Serves nothing until
  // Start().
  static absl::StatusOr<std::unique_ptr<App>> Create(const Config& config,
                                                     AppOverrides overrides = {});
  ~App();  // Stop()s.

  // The gRPC host first (probes answer as soon as the process can serve), then HTTP.
  absl::Status Start();
  // Drains: HTTP stops accepting and finishes what is in flight (drain_timeout), the WebSocket
  // hub says going-away and closes its sockets, then the HTTP I/O threads and the gRPC host
  // stop. Idempotent.
  void Stop();

  int http_port() const;
  server::ServiceHost& host();
  const GatewayInfo& info() const;

  struct Parts;

 private:
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
  bool stopped_ = false;
};

// `serve`: App until SIGTERM/SIGINT; returns the exit code.
int RunServer(const Config& config);

}  // namespace shopcast::gateway
