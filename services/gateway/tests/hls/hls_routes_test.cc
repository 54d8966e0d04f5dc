// Routing a stream to the replica that holds it: LookupStreams answers (from an in-process
// VideoIngestInternalService the test scripts), cached per stream, shared by concurrent
// requests, looked up again when the cached replica is gone; unknown streams, streams nobody
// holds and an unreachable directory, with and without a default origin. The origins are
// scripted HTTP servers on loopback (proxy_harness.h).
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "hls/hls_proxy.h"
#include "proxy_harness.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace shopcast::gateway::hls {
namespace {

namespace vpb = ::shopcast::video_ingest::v1;
using testing::Call;
using testing::Get;
using testing::TestOrigin;

constexpr char kHeld[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kIdle[] = "str_02J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kUnknown[] = "str_03J9Z3K8W4V6T2M0QXYHB5R7NC";

std::string Live(const std::string& id, const std::string& file) {
  return "/live/" + id + "/" + file;
}

// A lookup that is never answered: it ends when its caller cancels it (or the server stops).
class HangingLookup final : public grpc::ServerUnaryReactor {
 public:
  explicit HangingLookup(std::atomic<int>* cancelled) : cancelled_(cancelled) {}
  void OnCancel() override {
    ++*cancelled_;
    Finish(grpc::Status::CANCELLED);
  }
  void OnDone() override { delete this; }

 private:
  std::atomic<int>* cancelled_;
};

// video-ingest's internal LookupStreams as the test scripts it: which streams exist and which
// origin holds each ("" = none); optionally slow, failing or never answering.
class Directory final : public vpb::VideoIngestInternalService::CallbackService {
 public:
  void Set(const std::string& id, const std::string& origin) {
    absl::MutexLock lock(&mu_);
    origins_[id] = origin;
  }
  std::atomic<int> calls{0};
  std::atomic<int> delay_ms{0};
  std::atomic<bool> failing{false};
  std::atomic<bool> hanging{false};
  std::atomic<int> cancelled{0};  // hanging lookups their callers cancelled

  grpc::ServerUnaryReactor* LookupStreams(grpc::CallbackServerContext* ctx,
                                          const vpb::LookupStreamsRequest* req,
                                          vpb::LookupStreamsResponse* res) override {
    ++calls;
    if (hanging) return new HangingLookup(&cancelled);
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    if (failing) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "database down"));
      return reactor;
    }
    {
      absl::MutexLock lock(&mu_);
      for (const std::string& id : req->stream_ids()) {
        auto it = origins_.find(id);
        if (it == origins_.end()) continue;
        vpb::StreamRef* ref = res->add_streams();
        ref->set_stream_id(id);
        ref->set_hls_origin(it->second);
      }
    }
    const int delay = delay_ms;
    if (delay == 0) {
      reactor->Finish(grpc::Status::OK);
    } else {
      std::thread([reactor, delay] {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        reactor->Finish(grpc::Status::OK);
      }).detach();
    }
    return reactor;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> origins_ ABSL_GUARDED_BY(mu_);
};

struct World {
  World() {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&directory);
    server = builder.BuildAndStart();
    REQUIRE(server != nullptr);
    channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  // A call still open at the deadline (a test that failed) is cancelled, never waited for.
  ~World() { server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5)); }
  std::shared_ptr<RouteHandler> Proxy(HlsProxyOptions options = {}) {
    REQUIRE(ValidateHlsProxyOptions(options, true).ok());
    return MakeHlsProxy(options, channel, &registry);
  }
  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry.Collect()); }
  Directory directory;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  prometheus::Registry registry;
};

TEST_CASE("A stream goes to the replica that holds it, and follows it when that replica goes") {
  World w;
  auto a = std::make_unique<TestOrigin>();
  TestOrigin b;
  w.directory.Set(kHeld, a->url());
  HlsProxyOptions options;
  options.route_cache_ttl = absl::Minutes(1);  // only a failure makes it look again
  auto proxy = w.Proxy(options);

  CHECK(Call(*proxy, Get(Live(kHeld, "live.m3u8"))).result_int() == 200);
  CHECK(Call(*proxy, Get(Live(kHeld, "000001.ts"))).result_int() == 200);
  CHECK(a->requests().size() == 2);
  CHECK(w.directory.calls == 1);  // the second request used the cached route

  // The encoder moved to replica b, and replica a is gone: the request that finds a gone looks
  // the stream up again and is answered by b.
  w.directory.Set(kHeld, b.url());
  a.reset();
  HttpResponse r = Call(*proxy, Get(Live(kHeld, "live.m3u8?_HLS_msn=3")));
  CHECK(r.result_int() == 200);
  REQUIRE(b.requests().size() == 1);
  CHECK(b.requests()[0].target == Live(kHeld, "live.m3u8?_HLS_msn=3"));
  CHECK(w.directory.calls == 2);
  CHECK(absl::StrContains(w.Metrics(), "gateway_hls_route_lookups_total{result=\"found\"} 2"));
}

TEST_CASE("Concurrent requests for a stream share one lookup") {
  World w;
  TestOrigin origin;
  w.directory.Set(kHeld, origin.url());
  w.directory.delay_ms = 300;
  auto proxy = w.Proxy();
  std::vector<std::future<HttpResponse>> pending;
  for (int i = 0; i < 20; ++i) {
    pending.push_back(testing::Start(*proxy, Get(Live(kHeld, absl::StrCat(i, ".ts")))));
  }
  for (auto& f : pending) {
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(f.get().result_int() == 200);
  }
  CHECK(w.directory.calls == 1);
  CHECK(origin.requests().size() == 20);
}

TEST_CASE("Unknown streams, streams nobody holds, and an unreachable directory") {
  World w;
  TestOrigin fallback;
  w.directory.Set(kIdle, "");  // exists, no encoder anywhere
  SECTION("without a default origin") {
    auto proxy = w.Proxy();
    HttpResponse r = Call(*proxy, Get(Live(kUnknown, "index.m3u8")));
    CHECK(r.result_int() == 404);
    CHECK(r.body() == "stream not found\n");
    CHECK(Call(*proxy, Get(Live(kIdle, "index.m3u8"))).result_int() == 404);
    w.directory.failing = true;
    r = Call(*proxy, Get(Live(kHeld, "index.m3u8")));
    CHECK(r.result_int() == 503);
    // A failed lookup is not remembered: once the directory is back, the stream plays.
    w.directory.failing = false;
    TestOrigin origin;
    w.directory.Set(kHeld, origin.url());
    CHECK(Call(*proxy, Get(Live(kHeld, "index.m3u8"))).result_int() == 200);
    const std::string m = w.Metrics();
    CHECK(absl::StrContains(m, "gateway_hls_requests_total{outcome=\"unknown_stream\"} 2"));
    CHECK(absl::StrContains(m, "gateway_hls_requests_total{outcome=\"no_route\"} 1"));
    CHECK(absl::StrContains(m, "gateway_hls_route_lookups_total{result=\"failed\"} 1"));
  }
  SECTION("with a default origin (the files of a stream nobody holds are on the shared tier)") {
    HlsProxyOptions options;
    options.default_origin = fallback.url();
    auto proxy = w.Proxy(options);
    CHECK(Call(*proxy, Get(Live(kUnknown, "index.m3u8"))).result_int() == 404);
    CHECK(Call(*proxy, Get(Live(kIdle, "index.m3u8"))).result_int() == 200);
    w.directory.failing = true;
    CHECK(Call(*proxy, Get(Live(kHeld, "index.m3u8"))).result_int() == 200);
    CHECK(fallback.requests().size() == 2);
  }
}

TEST_CASE("Letting the proxy go cancels its lookups in flight and answers their requests first") {
  World w;
  w.directory.hanging = true;
  HlsProxyOptions options;
  options.lookup_timeout = absl::Minutes(5);  // only a cancellation ends the lookup
  auto proxy = w.Proxy(options);
  std::future<HttpResponse> pending = testing::Start(*proxy, Get(Live(kHeld, "index.m3u8")));
  REQUIRE(
      ::shopcast::testing::WaitUntil([&] { return w.directory.calls == 1; }, absl::Seconds(30)));

  // Returns once the lookup has ended and answered: nothing of the proxy is left on a gRPC
  // thread to count into the registry or let the channel go after this.
  proxy.reset();
  REQUIRE(pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  HttpResponse r = pending.get();
  CHECK(r.result_int() == 503);
  CHECK(r.body() == "stream directory unavailable\n");
  CHECK(::shopcast::testing::WaitUntil([&] { return w.directory.cancelled == 1; },
                                       absl::Seconds(30)));
  // The directory was never at fault: no failed lookup is counted.
  const std::string m = w.Metrics();
  CHECK_FALSE(absl::StrContains(m, "gateway_hls_route_lookups_total{result=\"failed\"}"));
  CHECK(absl::StrContains(m, "gateway_hls_requests_total{outcome=\"no_route\"} 1"));
}

}  // namespace
}  // namespace shopcast::gateway::hls
