#include "shopcast/server/interceptor.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/status.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"

namespace shopcast::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

// The access log's name for a status code. gRPC and Abseil number their codes alike, so Abseil's
// names serve for both; made once, since building the name per call would allocate.
absl::string_view CodeName(int code) {
  static const auto* names = [] {
    auto* n = new std::array<std::string, 17>;
    for (size_t c = 0; c < n->size(); ++c) {
      (*n)[c] = absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
    }
    return n;
  }();
  if (code < 0 || code >= static_cast<int>(names->size())) code = grpc::UNKNOWN;
  return (*names)[code];
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
             absl::StrCat(service, ".", method)) != nullptr;
}

class ObservabilityInterceptor : public grpc::experimental::Interceptor {
 public:
  ObservabilityInterceptor(ObservabilityInterceptorFactory& factory,
                           ObservabilityInterceptorFactory::PerMethod& m)
      : m_(m), record_(factory, m) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      record_.TakeRequestId(methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      if (md != nullptr && !record_.request_id().empty()) {
        md->emplace("x-request-id", std::string(record_.request_id()));
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status st = methods->GetSendStatus();
      auto* trailers = methods->GetSendTrailingMetadata();
      if (IsMalformedRequest(st, m_.service, m_.method)) {
        st = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "request could not be parsed (is every string valid UTF-8?)");
        methods->ModifySendStatus(st);
        if (trailers != nullptr) trailers->emplace("shopcast-error-reason", "REQUEST_MALFORMED");
      }
      std::string reason;
      if (trailers != nullptr) {
        auto it = trailers->find("shopcast-error-reason");
        if (it != trailers->end()) reason = it->second;
      }
      record_.SetStatus(st.error_code(), reason);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_CLOSE)) {
      record_.Record();
    }
    methods->Proceed();
  }

  ~ObservabilityInterceptor() override { record_.Record(); }

 private:
  ObservabilityInterceptorFactory::PerMethod& m_;
  CallRecord record_;
};

}  // namespace

CallRecord::CallRecord(ObservabilityInterceptorFactory& factory,
                       ObservabilityInterceptorFactory::PerMethod& m)
    : factory_(factory), m_(m), start_(factory.clock().Now()) {
  m_.started->Increment();
  m_.in_flight->Increment();
}

void CallRecord::TakeRequestId(const std::multimap<grpc::string_ref, grpc::string_ref>* md) {
  request_id_size_ = 0;
  if (md != nullptr) {
    auto it = md->find("x-request-id");
    if (it != md->end() && !it->second.empty() && it->second.size() <= kMaxRequestId) {
      request_id_size_ = it->second.size();
      std::copy(it->second.begin(), it->second.end(), request_id_.begin());
    }
  }
  if (request_id_size_ == 0) {
    const ids::InlineId id = ids::NewUniqueInlineId("req");
    request_id_size_ = id.view().size();
    std::copy(id.view().begin(), id.view().end(), request_id_.begin());
  }
}

void CallRecord::SetStatus(grpc::StatusCode code, absl::string_view reason) {
  code_ = code;
  reason_ = std::string(reason);
  status_sent_ = true;
}

void CallRecord::Record() {
  if (recorded_) return;
  recorded_ = true;
  m_.in_flight->Decrement();
  if (!status_sent_) code_ = grpc::CANCELLED;  // the client went away first
  const double seconds = timing::SecondsBetween(start_, factory_.clock().Now());
  const int code = static_cast<int>(code_);
  {
    auto line = code_ == grpc::OK || code_ == grpc::CANCELLED ? log::Info("rpc") : log::Warn("rpc");
    line.Kv("method", m_.method)
        .Kv("service_name", m_.service)
        .Kv("code", CodeName(code))
        .Kv("ms", seconds * 1000.0)
        .Kv("request_id", request_id());
    if (!reason_.empty()) line.Kv("reason", reason_);
  }  // Logged before the metrics move, so a scrape that sees this call finds its line too.
  factory_.Handled(m_, code).Increment();
  m_.latency->Observe(seconds);
}

ObservedCall::ObservedCall(ObservabilityInterceptorFactory* factory, absl::string_view full_method,
                           grpc::ServerContextBase* ctx) {
  if (factory == nullptr) return;
  record_.emplace(*factory, factory->ForMethod(full_method));
  record_->TakeRequestId(ctx != nullptr ? &ctx->client_metadata() : nullptr);
  if (ctx != nullptr) ctx->AddInitialMetadata("x-request-id", std::string(record_->request_id()));
}

ObservedCall::~ObservedCall() { Record(); }

void ObservedCall::SetStatus(grpc::StatusCode code, absl::string_view reason) {
  if (record_.has_value()) record_->SetStatus(code, reason);
}

void ObservedCall::Record() {
  if (record_.has_value()) record_->Record();
}

ObservabilityInterceptorFactory::ObservabilityInterceptorFactory(prometheus::Registry& registry,
                                                                 const timing::SteadyClock& clock)
    : clock_(clock),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by status code.")
                   .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("grpc_server_handling_seconds")
                   .Help("Time from the start of an RPC to its status being sent.")
                   .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("grpc_server_in_flight")
                     .Help("RPCs currently being handled.")
                     .Register(registry)) {}

ObservabilityInterceptorFactory::PerMethod& ObservabilityInterceptorFactory::ForMethod(
    absl::string_view full) {
  const size_t hash = absl::HashOf(full);
  for (size_t i = 0; i < kSlots; ++i) {
    PerMethod* m = slots_[(hash + i) % kSlots].load(std::memory_order_acquire);
    if (m == nullptr) break;  // not added yet: entries fill the first empty slot of their probe
    if (m->full_name == full) return *m;
  }
  return AddMethod(full, hash);
}

ObservabilityInterceptorFactory::PerMethod* ObservabilityInterceptorFactory::FindLocked(
    absl::string_view full_name, size_t hash) {
  for (size_t i = 0; i < kSlots; ++i) {
    PerMethod* m = slots_[(hash + i) % kSlots].load(std::memory_order_relaxed);
    if (m == nullptr) return nullptr;
    if (m->full_name == full_name) return m;
  }
  return nullptr;
}

ObservabilityInterceptorFactory::PerMethod& ObservabilityInterceptorFactory::AddMethod(
    absl::string_view full_name, size_t hash) {
  absl::MutexLock lock(&mu_);
  if (PerMethod* m = FindLocked(full_name, hash)) return *m;  // added meanwhile
  // Beyond kMaxMethods names (only a client inventing method names gets there) calls share one
  // "unknown" entry, so labels and memory stay bounded; the table keeps room for it.
  if (methods_.size() >= kMaxMethods) {
    full_name = "/unknown/unknown";
    hash = absl::HashOf(full_name);
    if (PerMethod* m = FindLocked(full_name, hash)) return *m;
  }
  // "/pkg.Service/Method" -> "pkg.Service", "Method".
  absl::string_view path = full_name;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  const size_t slash = path.find('/');
  auto m = std::make_unique<PerMethod>();
  m->full_name = std::string(full_name);
  m->service = std::string(path.substr(0, slash));
  m->method = slash == absl::string_view::npos ? "" : std::string(path.substr(slash + 1));
  m->started = &started_.Add({{"grpc_service", m->service}, {"grpc_method", m->method}});
  m->in_flight = &in_flight_.Add({{"grpc_service", m->service}});
  m->latency =
      &latency_.Add({{"grpc_service", m->service}, {"grpc_method", m->method}},
                    prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  PerMethod* added = m.get();
  methods_.push_back(std::move(m));
  for (size_t i = 0; i < kSlots; ++i) {
    std::atomic<PerMethod*>& slot = slots_[(hash + i) % kSlots];
    if (slot.load(std::memory_order_relaxed) == nullptr) {
      slot.store(added, std::memory_order_release);  // published complete
      break;
    }
  }
  return *added;
}

prometheus::Counter& ObservabilityInterceptorFactory::Handled(PerMethod& m, int code) {
  if (code < 0 || code >= static_cast<int>(m.handled.size())) code = grpc::UNKNOWN;
  prometheus::Counter* c = m.handled[code].load(std::memory_order_acquire);
  if (c == nullptr) {
    // Family::Add is thread-safe and returns the existing counter for the same labels, so a
    // race here only stores the same pointer twice.
    c = &handled_.Add(
        {{"grpc_service", m.service},
         {"grpc_method", m.method},
         {"grpc_code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
    m.handled[code].store(c, std::memory_order_release);
  }
  return *c;
}

void ObservabilityInterceptorFactory::ObserveInHandler(absl::string_view full_method) {
  ForMethod(full_method).in_handler.store(true, std::memory_order_release);
}

grpc::experimental::Interceptor* ObservabilityInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  PerMethod& m = ForMethod(info->method() != nullptr ? info->method() : "");
  // gRPC skips its interceptor machinery for a call whose factories all return null.
  if (m.in_handler.load(std::memory_order_acquire)) return nullptr;
  return new ObservabilityInterceptor(*this, m);
}

}  // namespace shopcast::server
