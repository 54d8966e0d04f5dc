// The App as the binary runs it: migrated, listening, authenticating, serving the catalogue,
// taking peers' events on the internal listener only.

#include <catch2/catch.hpp>

#include "google/protobuf/any.pb.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/ids/ids.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "support/app_fixture.h"

namespace shopcast::product_inventory::testing {
namespace {

TEST_CASE("app: an admin's product type is served to anyone, a call without a token is refused") {
  AppFixture f;
  Replica& r = f.AddReplica();
  auto stub = r.Stub();

  pb::CreateProductTypeRequest create;
  create.mutable_product_type()->set_name("Generic");
  pb::CreateProductTypeResponse created;
  {
    grpc::ClientContext ctx;
    grpc::Status s = stub->CreateProductType(&ctx, create, &created);
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext ctx;
  Authorize(ctx, f.TokenFor("usr_admin", "admin"));
  grpc::Status s = stub->CreateProductType(&ctx, create, &created);
  REQUIRE(s.ok());
  CHECK(ids::IsValidId(created.product_type().id(), "pty"));
  CHECK(created.product_type().version() == 1);

  pb::GetProductTypeRequest get;
  get.set_product_type_id(created.product_type().id());
  pb::GetProductTypeResponse got;
  grpc::ClientContext get_ctx;
  REQUIRE(stub->GetProductType(&get_ctx, get, &got).ok());
  CHECK(got.product_type().name() == "Generic");
}

TEST_CASE("app: video-ingest's stream events reach the stream directory, once each") {
  AppFixture f;
  Replica& r = f.AddReplica();
  auto sink = r.SinkStub(f.Peer("video-ingest"));
  video_ingest::v1::StreamCreated created;
  created.set_stream_id(ids::NewId("str"));
  created.set_host_id("usr_host");
  common::v1::DeliverEventsRequest request;
  common::v1::Event* e = request.add_events();
  e->set_id("evt_1");
  e->set_type("video_ingest.stream_created");
  e->mutable_payload()->PackFrom(created);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    common::v1::DeliverEventsResponse response;
    REQUIRE(sink->DeliverEvents(&ctx, request, &response).ok());
    REQUIRE(response.accepted_ids_size() == 1);
  }
  CHECK(f.Count("SELECT count(*) FROM streams WHERE host_id = 'usr_host' AND status = 1") == 1);

  video_ingest::v1::StreamEnded ended;
  ended.set_stream_id(created.stream_id());
  ended.set_host_id("usr_host");
  ended.set_status(common::v1::STREAM_STATUS_ENDED);
  e->set_id("evt_2");
  e->set_type("video_ingest.stream_ended");
  e->mutable_payload()->PackFrom(ended);
  grpc::ClientContext ctx;
  common::v1::DeliverEventsResponse response;
  REQUIRE(sink->DeliverEvents(&ctx, request, &response).ok());
  CHECK(f.Count("SELECT count(*) FROM streams WHERE status = 4 AND ended_at IS NOT NULL") == 1);
}

TEST_CASE("app: the EventSink is not served on the public listener") {
  AppFixture f;
  Replica& r = f.AddReplica();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(r.host().grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto sink = common::v1::EventSink::NewStub(channel);
  common::v1::DeliverEventsRequest request;
  request.add_events()->set_id("evt_1");
  common::v1::DeliverEventsResponse response;
  grpc::ClientContext ctx;
  CHECK(sink->DeliverEvents(&ctx, request, &response).error_code() ==
        grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
