#include "hls/hls_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace shopcast::video_ingest::hls {

HlsMetrics::HlsMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("hls_http_requests_total")
                   .Help("HLS origin HTTP responses by status code and resource kind.")
                   .Register(*registry);
  bytes_sent_ = &prometheus::BuildCounter()
                     .Name("hls_http_bytes_sent_total")
                     .Help("Bytes the HLS origin wrote to clients, headers included.")
                     .Register(*registry)
                     .Add({});
  connections_ = &prometheus::BuildGauge()
                      .Name("hls_http_connections")
                      .Help("HTTP connections currently open on the HLS origin.")
                      .Register(*registry)
                      .Add({});
}

void HlsMetrics::Request(unsigned code, ResourceKind kind) {
  if (requests_ == nullptr) return;
  // Family::Add returns the existing series for known labels; it locks, but a request costs
  // far more than that.
  requests_->Add({{"code", std::to_string(code)}, {"kind", std::string(KindLabel(kind))}})
      .Increment();
}

void HlsMetrics::BytesSent(uint64_t bytes) {
  if (bytes_sent_ != nullptr) bytes_sent_->Increment(static_cast<double>(bytes));
}

void HlsMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void HlsMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

}  // namespace shopcast::video_ingest::hls
