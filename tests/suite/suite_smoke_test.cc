// The whole suite comes up from flags and environment, wired service to service: a host created
// by the operator command logs in, creates a stream, a real ffmpeg encoder publishes to it, the
// stream goes live and its room opens in realtime-push — video-ingest's event crossed mutual TLS
// to the room service on its own, as in production; recording-lifecycle opens the stream's
// recording from the same event.

#include <catch2/catch.hpp>
#include <chrono>

#include "grpcpp/grpcpp.h"
#include "ingest_fixture.h"  // video-ingest's real encoder (Publisher)
#include "shopcast/ids/ids.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"
#include "suite.h"

namespace shopcast::suite {
namespace {

namespace rp = ::shopcast::realtime_push::v1;
namespace vi = ::shopcast::video_ingest::v1;
namespace rl = ::shopcast::recording_lifecycle::v1;

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

TEST_CASE("the suite starts wired together and a published stream opens its room", "[e2e]") {
  SuiteOptions options;
  options.gateway = false;
  Suite suite(options);
  const Account host = suite.CreateAccount("suite_host", auth::Role::kHost);
  const std::string token = suite.Login(host);

  auto ingest = vi::VideoIngestService::NewStub(
      shopcast::testing::LocalChannel(suite.endpoints("video-ingest").grpc));
  vi::CreateStreamRequest create;
  create.set_title("Suite smoke show");
  create.set_idempotency_key(ids::NewId("key"));
  vi::CreateStreamResponse created;
  grpc::Status s = ingest->CreateStream(Ctx(token).get(), create, &created);
  REQUIRE(s.ok());

  video_ingest::e2e::Publisher encoder(video_ingest::e2e::Publisher::Kind::kFfmpegRtmp,
                                       suite.RtmpUrl(created.endpoints().stream_key()), 60,
                                       suite.File("ffmpeg.log"));
  auto push = rp::RealtimePushService::NewStub(
      shopcast::testing::LocalChannel(suite.endpoints("realtime-push").grpc));
  // The room's snapshot says LIVE once video-ingest's stream_went_live reached realtime-push.
  auto room_status = [&] {
    rp::SubscribeRequest request;
    request.set_stream_id(created.stream().id());
    auto ctx = Ctx("");
    auto reader = push->Subscribe(ctx.get(), request);
    rp::SubscribeResponse first;
    const bool got = reader->Read(&first);
    ctx->TryCancel();
    reader->Finish();
    return got ? first.started().snapshot().stream_status().status()
               : common::v1::STREAM_STATUS_UNSPECIFIED;
  };
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return room_status() == common::v1::STREAM_STATUS_LIVE; }, absl::Seconds(60)));
  vi::GetStreamRequest get;
  get.set_stream_id(created.stream().id());
  vi::GetStreamResponse stream;
  REQUIRE(ingest->GetStream(Ctx(token).get(), get, &stream).ok());
  CHECK(stream.stream().status() == common::v1::STREAM_STATUS_LIVE);
  // The host sees the stream's recording (video-ingest's events reached recording-lifecycle).
  auto recordings = rl::RecordingLifecycleService::NewStub(
      shopcast::testing::LocalChannel(suite.endpoints("recording-lifecycle").grpc));
  rl::GetRecordingResponse recording;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        rl::GetRecordingRequest request;
        request.set_stream_id(created.stream().id());
        return recordings->GetRecording(Ctx(token).get(), request, &recording).ok();
      },
      absl::Seconds(60)));
  CHECK(recording.recording().host_id() == host.id);
  encoder.Kill();
}

}  // namespace
}  // namespace shopcast::suite
