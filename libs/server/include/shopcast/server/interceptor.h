#pragma once

// One server interceptor for every RPC: Prometheus metrics (requests by method and code,
// latency histogram, in-flight gauge) and a structured access-log line per call.
//
// It runs on gRPC's threads for every call, so it does no per-call work that can be done once:
// metric handles and the split method name are cached per method (found without a lock),
// request ids come from a counter (ids::NewUniqueInlineId: no system call, no allocation), and
// the access log line is handed to the logger's writer thread unformatted, without an
// allocation (shopcast/log).

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "shopcast/timing/clock.h"

namespace shopcast::server {

class ObservabilityInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `clock` times calls (steady; tests pass a fake); it must outlive the factory.
  explicit ObservabilityInterceptorFactory(
      prometheus::Registry& registry,
      const timing::SteadyClock& clock = timing::SteadyClock::Real());
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // What a call of one method needs, made at its first call.
  struct PerMethod {
    std::string full_name;  // "/pkg.Service/Method", as gRPC gives it
    std::string service;
    std::string method;
    prometheus::Counter* started;
    prometheus::Gauge* in_flight;
    prometheus::Histogram* latency;
    // By gRPC status code (0..16), added to the family at the code's first use.
    std::array<std::atomic<prometheus::Counter*>, 17> handled{};
  };

  // The handled counter of `code` for `m`.
  prometheus::Counter& Handled(PerMethod& m, int code);

 private:
  PerMethod& ForMethod(const char* full_method);
  PerMethod& AddMethod(absl::string_view full_name, size_t hash) ABSL_LOCKS_EXCLUDED(mu_);
  PerMethod* FindLocked(absl::string_view full_name, size_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const timing::SteadyClock& clock_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Gauge>& in_flight_;

  // Every call looks its method up, so lookups take no lock: an open-addressing table whose
  // slots go from empty to an entry once and never change again (entries live as long as the
  // factory). Twice the most methods it holds, so probes stay short.
  static constexpr size_t kMaxMethods = 512;
  static constexpr size_t kSlots = 2 * kMaxMethods + 2;
  std::array<std::atomic<PerMethod*>, kSlots> slots_{};
  absl::Mutex mu_;  // serialises additions
  std::vector<std::unique_ptr<PerMethod>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::server
