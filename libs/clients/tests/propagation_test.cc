// A call that crosses two services: the second hop must carry the caller's token and request
// id, and a deadline no later than the caller's own.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/server_builder.h"
#include "shopcast/clients/call.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/net.h"

namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// The downstream service: records what arrived with the call.
class Recorder final : public Health::CallbackService {
 public:
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const HealthCheckRequest*,
                                  HealthCheckResponse* res) override {
    absl::MutexLock lock(&mu);
    auto get = [&](const char* key) {
      auto it = ctx->client_metadata().find(key);
      return it == ctx->client_metadata().end() ? std::string()
                                                : std::string(it->second.data(), it->second.size());
    };
    authorization = get("authorization");
    request_id = get("x-request-id");
    deadline = absl::FromChrono(ctx->deadline());
    res->set_status(HealthCheckResponse::SERVING);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  absl::Mutex mu;
  std::string authorization;
  std::string request_id;
  absl::Time deadline;
};

// The middle service: calls downstream with a generous 30 s timeout of its own.
class Forwarder final : public Health::CallbackService {
 public:
  explicit Forwarder(std::shared_ptr<grpc::Channel> downstream)
      : stub_(Health::NewStub(std::move(downstream))) {}
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const HealthCheckRequest* req,
                                  HealthCheckResponse* res) override {
    auto* reactor = ctx->DefaultReactor();
    // Off the callback thread: the peer call blocks.
    std::thread([this, ctx, req, res, reactor] {
      auto out = shopcast::clients::Call("recorder", *stub_, &Health::Stub::Check, *req, ctx,
                                         absl::Seconds(30));
      if (out.ok()) *res = *out;
      reactor->Finish(out.ok() ? grpc::Status::OK
                               : grpc::Status(grpc::StatusCode::UNAVAILABLE, "downstream"));
    }).detach();
    return reactor;
  }

 private:
  std::unique_ptr<Health::Stub> stub_;
};

std::unique_ptr<grpc::Server> Serve(grpc::Service* service, int* port) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  b.RegisterService(service);
  return b.BuildAndStart();
}

}  // namespace

TEST_CASE("a peer call carries the caller's token and request id, within the caller's deadline") {
  Recorder recorder;
  int recorder_port = 0;
  auto recorder_server = Serve(&recorder, &recorder_port);
  Forwarder forwarder(shopcast::testing::LocalChannel(recorder_port));
  int forwarder_port = 0;
  auto forwarder_server = Serve(&forwarder, &forwarder_port);

  auto stub = Health::NewStub(shopcast::testing::LocalChannel(forwarder_port));
  grpc::ClientContext ctx;
  absl::Time caller_deadline = absl::Now() + absl::Seconds(3);
  ctx.set_deadline(absl::ToChronoTime(caller_deadline));
  ctx.AddMetadata("authorization", "Bearer caller-token");
  ctx.AddMetadata("x-request-id", "req_test_123");
  HealthCheckResponse res;
  REQUIRE(stub->Check(&ctx, HealthCheckRequest(), &res).ok());
  CHECK(res.status() == HealthCheckResponse::SERVING);

  absl::MutexLock lock(&recorder.mu);
  CHECK(recorder.authorization == "Bearer caller-token");
  CHECK(recorder.request_id == "req_test_123");
  // The forwarder asked for 30 s; the caller had 3 s, and the second hop got no more.
  CHECK(recorder.deadline <= caller_deadline + absl::Milliseconds(50));
  CHECK(recorder.deadline > absl::Now());
  forwarder_server->Shutdown();
  recorder_server->Shutdown();
}
