// The interceptor as operators see it: access log and metrics per call, timed on a steady clock.
#include "shopcast/server/interceptor.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "shopcast/log/log.h"
#include "shopcast/testing/wait.h"
#include "shopcast/timing/clock.h"

namespace {

// Every call takes 1.5 s on the fake clock, and is answered NOT_FOUND.
class SlowService : public grpc::CallbackGenericService {
 public:
  explicit SlowService(shopcast::timing::FakeSteadyClock& clock) : clock_(clock) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    clock_.Advance(absl::Milliseconds(1500));
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      Reactor() { Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "nothing here")); }
      void OnDone() override { delete this; }
    };
    return new Reactor;
  }

 private:
  shopcast::timing::FakeSteadyClock& clock_;
};

const prometheus::ClientMetric* Find(const std::vector<prometheus::MetricFamily>& families,
                                     const std::string& name) {
  for (const auto& f : families) {
    if (f.name == name && !f.metric.empty()) return &f.metric.front();
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a call's duration in the access log and the latency histogram is steady-clock time") {
  std::string captured;
  shopcast::log::CaptureForTesting(&captured);
  shopcast::timing::FakeSteadyClock clock;
  prometheus::Registry registry;
  SlowService service(clock);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(
      std::make_unique<shopcast::server::ObservabilityInterceptorFactory>(registry, clock));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);

  grpc::GenericStub stub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "req-from-test");
  grpc::Slice payload(std::string("x"));
  grpc::ByteBuffer request(&payload, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/test.v1.Slow/Wait", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);

  // The server records the call just after answering: wait for the histogram to show it.
  const prometheus::ClientMetric* latency = nullptr;
  shopcast::testing::WaitUntil(
      [&] {
        latency = Find(registry.Collect(), "grpc_server_handling_seconds");
        return latency != nullptr && latency->histogram.sample_count == 1;
      },
      absl::Seconds(30));
  auto families = registry.Collect();
  latency = Find(families, "grpc_server_handling_seconds");
  REQUIRE(latency != nullptr);
  CHECK(latency->histogram.sample_count == 1);
  CHECK(latency->histogram.sample_sum == 1.5);
  const prometheus::ClientMetric* handled = Find(families, "grpc_server_handled_total");
  REQUIRE(handled != nullptr);
  CHECK(handled->counter.value == 1);

  server->Shutdown();
  shopcast::log::CaptureForTesting(nullptr);
  auto line = nlohmann::json::parse(captured.substr(0, captured.find('\n')));
  CHECK(line["event"] == "rpc");
  CHECK(line["level"] == "warn");
  CHECK(line["service_name"] == "test.v1.Slow");
  CHECK(line["method"] == "Wait");
  CHECK(line["code"] == "NOT_FOUND");
  CHECK(line["ms"] == 1500.0);
  CHECK(line["request_id"] == "req-from-test");
}

TEST_CASE("each method gets its own metrics up to 512 names — more share an 'unknown' label") {
  std::string captured;
  shopcast::log::CaptureForTesting(&captured);
  shopcast::timing::FakeSteadyClock clock;
  prometheus::Registry registry;
  SlowService service(clock);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(
      std::make_unique<shopcast::server::ObservabilityInterceptorFactory>(registry, clock));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  grpc::GenericStub stub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto call = [&stub](const std::string& method) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Slice payload(std::string("x"));
    grpc::ByteBuffer request(&payload, 1);
    grpc::ByteBuffer response;
    absl::Notification done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status) { done.Notify(); });
    REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  };
  for (int i = 0; i < 600; ++i) call(absl::StrCat("/test.v1.Many/M", i));
  call("/test.v1.Many/M0");  // a known method again: found, not added

  // The server counts a call just after answering it: wait until all 601 are in.
  auto started = [&registry] {
    std::map<std::string, double> by_method;
    for (const auto& f : registry.Collect()) {
      if (f.name != "grpc_server_started_total") continue;
      for (const auto& m : f.metric) {
        std::string method;
        for (const auto& l : m.label) {
          if (l.name == "grpc_method") method = l.value;
        }
        by_method[method] += m.counter.value;
      }
    }
    return by_method;
  };
  std::map<std::string, double> by_method;
  shopcast::testing::WaitUntil(
      [&] {
        by_method = started();
        double total = 0;
        for (const auto& [name, n] : by_method) total += n;
        return total == 601;
      },
      absl::Seconds(30));
  server->Shutdown();
  shopcast::log::CaptureForTesting(nullptr);
  CHECK(by_method.size() == 513);  // 512 methods and "unknown"
  CHECK(by_method["M0"] == 2);
  CHECK(by_method["M511"] == 1);
  CHECK(by_method.count("M512") == 0);
  CHECK(by_method["unknown"] == 600 - 512);
}

namespace {

// "/test.v1.Stream/Observed" records its own calls (ObservedCall) and answers NOT_FOUND with a
// reason trailer; any other method is answered OK and left to the interceptor.
class SelfObservingService : public grpc::CallbackGenericService {
 public:
  explicit SelfObservingService(shopcast::server::ObservabilityInterceptorFactory& factory)
      : factory_(factory) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      Reactor(shopcast::server::ObservabilityInterceptorFactory& factory,
              grpc::GenericCallbackServerContext* ctx, bool observe)
          : observed_(observe ? &factory : nullptr, ctx->method(), ctx) {
        if (observe) {
          ctx->AddTrailingMetadata("shopcast-error-reason", "NOTHING_HERE");
          observed_.SetStatus(grpc::StatusCode::NOT_FOUND, "NOTHING_HERE");
          Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "nothing here"));
        } else {
          Finish(grpc::Status::OK);
        }
      }
      void OnDone() override {
        observed_.Record();
        delete this;
      }

     private:
      shopcast::server::ObservedCall observed_;
    };
    return new Reactor(factory_, ctx, ctx->method() == "/test.v1.Stream/Observed");
  }

 private:
  shopcast::server::ObservabilityInterceptorFactory& factory_;
};

}  // namespace

TEST_CASE("a method observed in its handler gets no interceptor and is recorded exactly once") {
  std::string captured;
  shopcast::log::CaptureForTesting(&captured);
  shopcast::timing::FakeSteadyClock clock;
  prometheus::Registry registry;
  auto owned = std::make_unique<shopcast::server::ObservabilityInterceptorFactory>(registry, clock);
  shopcast::server::ObservabilityInterceptorFactory& factory = *owned;
  factory.ObserveInHandler("/test.v1.Stream/Observed");
  SelfObservingService service(factory);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::move(owned));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  grpc::GenericStub stub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto call = [&stub](const std::string& method, const std::string& request_id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ctx.AddMetadata("x-request-id", request_id);
    grpc::Slice payload(std::string("x"));
    grpc::ByteBuffer request(&payload, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    absl::Notification done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    auto echoed = ctx.GetServerInitialMetadata().find("x-request-id");
    REQUIRE(echoed != ctx.GetServerInitialMetadata().end());
    CHECK(std::string(echoed->second.data(), echoed->second.size()) == request_id);
    return status.error_code();
  };
  CHECK(call("/test.v1.Stream/Observed", "req-observed") == grpc::StatusCode::NOT_FOUND);
  CHECK(call("/test.v1.Stream/Other", "req-other") == grpc::StatusCode::OK);

  auto handled = [&registry] {
    std::map<std::string, double> by_method_code;
    for (const auto& f : registry.Collect()) {
      if (f.name != "grpc_server_handled_total") continue;
      for (const auto& m : f.metric) {
        std::string method, code;
        for (const auto& l : m.label) {
          if (l.name == "grpc_method") method = l.value;
          if (l.name == "grpc_code") code = l.value;
        }
        by_method_code[method + " " + code] += m.counter.value;
      }
    }
    return by_method_code;
  };
  std::map<std::string, double> counts;
  shopcast::testing::WaitUntil(
      [&] {
        counts = handled();
        return counts.size() == 2;
      },
      absl::Seconds(30));
  server->Shutdown();
  shopcast::log::Flush(absl::Seconds(5));
  shopcast::log::CaptureForTesting(nullptr);
  CHECK(counts["Observed NOT_FOUND"] == 1);
  CHECK(counts["Other OK"] == 1);

  std::vector<nlohmann::json> lines;
  size_t at = 0;
  while (at < captured.size()) {
    const size_t end = captured.find('\n', at);
    lines.push_back(nlohmann::json::parse(captured.substr(at, end - at)));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  int observed_lines = 0;
  for (const auto& line : lines) {
    if (line["event"] != "rpc" || line["method"] != "Observed") continue;
    ++observed_lines;
    CHECK(line["level"] == "warn");
    CHECK(line["service_name"] == "test.v1.Stream");
    CHECK(line["code"] == "NOT_FOUND");
    CHECK(line["reason"] == "NOTHING_HERE");
    CHECK(line["request_id"] == "req-observed");
  }
  CHECK(observed_lines == 1);  // by the handler, and not a second time by an interceptor
}
