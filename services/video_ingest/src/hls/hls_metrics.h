#pragma once

// Prometheus metrics of the HLS origin. Every method is a no-op without a registry, so the
// origin never branches on whether metrics are wanted.

#include <cstdint>

#include "hls/hls_path.h"

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::hls {

class HlsMetrics {
 public:
  // `registry` may be null; otherwise it must outlive this object.
  explicit HlsMetrics(prometheus::Registry* registry);

  // hls_http_requests_total{code, kind}. Thread-safe, like the rest.
  void Request(unsigned code, ResourceKind kind);
  // hls_http_bytes_sent_total: bytes written to clients (headers and bodies).
  void BytesSent(uint64_t bytes);
  // hls_http_connections: connections currently open.
  void ConnectionOpened();
  void ConnectionClosed();

 private:
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Counter* bytes_sent_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;
};

}  // namespace shopcast::video_ingest::hls
