#pragma once

// The gateway's HTTP/1.1 server (Boost.Beast, asynchronous): a few I/O threads, a strand per
// connection, plain TCP or TLS. Each connection is bounded and time-limited — the head must
// arrive within header_timeout and under max_header_bytes (431), the target under max_url_bytes
// (414), at most max_header_count fields (431), the body under the path's limit (413) within
// body_timeout (408), a kept-alive connection idles out, a response that makes no progress is
// abandoned, and a handler that never answers gets a 504 after response_timeout. Requests on a
// connection are answered in order (pipelined ones wait in the buffer). Routing, the request
// context and the added headers follow http/exchange.h.
//
// Metrics (registry optional): gateway_http_requests_total{area,code},
// gateway_http_request_duration_seconds{area}, gateway_http_connections,
// gateway_http_bytes_received_total, gateway_http_bytes_sent_total,
// gateway_http_rejected_total{reason}, gateway_http_websocket_handovers_total.
// Logs: one `http_request` line per answered request (request_id, method, area, path without
// its query, status, ms, client).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/exchange.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::gateway::http {

struct ServerOptions {
  // "host:port"; port 0 picks a free one (read it back with port()).
  std::string listen_address = "127.0.0.1:8080";
  // TLS from these PEM files (certificate chain, private key); both empty = plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Plain HTTP on a non-loopback address is refused unless this says a TLS-terminating proxy
  // (the k8s Ingress) stands in front.
  bool behind_tls_proxy = false;
  // Peers whose X-Forwarded-For / X-Forwarded-Proto are believed: "10.0.0.0/8, fd00::/8".
  std::string trusted_proxies;
  // Cross-origin callers allowed (exact origins), and extra image origins for the CSP.
  std::vector<std::string> cors_origins;
  std::vector<std::string> image_origins;

  int io_threads = 2;
  int max_connections = 10000;
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t max_url_bytes = 8 * 1024;
  uint32_t max_header_count = 100;
  uint64_t max_body_bytes = 1024 * 1024;
  // Paths with their own, larger body limit (product photos).
  std::vector<std::string> upload_paths = {"/api/v1/product-inventory/UploadProductImage"};
  uint64_t max_upload_bytes = 16 * 1024 * 1024;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration write_timeout = absl::Seconds(30);
  // A handler's answer must come within this (LL-HLS blocking playlist requests are held for a
  // few target durations, so this is generous).
  absl::Duration response_timeout = absl::Seconds(30);
};

// Checks options without touching files or sockets: INVALID_ARGUMENT naming what is wrong
// (plain HTTP on a public address without behind_tls_proxy, half of a TLS pair, bad CIDRs or
// origins, limits out of range).
absl::Status ValidateOptions(const ServerOptions& options);

class Server {
 public:
  // Validates the options and loads the TLS files. `registry` (optional) must outlive this.
  static absl::StatusOr<std::unique_ptr<Server>> Create(ServerOptions options, Routes routes,
                                                        prometheus::Registry* registry = nullptr);
  ~Server();  // Stop()s.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. UNAVAILABLE if the address cannot be bound.
  absl::Status Start();
  // The bound port; 0 before Start().
  uint16_t port() const;
  bool tls() const;

  // Graceful drain (SIGTERM), step one: stops accepting, closes idle kept-alive connections,
  // lets requests in flight finish (their responses say Connection: close) for up to
  // `deadline`, then cuts the HTTP connections left. The I/O threads keep running for the
  // WebSockets already handed over, which the hub closes in its own drain; then Stop().
  // Idempotent; blocks the caller until done.
  void Drain(absl::Duration deadline);
  // Closes everything at once and joins the I/O threads; handed-over WebSockets die with them,
  // so the hub closes its sockets first. Idempotent.
  void Stop();

  // Connections open now (handed-over WebSockets not counted).
  int connections() const;

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shopcast::gateway::http
