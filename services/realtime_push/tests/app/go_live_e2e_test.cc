// The go-live path end to end: a real encoder publishes to the real video-ingest binary, whose
// outbox relay delivers the stream's events to a real realtime-push binary, and a viewer
// subscribed to the room sees the stream go live (with its playback URL), lose its encoder and
// end, after which the room lets the viewer go.
#include <catch2/catch.hpp>

#include "e2e/ingest_fixture.h"
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"
#include "support/process_fixture.h"

namespace rp = shopcast::realtime_push::testing;
namespace vi = shopcast::video_ingest::e2e;
namespace cpb = shopcast::common::v1;
namespace pb = shopcast::realtime_push::v1;

namespace {

std::vector<cpb::StreamStatus> Statuses(const rp::Subscriber& s) {
  std::vector<cpb::StreamStatus> out;
  for (const auto& m : s.Received()) {
    if (m.has_event() && m.event().has_stream_status_changed()) {
      out.push_back(m.event().stream_status_changed().status());
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "an encoder going live on video-ingest reaches the room's viewers through realtime-push") {
  rp::Deployment deployment;
  rp::Process push(deployment, "realtime-push");
  vi::ServerOptions options;
  options.reconnect_grace = absl::Seconds(3);
  options.service_pki_dir = deployment.pki_dir();
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_EVENT_SINKS=realtime_push=" + push.internal_target()};
  vi::IngestServer ingest(options);
  vi::CreatedStream stream = ingest.CreateStream("usr_host1");

  // The room opens when video-ingest's stream_created event arrives.
  auto stub = push.PublicStub();
  std::unique_ptr<rp::Subscriber> viewer;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        viewer = std::make_unique<rp::Subscriber>(*stub, stream.id, 0);
        viewer->WaitForCount(1, absl::Seconds(2));
        return !viewer->Received().empty();
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  CHECK(viewer->Received()[0].started().snapshot().stream_status().status() ==
        cpb::STREAM_STATUS_PREPARING);

  vi::Publisher encoder(vi::Publisher::Kind::kFfmpegRtmp, stream.rtmp_url, 4,
                        ingest.LogPath("ffmpeg"));
  REQUIRE(
      shopcast::testing::WaitUntil([&] { return !Statuses(*viewer).empty(); }, absl::Seconds(60)));
  CHECK(Statuses(*viewer)[0] == cpb::STREAM_STATUS_LIVE);
  for (const auto& m : viewer->Received()) {
    if (m.has_event() && m.event().stream_status_changed().status() == cpb::STREAM_STATUS_LIVE) {
      CHECK(m.event().stream_status_changed().playback_url() ==
            std::string(vi::kPlaybackBaseUrl) + "/live/" + stream.id + "/index.m3u8");
    }
  }

  // The encoder stops: RECONNECTING, then ENDED when the grace runs out; the room closes and
  // lets its viewer go.
  CHECK(encoder.Wait(absl::Seconds(60)) == 0);
  CHECK(viewer->Wait(absl::Seconds(90)).ok());
  CHECK(Statuses(*viewer) == std::vector<cpb::StreamStatus>{cpb::STREAM_STATUS_LIVE,
                                                            cpb::STREAM_STATUS_RECONNECTING,
                                                            cpb::STREAM_STATUS_ENDED});
}
