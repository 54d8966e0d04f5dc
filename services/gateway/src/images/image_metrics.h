#pragma once

// The image proxy's Prometheus metrics; every method is a no-op without a registry.

#include <cstdint>
#include <string_view>

#include "hls/upstream_client.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace shopcast::gateway::images {

class ImageMetrics : public hls::ConnectionObserver {
 public:
  explicit ImageMetrics(prometheus::Registry* registry);
  // gateway_images_requests_total{outcome}: ok, not_modified, not_found, bad_key, bad_method,
  // origin_error, upstream_unavailable, upstream_timeout, upstream_too_large, overloaded.
  void Request(std::string_view outcome);
  // gateway_images_upstream_seconds: from sending the request to the origin's last byte.
  void UpstreamLatency(double seconds);
  // gateway_images_upstream_connections: open connections to the image origin.
  void ConnectionOpened() override;
  void ConnectionClosed() override;
  // gateway_images_response_bytes_total: rendition bytes relayed to clients.
  void BytesRelayed(uint64_t bytes);

 private:
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Histogram* latency_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;
  prometheus::Counter* bytes_ = nullptr;
};

}  // namespace shopcast::gateway::images
