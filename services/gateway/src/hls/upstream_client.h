#pragma once

// An asynchronous HTTP/1.1 client for plain-HTTP origins inside the cluster: video-ingest's HLS
// origins, and product-inventory's image origin (src/images/ uses it too). Boost.Beast, C++20
// coroutines on one io_context: keep-alive connections pooled per origin, a cap on connections
// per origin, a connect timeout and a whole-exchange timeout, a bounded response. A request that
// waits on an origin (a blocking playlist request) costs one socket and a coroutine frame, never
// a thread.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hls/origin.h"
#include "http/exchange.h"

namespace shopcast::gateway::hls {

// Told when upstream connections open and close (a gauge of open connections); each area
// counts its own. Called on the client's I/O thread (or wherever a connection is destroyed).
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void ConnectionOpened() = 0;
  virtual void ConnectionClosed() = 0;
};

struct UpstreamOptions {
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration exchange_timeout = absl::Seconds(20);  // write + wait + read
  uint64_t max_response_bytes = 64ull << 20;
  int max_connections_per_origin = 4096;
  int max_idle_per_origin = 64;
  absl::Duration idle_timeout = absl::Seconds(15);
};

struct UpstreamResult {
  // OK; UNAVAILABLE (cannot connect, reset, malformed answer); DEADLINE_EXCEEDED;
  // RESOURCE_EXHAUSTED with message "too_large" (body over the limit) or "overloaded" (the
  // connection cap).
  absl::Status status;
  HttpResponse response;  // when OK: the origin's answer, body read whole
  double seconds = 0;     // request sent → last byte (or failure)
};

class UpstreamClient {
 public:
  // `io` runs on one thread (the client relies on it: no strands); `metrics` outlives this.
  UpstreamClient(boost::asio::io_context& io, UpstreamOptions options, ConnectionObserver* metrics);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  using Done = absl::AnyInvocable<void(UpstreamResult) &&>;
  // Sends `request` (its Host is set here) to `origin`; `done` runs once, on the I/O thread,
  // unless the io_context is stopped first. Thread-safe.
  void Fetch(const Origin& origin, HttpRequest request, Done done);

  // Closes the idle connections (call from the I/O thread or after it stopped).
  void CloseIdle();

 private:
  struct Connection;
  class Exchange;
  std::unique_ptr<Connection> Checkout(const std::string& key);
  void Checkin(const std::string& key, std::unique_ptr<Connection> conn);
  bool Reserve(const std::string& key);  // counts a new connection against the cap
  void Release(const std::string& key);

  boost::asio::io_context& io_;
  const UpstreamOptions options_;
  ConnectionObserver* metrics_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::deque<std::unique_ptr<Connection>>> idle_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::gateway::hls
