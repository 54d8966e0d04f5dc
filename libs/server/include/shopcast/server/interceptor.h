#pragma once

// One server interceptor for every RPC: Prometheus metrics (requests by method and code,
// latency histogram, in-flight gauge) and a structured access-log line per call.

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace shopcast::server {

class ObservabilityInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservabilityInterceptorFactory(prometheus::Registry& registry);
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  struct Metrics {
    prometheus::Family<prometheus::Counter>* started;
    prometheus::Family<prometheus::Counter>* handled;
    prometheus::Family<prometheus::Histogram>* latency;
    prometheus::Family<prometheus::Gauge>* in_flight;
  };

 private:
  Metrics metrics_;
};

}  // namespace shopcast::server
