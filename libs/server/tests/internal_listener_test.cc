// Internal RPCs as an attacker and as a peer service meet them: served only on the internal
// listener, and there only to a caller presenting a service certificate from the internal CA.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/server/host.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/temp_dir.h"

namespace cpb = shopcast::common::v1;
using shopcast::auth::testing::DevPki;
using shopcast::server::HostOptions;
using shopcast::server::ServiceHost;

namespace {

// An internal service that accepts every event and remembers who delivered them.
class RecordingSink final : public cpb::EventSink::CallbackService {
 public:
  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const cpb::DeliverEventsRequest* req,
                                          cpb::DeliverEventsResponse* res) override {
    last_peer = shopcast::auth::ServicePeerName(*ctx);
    for (const auto& e : req->events()) res->add_accepted_ids(e.id());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::string last_peer;
};

struct Fixture {
  shopcast::testing::TempDir dir;
  DevPki pki{dir.File("pki"), {"video-ingest", "realtime-push", "intruder"}};
  DevPki foreign{dir.File("foreign"), {"video-ingest"}};
  RecordingSink sink;
  std::unique_ptr<ServiceHost> host;

  explicit Fixture(std::vector<std::string> allowed = {}) {
    HostOptions o;
    o.service_name = "test";
    o.grpc_addr = "127.0.0.1:0";
    o.internal_grpc_addr = "127.0.0.1:0";
    o.internal_credentials =
        shopcast::auth::InternalServerCredentials(pki.Of("realtime-push"), std::move(allowed));
    o.executor_threads = 1;
    host = std::make_unique<ServiceHost>(o);
    host->AddInternalService(&sink);
    REQUIRE(host->Start().ok());
  }

  grpc::Status Deliver(const std::shared_ptr<grpc::ChannelCredentials>& creds, int port,
                       const char* bearer = nullptr) {
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), creds);
    auto stub = cpb::EventSink::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (bearer != nullptr) ctx.AddMetadata("authorization", std::string("Bearer ") + bearer);
    cpb::DeliverEventsRequest req;
    req.add_events()->set_id("evt_1");
    cpb::DeliverEventsResponse res;
    return stub->DeliverEvents(&ctx, req, &res);
  }
};

// What a TLS client that trusts the internal CA but has no certificate of its own sends.
std::shared_ptr<grpc::ChannelCredentials> TlsWithoutCertificate(const DevPki& pki) {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = pki.Of("video-ingest").ca_pem;
  return grpc::SslCredentials(o);
}

}  // namespace

TEST_CASE("a peer with a service certificate calls an internal RPC and is known by name") {
  Fixture f;
  auto creds = shopcast::auth::InternalChannelCredentials(f.pki.Of("video-ingest"));
  grpc::Status st = f.Deliver(creds, f.host->internal_grpc_port());
  INFO(st.error_message());
  CHECK(st.ok());
  CHECK(f.sink.last_peer == "video-ingest");
}

TEST_CASE("an internal RPC without a service certificate is refused") {
  Fixture f;
  const int port = f.host->internal_grpc_port();
  // Plaintext, as the public API is spoken: the listener speaks only TLS.
  CHECK(f.Deliver(grpc::InsecureChannelCredentials(), port).error_code() == grpc::UNAVAILABLE);
  // TLS with a user's access token instead of a certificate: no user token is a credential.
  grpc::Status with_token =
      f.Deliver(TlsWithoutCertificate(f.pki), port, "eyJhbGciOi.eyJzdWIi.sig");
  CHECK(with_token.error_code() == grpc::UNAUTHENTICATED);
  CHECK(with_token.error_message().find("service certificate") != std::string::npos);
  // A certificate from another CA fails the handshake.
  auto stranger = shopcast::auth::InternalChannelCredentials(f.foreign.Of("video-ingest"));
  CHECK(f.Deliver(stranger, port).error_code() == grpc::UNAVAILABLE);
  CHECK(f.sink.last_peer.empty());  // the handler never ran
}

TEST_CASE("internal services are not served on the public port") {
  Fixture f;
  grpc::Status st = f.Deliver(grpc::InsecureChannelCredentials(), f.host->grpc_port());
  CHECK(st.error_code() == grpc::UNIMPLEMENTED);
  // The public port still answers probes.
  CHECK(shopcast::testing::HealthStatus(shopcast::testing::LocalChannel(f.host->grpc_port()), "") ==
        1);
}

TEST_CASE("a listener limited to some services refuses the others") {
  Fixture f({"video-ingest"});
  auto intruder = shopcast::auth::InternalChannelCredentials(f.pki.Of("intruder"));
  CHECK(f.Deliver(intruder, f.host->internal_grpc_port()).error_code() == grpc::PERMISSION_DENIED);
  auto allowed = shopcast::auth::InternalChannelCredentials(f.pki.Of("video-ingest"));
  CHECK(f.Deliver(allowed, f.host->internal_grpc_port()).ok());
}

TEST_CASE("internal services without service credentials do not start") {
  RecordingSink sink;
  HostOptions o;
  o.grpc_addr = "127.0.0.1:0";
  o.internal_grpc_addr = "127.0.0.1:0";
  o.executor_threads = 1;
  ServiceHost host(o);
  host.AddInternalService(&sink);
  CHECK(host.Start().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("public methods are not served on the internal listener") {
  Fixture f;
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(f.host->internal_grpc_port()),
                          shopcast::auth::InternalChannelCredentials(f.pki.Of("video-ingest")));
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::Slice empty("", 0);
  grpc::ByteBuffer req(&empty, 1);  // an empty GetSigningKeysRequest
  grpc::ByteBuffer res;
  grpc::Status st;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub.UnaryCall(&ctx, "/shopcast.user.v1.UserService/GetSigningKeys", {}, &req, &res,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   st = s;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  CHECK(st.error_code() == grpc::UNIMPLEMENTED);
}
