#include "shopcast/server/interceptor.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"

namespace shopcast::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Splits "/pkg.Service/Method" into its service and method.
std::pair<std::string, std::string> SplitMethod(absl::string_view full) {
  if (!full.empty() && full[0] == '/') full.remove_prefix(1);
  size_t slash = full.find('/');
  if (slash == absl::string_view::npos) return {std::string(full), ""};
  return {std::string(full.substr(0, slash)), std::string(full.substr(slash + 1))};
}

// With the callback API, a request that fails to parse (say, invalid UTF-8 in a proto3 string)
// is answered UNIMPLEMENTED with no message, indistinguishable from an unknown method. A method
// our contracts define was not unknown: the caller sent a malformed request.
bool IsMalformedRequest(const grpc::Status& st, const std::string& service,
                        const std::string& method) {
  if (st.error_code() != grpc::StatusCode::UNIMPLEMENTED || !st.error_message().empty()) {
    return false;
  }
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
             service + "." + method) != nullptr;
}

class ObservabilityInterceptor : public grpc::experimental::Interceptor {
 public:
  ObservabilityInterceptor(grpc::experimental::ServerRpcInfo* info,
                           const ObservabilityInterceptorFactory::Metrics& m)
      : metrics_(m), start_(absl::Now()) {
    auto [svc, method] = SplitMethod(info->method() ? info->method() : "");
    service_ = std::move(svc);
    method_ = std::move(method);
    metrics_.started->Add({{"grpc_service", service_}, {"grpc_method", method_}}).Increment();
    in_flight_ = &metrics_.in_flight->Add({{"grpc_service", service_}});
    in_flight_->Increment();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      if (md != nullptr) {
        auto it = md->find("x-request-id");
        if (it != md->end() && it->second.size() <= 128) {
          request_id_.assign(it->second.data(), it->second.size());
        }
      }
      if (request_id_.empty()) request_id_ = ids::NewId("req");
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      if (md != nullptr && !request_id_.empty()) md->emplace("x-request-id", request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status st = methods->GetSendStatus();
      auto* trailers = methods->GetSendTrailingMetadata();
      if (IsMalformedRequest(st, service_, method_)) {
        st = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "request could not be parsed (is every string valid UTF-8?)");
        methods->ModifySendStatus(st);
        if (trailers != nullptr) trailers->emplace("shopcast-error-reason", "REQUEST_MALFORMED");
      }
      code_ = st.error_code();
      if (trailers != nullptr) {
        auto it = trailers->find("shopcast-error-reason");
        if (it != trailers->end()) reason_ = it->second;
      }
      status_sent_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_CLOSE)) {
      Record();
    }
    methods->Proceed();
  }

  ~ObservabilityInterceptor() override { Record(); }

 private:
  void Record() {
    if (recorded_) return;
    recorded_ = true;
    in_flight_->Decrement();
    if (!status_sent_) code_ = grpc::CANCELLED;  // the client went away first
    double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    // gRPC and Abseil number their codes alike, so Abseil's names serve for both.
    const std::string code = absl::StatusCodeToString(static_cast<absl::StatusCode>(code_));
    metrics_.handled
        ->Add({{"grpc_service", service_}, {"grpc_method", method_}, {"grpc_code", code}})
        .Increment();
    metrics_.latency
        ->Add({{"grpc_service", service_}, {"grpc_method", method_}},
              prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1, 0.25, 0.5, 1, 2.5, 5, 10})
        .Observe(seconds);
    auto line = code_ == grpc::OK || code_ == grpc::CANCELLED ? log::Info("rpc") : log::Warn("rpc");
    line.Kv("method", method_).Kv("service_name", service_).Kv("code", code)
        .Kv("ms", seconds * 1000.0).Kv("request_id", request_id_);
    if (!reason_.empty()) line.Kv("reason", reason_);
  }

  const ObservabilityInterceptorFactory::Metrics& metrics_;
  absl::Time start_;
  std::string service_;
  std::string method_;
  std::string request_id_;
  std::string reason_;
  grpc::StatusCode code_ = grpc::OK;
  bool status_sent_ = false;
  bool recorded_ = false;
  prometheus::Gauge* in_flight_;
};

}  // namespace

ObservabilityInterceptorFactory::ObservabilityInterceptorFactory(prometheus::Registry& registry) {
  metrics_.started = &prometheus::BuildCounter()
                          .Name("grpc_server_started_total")
                          .Help("RPCs started on the server.")
                          .Register(registry);
  metrics_.handled = &prometheus::BuildCounter()
                          .Name("grpc_server_handled_total")
                          .Help("RPCs completed on the server, by status code.")
                          .Register(registry);
  metrics_.latency = &prometheus::BuildHistogram()
                          .Name("grpc_server_handling_seconds")
                          .Help("Time from the start of an RPC to its status being sent.")
                          .Register(registry);
  metrics_.in_flight = &prometheus::BuildGauge()
                            .Name("grpc_server_in_flight")
                            .Help("RPCs currently being handled.")
                            .Register(registry);
}

grpc::experimental::Interceptor* ObservabilityInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new ObservabilityInterceptor(info, metrics_);
}

}  // namespace shopcast::server
