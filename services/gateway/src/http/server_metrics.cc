#include "http/server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace shopcast::gateway::http {
namespace {

std::string CodeClass(unsigned status) {
  if (status < 100 || status > 599) return "other";
  return std::to_string(status / 100) + "xx";
}

}  // namespace

ServerMetrics::ServerMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("gateway_http_requests_total")
                   .Help("HTTP responses by route area (api, hls, ws, web) and status class.")
                   .Register(*registry);
  duration_ = &prometheus::BuildHistogram()
                   .Name("gateway_http_request_duration_seconds")
                   .Help("From a request's head read to its response handed to the socket.")
                   .Register(*registry);
  rejected_ = &prometheus::BuildCounter()
                   .Name("gateway_http_rejected_total")
                   .Help("Requests and connections refused or cut by a limit or timeout.")
                   .Register(*registry);
  connections_ = &prometheus::BuildGauge()
                      .Name("gateway_http_connections")
                      .Help("HTTP connections open (WebSockets once handed over not counted).")
                      .Register(*registry)
                      .Add({});
  received_ = &prometheus::BuildCounter()
                   .Name("gateway_http_bytes_received_total")
                   .Help("Request bytes read (heads and bodies).")
                   .Register(*registry)
                   .Add({});
  sent_ = &prometheus::BuildCounter()
               .Name("gateway_http_bytes_sent_total")
               .Help("Response bytes written, headers included.")
               .Register(*registry)
               .Add({});
  handovers_ = &prometheus::BuildCounter()
                    .Name("gateway_http_websocket_handovers_total")
                    .Help("Upgrade requests handed to the WebSocket hub.")
                    .Register(*registry)
                    .Add({});
}

void ServerMetrics::Request(absl::string_view area, unsigned status, absl::Duration elapsed) {
  if (requests_ == nullptr) return;
  const std::string a(area);
  requests_->Add({{"area", a}, {"code", CodeClass(status)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  duration_->Add({{"area", a}}, kBuckets).Observe(absl::ToDoubleSeconds(elapsed));
}

void ServerMetrics::Rejected(absl::string_view reason) {
  if (rejected_ != nullptr) rejected_->Add({{"reason", std::string(reason)}}).Increment();
}

void ServerMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void ServerMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

void ServerMetrics::BytesReceived(uint64_t n) {
  if (received_ != nullptr) received_->Increment(static_cast<double>(n));
}

void ServerMetrics::BytesSent(uint64_t n) {
  if (sent_ != nullptr) sent_->Increment(static_cast<double>(n));
}

void ServerMetrics::Handover() {
  if (handovers_ != nullptr) handovers_->Increment();
}

}  // namespace shopcast::gateway::http
