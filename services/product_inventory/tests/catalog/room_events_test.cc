// A product dropped in a stream reaches the stream's room in a real realtime-push (its binary,
// as a child process on its own database): the outbox row written with the product is relayed
// through realtime-push's internal Publish, and a viewer subscribed to the room receives
// product_created, then product_updated.

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "../support/app_fixture.h"
#include "absl/synchronization/mutex.h"
#include "catalog_client.h"
#include "shopcast/clients/internal.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "support/process_fixture.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace rp = ::shopcast::realtime_push;
using Stub = pb::ProductInventoryService::Stub;

// A viewer's Subscribe call, read on its own thread.
class Viewer {
 public:
  Viewer(rp::v1::RealtimePushService::Stub& stub, const std::string& stream_id) {
    rp::v1::SubscribeRequest req;
    req.set_stream_id(stream_id);
    reader_ = stub.Subscribe(&ctx_, req);
    thread_ = std::thread([this] {
      rp::v1::SubscribeResponse m;
      while (reader_->Read(&m)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(m);
      }
    });
  }
  ~Viewer() {
    ctx_.TryCancel();
    thread_.join();
  }
  // (payload case, product id, version) of the product events received so far.
  std::vector<std::tuple<int, std::string, int64_t>> ProductEvents() {
    absl::MutexLock lock(&mu_);
    std::vector<std::tuple<int, std::string, int64_t>> out;
    for (const auto& m : received_) {
      if (!m.has_event()) continue;
      const auto& e = m.event();
      if (e.has_product_created()) {
        out.emplace_back(e.payload_case(), e.product_created().product().product_id(),
                         e.product_created().product().version());
      } else if (e.has_product_updated()) {
        out.emplace_back(e.payload_case(), e.product_updated().product().product_id(),
                         e.product_updated().product().version());
      }
    }
    return out;
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return received_.size();
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<rp::v1::SubscribeResponse>> reader_;
  absl::Mutex mu_;
  std::vector<rp::v1::SubscribeResponse> received_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Delivers video-ingest's stream_created for `stream_id` to the EventSink at `target`.
void AnnounceStream(const AppFixture& f, const std::string& target, const std::string& stream_id,
                    const std::string& host_id) {
  auto tls = auth::LoadServiceTls(f.PeerFiles("video-ingest"));
  REQUIRE(tls.ok());
  auto channel = clients::MakeInternalChannel("sink", target, *tls);
  REQUIRE(channel.ok());
  auto sink = common::v1::EventSink::NewStub(*channel);
  video_ingest::v1::StreamCreated created;
  created.set_stream_id(stream_id);
  created.set_host_id(host_id);
  created.set_title("Friday drop");
  common::v1::DeliverEventsRequest request;
  common::v1::Event* e = request.add_events();
  e->set_id("evt_created_" + stream_id);
  e->set_type("video_ingest.stream_created");
  e->set_source("video_ingest");
  e->set_aggregate_id(stream_id);
  e->mutable_payload()->PackFrom(created);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  common::v1::DeliverEventsResponse response;
  grpc::Status s = sink->DeliverEvents(&ctx, request, &response);
  REQUIRE(s.ok());
  REQUIRE(response.accepted_ids_size() == 1);
}

TEST_CASE("room events: a product dropped in a stream reaches its realtime-push room") {
  AppFixture f;
  // realtime-push with a certificate of this test's CA, so each trusts the other.
  rp::testing::Deployment push_deployment(f.pki_dir());
  rp::testing::Process push(push_deployment, "realtime-push");
  Replica& inventory =
      f.AddReplica([&](Config& c) { c.event_sinks["realtime_push"] = push.internal_target(); });

  // video-ingest tells both services about the stream.
  const std::string stream = ids::NewId("str");
  AnnounceStream(f, push.internal_target(), stream, "usr_host");
  AnnounceStream(f, "127.0.0.1:" + std::to_string(inventory.host().internal_grpc_port()), stream,
                 "usr_host");

  Catalog c(f, inventory);
  pb::ProductType type = c.CreateApparelType();
  pb::ShippingProfile profile = c.CreateProfile(c.host());
  auto push_stub = push.PublicStub();
  Viewer viewer(*push_stub, stream);
  REQUIRE(shopcast::testing::WaitUntil([&] { return viewer.count() >= 1; }, absl::Seconds(30)));

  pb::CreateProductRequest req = Catalog::FixedPrice(type, profile);
  req.mutable_product()->set_stream_id(stream);
  auto created = c.Create(c.host(), req);
  REQUIRE(created.status.ok());
  const std::string id = created.response.product().id();
  pb::UpdateProductRequest update;
  update.mutable_update_mask()->add_paths("title");
  *update.mutable_product() = created.response.product();
  update.mutable_product()->set_title("Price drop!");
  REQUIRE(c.Call(&Stub::UpdateProduct, c.host(), update).status.ok());

  using E = rp::v1::RoomEvent;
  const std::vector<std::tuple<int, std::string, int64_t>> want = {{E::kProductCreated, id, 1},
                                                                   {E::kProductUpdated, id, 2}};
  CHECK(shopcast::testing::WaitUntil([&] { return viewer.ProductEvents() == want; },
                                     absl::Seconds(30)));
  // Delivered, hence marked so in the outbox.
  CHECK(shopcast::testing::WaitUntil(
      [&] { return f.Count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == 0; },
      absl::Seconds(30)));
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
