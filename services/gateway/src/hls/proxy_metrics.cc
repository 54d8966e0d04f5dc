#include "hls/proxy_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace shopcast::gateway::hls {

ProxyMetrics::ProxyMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("gateway_hls_requests_total")
                   .Help("HLS proxy requests by outcome.")
                   .Register(*registry);
  lookups_ = &prometheus::BuildCounter()
                  .Name("gateway_hls_route_lookups_total")
                  .Help("LookupStreams calls made to route a stream, by result.")
                  .Register(*registry);
  latency_ = &prometheus::BuildHistogram()
                  .Name("gateway_hls_upstream_seconds")
                  .Help("Time from sending a request to an HLS origin to its last byte.")
                  .Register(*registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.002, 0.005, 0.01, 0.025, 0.05,
                                                                   0.1, 0.25, 0.5, 1, 2, 4, 8, 16});
  connections_ = &prometheus::BuildGauge()
                      .Name("gateway_hls_upstream_connections")
                      .Help("Open connections to HLS origins (idle in the pool or in use).")
                      .Register(*registry)
                      .Add({});
  bytes_ = &prometheus::BuildCounter()
                .Name("gateway_hls_response_bytes_total")
                .Help("Body bytes relayed from HLS origins to clients.")
                .Register(*registry)
                .Add({});
}

void ProxyMetrics::Request(std::string_view outcome) {
  if (requests_ != nullptr) requests_->Add({{"outcome", std::string(outcome)}}).Increment();
}

void ProxyMetrics::UpstreamLatency(double seconds) {
  if (latency_ != nullptr) latency_->Observe(seconds);
}

void ProxyMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void ProxyMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

void ProxyMetrics::BytesRelayed(uint64_t bytes) {
  if (bytes_ != nullptr) bytes_->Increment(static_cast<double>(bytes));
}

void ProxyMetrics::Lookup(std::string_view result) {
  if (lookups_ != nullptr) lookups_->Add({{"result", std::string(result)}}).Increment();
}

}  // namespace shopcast::gateway::hls
