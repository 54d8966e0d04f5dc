#pragma once

// One server interceptor for every RPC: Prometheus metrics (requests by method and code,
// latency histogram, in-flight gauge) and a structured access-log line per call.
//
// It runs on gRPC's threads for every call, so it does no per-call work that can be done once:
// metric handles and the split method name are cached per method (found without a lock),
// request ids come from a counter (ids::NewUniqueInlineId: no system call, no allocation), and
// the access log line is handed to the logger's writer thread unformatted, without an
// allocation (shopcast/log).
//
// gRPC runs an interceptor's hooks on every message of a call, so a long server stream
// (realtime-push's Subscribe: every event to every subscriber) would pay them per message.
// Such a method is handed to ObserveInHandler: the interceptor stays out of its calls and the
// handler records each one with an ObservedCall, which logs and counts exactly what the
// interceptor would.

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
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
  // Null (no interceptor) for a method handed to ObserveInHandler.
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // `full_method` ("/pkg.Service/Method")'s handler records its calls itself (ObservedCall);
  // the interceptor stays out of them. Before the server starts.
  void ObserveInHandler(absl::string_view full_method);

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
    // Recorded by its handler (ObserveInHandler), not by an interceptor.
    std::atomic<bool> in_handler{false};
  };

  // The handled counter of `code` for `m`.
  prometheus::Counter& Handled(PerMethod& m, int code);
  // The method's entry, made at its first use.
  PerMethod& ForMethod(absl::string_view full_method);
  const timing::SteadyClock& clock() const { return clock_; }

 private:
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

// What one call records, whoever observes it (the interceptor, or an ObservedCall): started
// and in-flight at construction; at Record() the handled counter, the latency and the
// access-log line with the request id.
class CallRecord {
 public:
  CallRecord(ObservabilityInterceptorFactory& factory,
             ObservabilityInterceptorFactory::PerMethod& m);
  CallRecord(const CallRecord&) = delete;
  CallRecord& operator=(const CallRecord&) = delete;

  // The client's x-request-id from `md` when usable, else a new id.
  void TakeRequestId(const std::multimap<grpc::string_ref, grpc::string_ref>* md);
  absl::string_view request_id() const { return {request_id_.data(), request_id_size_}; }
  // The status sent, and its shopcast-error-reason trailer (empty if none).
  void SetStatus(grpc::StatusCode code, absl::string_view reason);
  // Records once; a call that sent no status counts as CANCELLED (the client went away first).
  void Record();

 private:
  // Longest request id taken from a client; a longer one is replaced by a generated id.
  static constexpr size_t kMaxRequestId = 128;

  ObservabilityInterceptorFactory& factory_;
  ObservabilityInterceptorFactory::PerMethod& m_;
  const timing::SteadyClock::TimePoint start_;
  // Inline, as every call has one: the client's (at most kMaxRequestId bytes) or a generated id.
  std::array<char, kMaxRequestId> request_id_;
  size_t request_id_size_ = 0;
  std::string reason_;
  grpc::StatusCode code_ = grpc::OK;
  bool status_sent_ = false;
  bool recorded_ = false;
};

// One call of a method handed to ObserveInHandler, recorded as the interceptor records any
// other call: the request id (echoed in the initial metadata, so make this before the call
// sends anything), metrics and the access-log line. With a null factory it records nothing.
class ObservedCall {
 public:
  ObservedCall(ObservabilityInterceptorFactory* factory, absl::string_view full_method,
               grpc::ServerContextBase* ctx);
  ObservedCall(const ObservedCall&) = delete;
  ObservedCall& operator=(const ObservedCall&) = delete;
  ~ObservedCall();  // Record()s.

  // The status the call finishes with, and its reason (as ToGrpcStatus sends it).
  void SetStatus(grpc::StatusCode code, absl::string_view reason);
  // Records once (the call is over); CANCELLED if no status was set.
  void Record();

 private:
  std::optional<CallRecord> record_;
};

}  // namespace shopcast::server
