#include "server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace shopcast::http_files {

ServerMetrics::ServerMetrics(prometheus::Registry* registry, const std::string& prefix) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name(prefix + "_requests_total")
                   .Help("HTTP responses by status code and resource kind.")
                   .Register(*registry);
  bytes_sent_ = &prometheus::BuildCounter()
                     .Name(prefix + "_bytes_sent_total")
                     .Help("Bytes written to HTTP clients, headers included.")
                     .Register(*registry)
                     .Add({});
  connections_ = &prometheus::BuildGauge()
                      .Name(prefix + "_connections")
                      .Help("HTTP connections currently open.")
                      .Register(*registry)
                      .Add({});
}

void ServerMetrics::Request(unsigned code, std::string_view kind) {
  if (requests_ == nullptr) return;
  // Family::Add returns the existing series for known labels; it locks, but a request costs
  // far more than that.
  requests_->Add({{"code", std::to_string(code)}, {"kind", std::string(kind)}}).Increment();
}

void ServerMetrics::BytesSent(uint64_t bytes) {
  if (bytes_sent_ != nullptr) bytes_sent_->Increment(static_cast<double>(bytes));
}

void ServerMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void ServerMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

}  // namespace shopcast::http_files
