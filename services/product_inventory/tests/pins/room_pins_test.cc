// Pins reach the stream's room in a real realtime-push (its binary, as a child process on its
// own database): a subscribed viewer receives every PinsChanged in order, a viewer who joins
// later starts from the room's snapshot, and the stream's end empties them.

#include <catch2/catch.hpp>
#include <optional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "pins_client.h"
#include "shopcast/clients/internal.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "support/process_fixture.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace rp = ::shopcast::realtime_push;

Ids IdsOf(const google::protobuf::RepeatedPtrField<rp::v1::ProductCard>& cards) {
  Ids out;
  for (const auto& card : cards) out.push_back(card.product_id());
  return out;
}

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
  // The pinned lists of the PinsChanged events received so far.
  std::vector<Ids> PinEvents() {
    absl::MutexLock lock(&mu_);
    std::vector<Ids> out;
    for (const auto& m : received_) {
      if (m.has_event() && m.event().has_pins_changed()) {
        out.push_back(IdsOf(m.event().pins_changed().pinned()));
      }
    }
    return out;
  }
  // The snapshot's pins, once the subscription started.
  std::optional<Ids> SnapshotPins() {
    absl::MutexLock lock(&mu_);
    for (const auto& m : received_) {
      if (m.has_started()) return IdsOf(m.started().snapshot().pinned());
    }
    return std::nullopt;
  }
  // What a client shows: the snapshot's pins replaced by each PinsChanged after it (a snapshot
  // may come from realtime-push's short start cache, with the newer events following it).
  std::optional<Ids> CurrentPins() {
    std::optional<Ids> pins = SnapshotPins();
    if (!pins.has_value()) return pins;
    std::vector<Ids> events = PinEvents();
    if (!events.empty()) pins = events.back();
    return pins;
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<rp::v1::SubscribeResponse>> reader_;
  absl::Mutex mu_;
  std::vector<rp::v1::SubscribeResponse> received_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Delivers video-ingest's stream_created for `stream_id` to realtime-push's EventSink.
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
  REQUIRE(sink->DeliverEvents(&ctx, request, &response).ok());
  REQUIRE(response.accepted_ids_size() == 1);
}

TEST_CASE("room pins: viewers see pins change, late joiners start from the snapshot") {
  AppFixture f;
  rp::testing::Deployment push_deployment(f.pki_dir());
  rp::testing::Process push(push_deployment, "realtime-push");
  Replica& inventory =
      f.AddReplica([&](Config& c) { c.event_sinks["realtime_push"] = push.internal_target(); });
  Pins p(f, inventory);  // its stream is known to product-inventory
  AnnounceStream(f, push.internal_target(), p.stream(), "usr_host");
  const std::string a = p.Product("a"), b = p.Product("b");

  auto push_stub = push.PublicStub();
  Viewer viewer(*push_stub, p.stream());
  REQUIRE(shopcast::testing::WaitUntil([&] { return viewer.SnapshotPins().has_value(); },
                                       absl::Seconds(30)));

  REQUIRE(p.Pin(a, 0).status.ok());
  REQUIRE(p.Pin(b, 0).status.ok());
  REQUIRE(p.Unpin(a).status.ok());
  const std::vector<Ids> want = {{a}, {b, a}, {b}};
  CHECK(
      shopcast::testing::WaitUntil([&] { return viewer.PinEvents() == want; }, absl::Seconds(30)));

  Viewer late(*push_stub, p.stream());
  CHECK(shopcast::testing::WaitUntil([&] { return late.CurrentPins() == Ids{b}; },
                                     absl::Seconds(30)));

  // Only product-inventory hears of the end here, so the room stays open to show the clear.
  p.EndStream(p.stream(), "evt_end");
  const std::vector<Ids> cleared = {{a}, {b, a}, {b}, {}};
  CHECK(shopcast::testing::WaitUntil([&] { return viewer.PinEvents() == cleared; },
                                     absl::Seconds(30)));
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        return f.Count(
                   "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND "
                   "destination = 'realtime_push'") == 0;
      },
      absl::Seconds(30)));
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
