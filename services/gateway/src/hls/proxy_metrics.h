#pragma once

// The HLS proxy's Prometheus metrics; every method is a no-op without a registry.

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

namespace shopcast::gateway::hls {

class ProxyMetrics : public ConnectionObserver {
 public:
  explicit ProxyMetrics(prometheus::Registry* registry);
  // gateway_hls_requests_total{outcome}: ok, not_modified, origin_4xx, origin_5xx, bad_path,
  // bad_method, vod, unknown_stream, no_route, upstream_unavailable, upstream_timeout,
  // upstream_too_large, overloaded.
  void Request(std::string_view outcome);
  // gateway_hls_upstream_seconds: from sending the request to the origin's last byte.
  void UpstreamLatency(double seconds);
  // gateway_hls_upstream_connections: open upstream connections (idle or busy).
  void ConnectionOpened() override;
  void ConnectionClosed() override;
  // gateway_hls_response_bytes_total: body bytes relayed to clients.
  void BytesRelayed(uint64_t bytes);
  // gateway_hls_route_lookups_total{result}: found, not_held, unknown, failed.
  void Lookup(std::string_view result);

 private:
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Counter>* lookups_ = nullptr;
  prometheus::Histogram* latency_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;
  prometheus::Counter* bytes_ = nullptr;
};

}  // namespace shopcast::gateway::hls
