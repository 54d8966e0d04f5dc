#include "storage/storage_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::storage {

std::string OutcomeLabel(const absl::Status& status) {
  if (status.ok()) return "ok";
  std::string reason = ReasonOf(status);
  if (reason.empty()) reason = absl::StatusCodeToString(status.code());
  return absl::AsciiStrToLower(reason);
}

PrometheusStorageMetrics::PrometheusStorageMetrics(prometheus::Registry& registry)
    : requests_(&prometheus::BuildCounter()
                     .Name("recording_lifecycle_storage_requests_total")
                     .Help("Storage provider requests by provider, operation and outcome (ok or "
                           "the error's reason); each retry attempt counts.")
                     .Register(registry)),
      bytes_(&prometheus::BuildCounter()
                  .Name("recording_lifecycle_storage_bytes_total")
                  .Help("Bytes stored into (in) and read back from (out) each provider.")
                  .Register(registry)),
      retries_(&prometheus::BuildCounter()
                    .Name("recording_lifecycle_storage_retries_total")
                    .Help("Storage requests retried after a retryable failure (5xx, timeout, "
                          "connection error), by provider and operation.")
                    .Register(registry)) {}

void PrometheusStorageMetrics::Request(absl::string_view provider, absl::string_view op,
                                       const absl::Status& outcome) {
  requests_
      ->Add({{"provider", std::string(provider)},
             {"op", std::string(op)},
             {"outcome", OutcomeLabel(outcome)}})
      .Increment();
}

void PrometheusStorageMetrics::Bytes(absl::string_view provider, absl::string_view direction,
                                     int64_t n) {
  if (n <= 0) return;
  bytes_->Add({{"provider", std::string(provider)}, {"direction", std::string(direction)}})
      .Increment(static_cast<double>(n));
}

void PrometheusStorageMetrics::Retry(absl::string_view provider, absl::string_view op) {
  retries_->Add({{"provider", std::string(provider)}, {"op", std::string(op)}}).Increment();
}

}  // namespace shopcast::recording_lifecycle::storage
