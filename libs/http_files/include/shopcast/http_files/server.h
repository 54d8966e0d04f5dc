#pragma once

// An HTTP/1.x server for static-file origins (Boost.Beast, asynchronous): a few I/O threads
// accept connections up to a limit and serve each with a bounded, time-limited session — the
// request head must arrive whole within a deadline and under a size limit, a kept-alive
// connection idles out, a response that makes no progress is abandoned — and hand every request
// to a Handler. What is served, and how, is the handler's (see responses.h).
//
// Metrics (when given a registry), named after ServerOptions::metrics_prefix:
//   <prefix>_requests_total{code, kind}, <prefix>_bytes_sent_total, <prefix>_connections.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/http_files/reply.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::http_files {

struct ServerOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = 0;  // 0 = an ephemeral port; read it back with Server::port().
  int io_threads = 1;
  int max_connections = 2000;  // Connections accepted beyond this are closed at once.
  // The whole request head (request line + headers) must arrive within this; cuts slow-loris.
  absl::Duration header_timeout = absl::Seconds(10);
  // A kept-alive connection with no new request for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(30);
  // A response that makes no progress (client stopped reading) for this long is abandoned.
  absl::Duration write_timeout = absl::Seconds(30);
  // A request the handler deferred (Handler::RespondOrDefer) and has not answered within this
  // is dropped and the connection closed: a safety net, the handler bounds its own waits.
  absl::Duration max_deferral = absl::Seconds(60);
  uint32_t max_header_bytes = 8 * 1024;  // Request line + headers; larger → 431 and close.
  // Requests are parsed with an empty body: any body larger than this → 413.
  uint64_t max_body_bytes = 0;
  // Names the metrics ("hls_http" → hls_http_requests_total), the log events
  // ("<prefix>_accept_failed") and, upper-cased, the error reasons ("HLS_HTTP_LISTEN_FAILED"
  // unless `reason_prefix` says otherwise).
  std::string metrics_prefix = "http";
  std::string reason_prefix;  // Empty: upper-cased metrics_prefix.
};

// Sets options.listen_address and options.port from "host:port", ":port" (every interface) or
// "[v6]:port"; port 0 asks for an ephemeral one. INVALID_ARGUMENT otherwise.
absl::Status SetListenAddress(absl::string_view host_port, ServerOptions& options);

class Server {
 public:
  // `registry` (optional) must outlive this object.
  Server(ServerOptions options, std::shared_ptr<const Handler> handler,
         prometheus::Registry* registry = nullptr);
  ~Server();  // Stops.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; call once. INVALID_ARGUMENT/<P>_BAD_OPTIONS,
  // UNAVAILABLE/<P>_LISTEN_FAILED, FAILED_PRECONDITION/<P>_ALREADY_STARTED (<P> the reason
  // prefix).
  absl::Status Start();

  // The bound port (the ephemeral one if options.port was 0); 0 before Start().
  uint16_t port() const;

  // Closes the listener and every connection, and joins the I/O threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shopcast::http_files
