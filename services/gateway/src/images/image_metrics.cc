#include "images/image_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace shopcast::gateway::images {

ImageMetrics::ImageMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("gateway_images_requests_total")
                   .Help("Product image requests under /images/, by outcome.")
                   .Register(*registry);
  latency_ = &prometheus::BuildHistogram()
                  .Name("gateway_images_upstream_seconds")
                  .Help("Time from sending a request to the image origin to its last byte.")
                  .Register(*registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{
                               0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5});
  connections_ = &prometheus::BuildGauge()
                      .Name("gateway_images_upstream_connections")
                      .Help("Open connections to the image origin (idle in the pool or in use).")
                      .Register(*registry)
                      .Add({});
  bytes_ = &prometheus::BuildCounter()
                .Name("gateway_images_response_bytes_total")
                .Help("Rendition bytes relayed from the image origin to clients.")
                .Register(*registry)
                .Add({});
}

void ImageMetrics::Request(std::string_view outcome) {
  if (requests_ != nullptr) requests_->Add({{"outcome", std::string(outcome)}}).Increment();
}

void ImageMetrics::UpstreamLatency(double seconds) {
  if (latency_ != nullptr) latency_->Observe(seconds);
}

void ImageMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void ImageMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

void ImageMetrics::BytesRelayed(uint64_t bytes) {
  if (bytes_ != nullptr) bytes_->Increment(static_cast<double>(bytes));
}

}  // namespace shopcast::gateway::images
