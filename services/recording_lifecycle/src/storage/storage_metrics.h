#pragma once

// What providers report: requests by operation and outcome, bytes moved, retries. Providers
// take a StorageMetrics* (nullptr: nothing reported); PrometheusStorageMetrics exports them as
//   recording_lifecycle_storage_requests_total{provider,op,outcome}
//   recording_lifecycle_storage_bytes_total{provider,direction}   (direction: in = stored,
//                                                                   out = read back)
//   recording_lifecycle_storage_retries_total{provider,op}
// `op` is a provider operation (put, get, get_range, stat, delete, list, multipart_create,
// upload_part, multipart_complete, multipart_abort); `outcome` "ok" or the lower-case reason.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace shopcast::recording_lifecycle::storage {

class StorageMetrics {
 public:
  virtual ~StorageMetrics() = default;
  virtual void Request(absl::string_view provider, absl::string_view op,
                       const absl::Status& outcome) = 0;
  virtual void Bytes(absl::string_view provider, absl::string_view direction, int64_t n) = 0;
  virtual void Retry(absl::string_view provider, absl::string_view op) = 0;
};

// "ok", or the status's reason in lower case ("storage_unavailable"), or its code's name.
std::string OutcomeLabel(const absl::Status& status);

class PrometheusStorageMetrics final : public StorageMetrics {
 public:
  explicit PrometheusStorageMetrics(prometheus::Registry& registry);
  void Request(absl::string_view provider, absl::string_view op,
               const absl::Status& outcome) override;
  void Bytes(absl::string_view provider, absl::string_view direction, int64_t n) override;
  void Retry(absl::string_view provider, absl::string_view op) override;

 private:
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* bytes_;
  prometheus::Family<prometheus::Counter>* retries_;
};

}  // namespace shopcast::recording_lifecycle::storage
