// The relay's deliveries reach a peer's EventSink only on its internal listener, with this
// service's certificate: an outbox cannot be fed by anyone else.
#include <catch2/catch.hpp>

#include "grpcpp/create_channel.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/events/sink.h"
#include "shopcast/server/host.h"
#include "shopcast/testing/temp_dir.h"

namespace cpb = shopcast::common::v1;

namespace {

class AcceptingSink final : public cpb::EventSink::CallbackService {
 public:
  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const cpb::DeliverEventsRequest* req,
                                          cpb::DeliverEventsResponse* res) override {
    for (const auto& e : req->events()) res->add_accepted_ids(e.id());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

TEST_CASE("the outbox sink presents the service certificate to a peer's internal listener") {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki(dir.File("pki"), {"video-ingest", "recording-lifecycle"});
  AcceptingSink service;
  shopcast::server::HostOptions o;
  o.grpc_addr = "127.0.0.1:0";
  o.internal_grpc_addr = "127.0.0.1:0";
  o.internal_credentials = shopcast::auth::InternalServerCredentials(pki.Of("recording-lifecycle"));
  o.executor_threads = 1;
  shopcast::server::ServiceHost host(o);
  host.AddInternalService(&service);
  REQUIRE(host.Start().ok());
  const std::string target = "127.0.0.1:" + std::to_string(host.internal_grpc_port());

  std::vector<cpb::Event> events(1);
  events[0].set_id("evt_1");
  auto sink = shopcast::events::GrpcSink::ToInternalListener("recording_lifecycle", target,
                                                             pki.Of("video-ingest"));
  REQUIRE(sink.ok());
  auto accepted = (*sink)->Deliver(events);
  REQUIRE(accepted.ok());
  CHECK(*accepted == std::vector<std::string>{"evt_1"});

  // Without the certificate (what the sink did before): refused, nothing accepted.
  shopcast::events::GrpcSink bare(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  CHECK_FALSE(bare.Deliver(events).ok());
  CHECK(shopcast::events::GrpcSink::ToInternalListener("recording_lifecycle", "",
                                                       pki.Of("video-ingest"))
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
}
