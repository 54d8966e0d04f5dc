// video-ingest's events delivered to realtime-push's EventSink: a stream's creation opens its
// room, going live / reconnecting / ending become status events, redeliveries change nothing,
// and subscribers of an ended room are let go.
#include <catch2/catch.hpp>

#include "absl/time/clock.h"
#include "shopcast/ids/ids.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "support/app_fixture.h"

using shopcast::realtime_push::testing::RoomsFixture;
using shopcast::realtime_push::testing::Subscriber;
namespace pb = shopcast::realtime_push::v1;
namespace cpb = shopcast::common::v1;
namespace vi = shopcast::video_ingest::v1;

namespace {

cpb::Event Wrap(const std::string& type, const std::string& stream_id,
                const google::protobuf::Message& payload) {
  cpb::Event e;
  e.set_id(shopcast::ids::NewId("evt"));
  e.set_type("video_ingest." + type);
  e.set_source("video_ingest");
  e.set_aggregate_id(stream_id);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_payload()->PackFrom(payload);
  return e;
}

std::vector<std::string> Deliver(cpb::EventSink::Stub& sink,
                                 const std::vector<cpb::Event>& events) {
  cpb::DeliverEventsRequest req;
  for (const auto& e : events) *req.add_events() = e;
  cpb::DeliverEventsResponse res;
  grpc::ClientContext ctx;
  grpc::Status s = sink.DeliverEvents(&ctx, req, &res);
  REQUIRE(s.ok());
  return {res.accepted_ids().begin(), res.accepted_ids().end()};
}

}  // namespace

TEST_CASE("a stream's life reaches its room as status events, each once") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto sink = replica.SinkStub(f.Peer());
  auto stub = replica.PublicStub();
  const std::string stream = shopcast::ids::NewId("str");

  vi::StreamCreated created;
  created.set_stream_id(stream);
  created.set_host_id("usr_host");
  created.set_title("Sneaker drop");
  cpb::Event created_event = Wrap("stream_created", stream, created);
  CHECK(Deliver(*sink, {created_event}) == std::vector<std::string>{created_event.id()});
  auto room = replica.log().GetRoom(stream);
  REQUIRE(room.ok());
  CHECK(room->host_id == "usr_host");
  CHECK(room->title == "Sneaker drop");
  CHECK(room->head_seq == 0);

  Subscriber sub(*stub, stream, 0);
  REQUIRE(sub.WaitForCount(1));

  vi::StreamWentLive live;
  live.set_stream_id(stream);
  live.set_host_id("usr_host");
  live.set_playback_url("http://hls/live/" + stream + "/index.m3u8");
  cpb::Event live_event = Wrap("stream_went_live", stream, live);
  vi::StreamReconnecting reconnecting;
  reconnecting.set_stream_id(stream);
  reconnecting.mutable_reconnect_deadline()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 60);
  cpb::Event reconnecting_event = Wrap("stream_reconnecting", stream, reconnecting);
  vi::SegmentClosed segment;
  segment.set_stream_id(stream);
  cpb::Event segment_event = Wrap("segment_closed", stream, segment);
  // Delivered twice, as a relay may after a lost acknowledgement.
  for (int i = 0; i < 2; ++i) {
    CHECK(Deliver(*sink, {live_event, segment_event, reconnecting_event}).size() == 3);
  }
  REQUIRE(sub.WaitForSequence(2));
  auto received = sub.Received();
  std::vector<cpb::StreamStatus> statuses;
  for (const auto& m : received) {
    if (m.has_event()) statuses.push_back(m.event().stream_status_changed().status());
  }
  CHECK(statuses ==
        std::vector<cpb::StreamStatus>{cpb::STREAM_STATUS_LIVE, cpb::STREAM_STATUS_RECONNECTING});
  CHECK(received[1].event().stream_status_changed().playback_url() == live.playback_url());
  CHECK(received[1].event().event_id() == live_event.id());
  CHECK(received[2].event().stream_status_changed().reconnect_deadline().seconds() ==
        reconnecting.reconnect_deadline().seconds());

  vi::StreamEnded ended;
  ended.set_stream_id(stream);
  ended.set_host_id("usr_host");
  ended.set_status(cpb::STREAM_STATUS_ENDED);
  Deliver(*sink, {Wrap("stream_ended", stream, ended)});
  REQUIRE(sub.WaitForSequence(3));
  // The room closes: the subscription ends on its own, with OK.
  CHECK(sub.Wait().ok());
  auto closed = replica.log().GetRoom(stream);
  REQUIRE(closed.ok());
  CHECK(closed->closed_at.has_value());
  CHECK(closed->status == cpb::STREAM_STATUS_ENDED);
  // A late subscriber still gets the final snapshot, then is let go.
  Subscriber late(*stub, stream, 0);
  CHECK(late.Wait().ok());
  REQUIRE_FALSE(late.Received().empty());
  CHECK(late.Received()[0].started().snapshot().stream_status().status() ==
        cpb::STREAM_STATUS_ENDED);
}

TEST_CASE("going live opens a room that was never created, and a bad payload is dropped") {
  RoomsFixture f;
  auto& replica = f.AddReplica();
  auto sink = replica.SinkStub(f.Peer());
  const std::string stream = shopcast::ids::NewId("str");
  vi::StreamWentLive live;
  live.set_stream_id(stream);
  live.set_host_id("usr_host");
  cpb::Event bad = Wrap("stream_went_live", stream, live);
  bad.mutable_payload()->set_value("\xff\xff not a message");
  cpb::Event good = Wrap("stream_went_live", stream, live);
  CHECK(Deliver(*sink, {bad, good}).size() == 2);
  auto room = replica.log().GetRoom(stream);
  REQUIRE(room.ok());
  CHECK(room->head_seq == 1);
  CHECK(room->status == cpb::STREAM_STATUS_LIVE);
}
