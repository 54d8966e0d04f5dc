// Replicas behind one target: MakeInternalChannel over gRPC's multi-address scheme spreads calls
// over every replica (round_robin), checks their certificates (mutual TLS against the first
// address), and keeps answering when one replica goes away.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/server_builder.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class Counting final : public Health::CallbackService {
 public:
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const HealthCheckRequest*,
                                  HealthCheckResponse* res) override {
    ++calls;
    res->set_status(HealthCheckResponse::SERVING);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::atomic<int> calls{0};
};

struct Replica {
  Counting service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

void Serve(Replica& r, const shopcast::auth::ServiceTls& tls) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", shopcast::auth::InternalServerCredentials(tls), &r.port);
  b.RegisterService(&r.service);
  r.server = b.BuildAndStart();
  REQUIRE(r.server != nullptr);
}

bool CheckOnce(Health::Stub& stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckResponse res;
  return stub.Check(&ctx, HealthCheckRequest(), &res).ok();
}

TEST_CASE("an internal channel to ipv4:a,b spreads calls over both and survives one going") {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki(dir.File("pki"), {"user", "order"});
  Replica a, b;
  Serve(a, pki.Of("user"));
  Serve(b, pki.Of("user"));
  auto channel = shopcast::clients::MakeInternalChannel(
      "user", absl::StrCat("ipv4:127.0.0.1:", a.port, ",127.0.0.1:", b.port), pki.Of("order"));
  REQUIRE(channel.ok());
  auto stub = Health::NewStub(*channel);
  for (int i = 0; i < 20; ++i) REQUIRE(CheckOnce(*stub));
  CHECK(a.service.calls > 0);
  CHECK(b.service.calls > 0);
  CHECK(a.service.calls + b.service.calls == 20);

  a.server->Shutdown(std::chrono::system_clock::now());
  a.server.reset();
  const int before = b.service.calls;
  // At most a call in flight on the one that went fails; then every call reaches the other.
  int consecutive = 0;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        consecutive = CheckOnce(*stub) ? consecutive + 1 : 0;
        return consecutive >= 10;
      },
      absl::Seconds(10)));
  CHECK(b.service.calls >= before + 10);
}

TEST_CASE("a single-address internal target works as before") {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki(dir.File("pki"), {"user", "order"});
  Replica a;
  Serve(a, pki.Of("user"));
  auto channel = shopcast::clients::MakeInternalChannel("user", absl::StrCat("127.0.0.1:", a.port),
                                                        pki.Of("order"));
  REQUIRE(channel.ok());
  auto stub = Health::NewStub(*channel);
  REQUIRE(CheckOnce(*stub));
  CHECK(a.service.calls == 1);
}

}  // namespace
