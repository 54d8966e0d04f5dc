// The stream state machine as the ingest runtime drives it through the store, checked through
// the committed rows, the public API and the outbox events.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <thread>
#include <vector>

#include "shopcast/ids/ids.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/status/status.h"
#include "streams_fixture.h"

using namespace shopcast::video_ingest::streams;           // NOLINT: test file
using namespace shopcast::video_ingest::streams::testing;  // NOLINT: test file
using shopcast::video_ingest::IngestProtocol;
using shopcast::video_ingest::MediaInfo;
using shopcast::video_ingest::SegmentInfo;
namespace cpb = shopcast::common::v1;

namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1900000000);

struct Live {
  std::string token, host_id, stream_id, key;
};

Live MakeStream(StreamsFixture& f, const std::string& title = "Show") {
  Live l;
  l.token = f.TokenFor(shopcast::auth::Role::kHost, &l.host_id);
  auto created = f.Create(l.token, title, "k-" + title);
  l.stream_id = created.stream().id();
  l.key = created.endpoints().stream_key();
  return l;
}

vpb::Stream Get(StreamsFixture& f, const Live& l) {
  vpb::GetStreamRequest req;
  req.set_stream_id(l.stream_id);
  vpb::GetStreamResponse res;
  auto ctx = Ctx(l.token);
  REQUIRE(f.stub().GetStream(ctx.get(), req, &res).ok());
  return res.stream();
}

std::string Reason(const absl::Status& s) { return shopcast::ReasonOf(s); }

// Claims `l` for an encoder over `protocol` at kT0 and records its first segment: the stream is
// LIVE on the returned claim.
Claim GoLive(StreamsFixture& f, const Live& l, IngestProtocol protocol = IngestProtocol::kRtmp) {
  auto claim = f.store().ClaimForPublish(l.key, protocol, "203.0.113.7:1", kT0);
  REQUIRE(claim.ok());
  REQUIRE(f.store()
              .RecordSegment(*claim, Segment(l.stream_id, 0, kT0, absl::ZeroDuration()), kT0)
              .ok());
  return *claim;
}

}  // namespace

TEST_CASE("claim, first segment, drop, resume, expire: the whole life of a stream") {
  StreamsFixture f;
  Live l = MakeStream(f);

  // Claim: the stream stays PREPARING until media is packaged.
  auto claim = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:50512", kT0);
  REQUIRE(claim.ok());
  CHECK(claim->stream_id == l.stream_id);
  CHECK(claim->host_id == l.host_id);
  CHECK_FALSE(claim->resumed);
  CHECK(claim->next_sequence == 0);
  CHECK(Get(f, l).status() == cpb::STREAM_STATUS_PREPARING);
  CHECK(Get(f, l).current_session().id() == claim->session_id);

  // First segment: LIVE + StreamWentLive (not resumed), went_live_at = the segment's PDT.
  const absl::Time pdt0 = kT0 + absl::Seconds(1);
  REQUIRE(f.store()
              .RecordSegment(*claim, Segment(l.stream_id, 0, pdt0, absl::ZeroDuration()),
                             kT0 + absl::Seconds(3))
              .ok());
  vpb::Stream live = Get(f, l);
  CHECK(live.status() == cpb::STREAM_STATUS_LIVE);
  CHECK(live.went_live_at().seconds() == absl::ToUnixSeconds(pdt0));
  CHECK(live.playback_url() == std::string(kPlaybackBase) + "/live/" + l.stream_id + "/index.m3u8");
  CHECK(live.current_session().segments_written() == 1);
  CHECK(live.current_session().bytes_received() == 500000);
  auto went = f.Events("video_ingest.stream_went_live");
  REQUIRE(went.size() == 1);
  CHECK(went[0].aggregate_id() == l.stream_id);
  CHECK(went[0].source() == "video_ingest");
  auto went0 = Payload<vpb::StreamWentLive>(went[0]);
  CHECK_FALSE(went0.resumed());
  CHECK(went0.session_id() == claim->session_id);
  CHECK(went0.protocol() == vpb::INGEST_PROTOCOL_RTMP);
  CHECK(went0.playback_url() == live.playback_url());

  // The same segment again (a retry) changes nothing.
  REQUIRE(f.store()
              .RecordSegment(*claim, Segment(l.stream_id, 0, pdt0, absl::ZeroDuration()),
                             kT0 + absl::Seconds(3))
              .ok());
  CHECK(f.Count("segments") == 1);
  CHECK(f.Events("video_ingest.segment_closed").size() == 1);
  REQUIRE(f.store()
              .RecordSegment(*claim,
                             Segment(l.stream_id, 1, pdt0 + absl::Seconds(2), absl::Seconds(2)),
                             kT0 + absl::Seconds(5))
              .ok());

  // A second encoder with the same key is refused, and that is recorded and announced.
  auto second = f.store().ClaimForPublish(l.key, IngestProtocol::kSrt, "198.51.100.1:9", kT0);
  CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(second.status()) == "ALREADY_PUBLISHING");
  auto rejected = f.Events("video_ingest.publish_rejected");
  REQUIRE(rejected.size() == 1);
  auto rej = Payload<vpb::PublishRejected>(rejected[0]);
  CHECK(rej.reason() == cpb::STREAM_ERROR_REASON_ALREADY_PUBLISHING);
  CHECK(rej.protocol() == vpb::INGEST_PROTOCOL_SRT);
  CHECK(f.Scalar("SELECT end_reason FROM ingest_sessions WHERE id = '" + rej.session_id() + "'") ==
        "4");
  CHECK(Get(f, l).status() == cpb::STREAM_STATUS_LIVE);

  // The encoder drops: RECONNECTING with a deadline of now + grace.
  const absl::Time drop = kT0 + absl::Seconds(10);
  REQUIRE(f.store()
              .ReleaseSession(claim->session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, drop)
              .ok());
  vpb::Stream reconnecting = Get(f, l);
  CHECK(reconnecting.status() == cpb::STREAM_STATUS_RECONNECTING);
  CHECK(reconnecting.reconnect_deadline().seconds() == absl::ToUnixSeconds(drop) + 60);
  auto rec = f.Events("video_ingest.stream_reconnecting");
  REQUIRE(rec.size() == 1);
  auto rec0 = Payload<vpb::StreamReconnecting>(rec[0]);
  CHECK(rec0.since().seconds() == absl::ToUnixSeconds(drop));
  CHECK(rec0.reconnect_deadline().seconds() == absl::ToUnixSeconds(drop) + 60);
  // Releasing twice is harmless.
  REQUIRE(f.store()
              .ReleaseSession(claim->session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, drop)
              .ok());
  CHECK(f.Events("video_ingest.stream_reconnecting").size() == 1);

  // Expiry before the deadline does nothing.
  CHECK(f.store().ExpireGracePeriods(drop + absl::Seconds(30))->empty());

  // The encoder returns inside the grace period: a continuation of the same playlist.
  auto again = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:50600",
                                         drop + absl::Seconds(5));
  REQUIRE(again.ok());
  CHECK(again->resumed);
  CHECK(again->next_sequence == 2);
  CHECK(again->media_offset == absl::Seconds(4));
  SegmentInfo resumed_seg = Segment(l.stream_id, 2, drop + absl::Seconds(6), absl::Seconds(4));
  resumed_seg.discontinuity = true;
  REQUIRE(f.store().RecordSegment(*again, resumed_seg, drop + absl::Seconds(8)).ok());
  CHECK(Get(f, l).status() == cpb::STREAM_STATUS_LIVE);
  CHECK(Get(f, l).went_live_at().seconds() == absl::ToUnixSeconds(pdt0));  // the first time
  went = f.Events("video_ingest.stream_went_live");
  REQUIRE(went.size() == 2);
  CHECK(Payload<vpb::StreamWentLive>(went[1]).resumed());

  // Dropped again, and this time the grace period runs out.
  const absl::Time drop2 = drop + absl::Seconds(20);
  REQUIRE(f.store()
              .ReleaseSession(again->session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, drop2)
              .ok());
  auto expired = f.store().ExpireGracePeriods(drop2 + absl::Seconds(61));
  REQUIRE(expired.ok());
  CHECK(*expired == std::vector<std::string>{l.stream_id});
  vpb::Stream ended = Get(f, l);
  CHECK(ended.status() == cpb::STREAM_STATUS_ENDED);
  CHECK(ended.recording_choice() == vpb::RECORDING_CHOICE_UNDECIDED);
  CHECK(ended.playback_url().empty());
  auto ends = f.Events("video_ingest.stream_ended");
  REQUIRE(ends.size() == 1);
  auto end0 = Payload<vpb::StreamEnded>(ends[0]);
  CHECK(end0.status() == cpb::STREAM_STATUS_ENDED);
  CHECK(end0.end_reason() == vpb::STREAM_END_REASON_GRACE_EXPIRED);
  CHECK(end0.segment_count() == 3);
  CHECK(end0.last_segment_sequence() == 2);
  CHECK(end0.media_duration().seconds() == 6);
  CHECK(end0.went_live_at().seconds() == absl::ToUnixSeconds(pdt0));

  // Every event of the stream is in order, and StreamEnded is last.
  auto all = f.Events();
  CHECK(all.back().type() == "video_ingest.stream_ended");

  // An ended stream cannot be published to again.
  auto late = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:1",
                                        drop2 + absl::Seconds(100));
  CHECK(Reason(late.status()) == "STREAM_ENDED");
  CHECK(f.store().ExpireGracePeriods(drop2 + absl::Hours(1))->empty());
}

TEST_CASE("claims with unknown keys are refused without touching any stream") {
  StreamsFixture f;
  Live l = MakeStream(f);
  for (const std::string& key :
       {std::string(), std::string("sk_") + shopcast::ids::NewSecret(32), l.key + "x",
        std::string(10000, 'k'), std::string("' OR 1=1 --")}) {
    auto c = f.store().ClaimForPublish(key, IngestProtocol::kRtmp, "203.0.113.7:1", kT0);
    CHECK(c.status().code() == absl::StatusCode::kPermissionDenied);
    CHECK(Reason(c.status()) == "STREAM_KEY_INVALID");
  }
  CHECK(f.Count("ingest_sessions") == 0);
}

TEST_CASE("a reconnect after the deadline finds the stream ended even before the sweep") {
  StreamsFixture f;
  Live l = MakeStream(f);
  const Claim claim = GoLive(f, l, IngestProtocol::kSrt);
  REQUIRE(f.store()
              .ReleaseSession(claim.session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, kT0)
              .ok());
  auto late = f.store().ClaimForPublish(l.key, IngestProtocol::kSrt, "203.0.113.7:2",
                                        kT0 + absl::Seconds(61));
  CHECK(Reason(late.status()) == "STREAM_ENDED");
  CHECK(Get(f, l).status() == cpb::STREAM_STATUS_ENDED);
  auto ends = f.Events("video_ingest.stream_ended");
  REQUIRE(ends.size() == 1);
  CHECK(Payload<vpb::StreamEnded>(ends[0]).end_reason() == vpb::STREAM_END_REASON_GRACE_EXPIRED);
}

TEST_CASE("a session that never produced media leaves a PREPARING stream PREPARING") {
  StreamsFixture f;
  Live l = MakeStream(f);
  auto claim = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:1", kT0);
  REQUIRE(claim.ok());
  MediaInfo media{"h264", 1280, 720, 30, "aac", 48000, 2, "avc1.64001f,mp4a.40.2"};
  REQUIRE(f.store().RecordMediaInfo(claim->session_id, media).ok());
  REQUIRE(f.store()
              .ReleaseSession(claim->session_id, vpb::SESSION_END_REASON_REJECTED,
                              cpb::STREAM_ERROR_REASON_UNSUPPORTED_CODEC, kT0)
              .ok());
  vpb::Stream s = Get(f, l);
  CHECK(s.status() == cpb::STREAM_STATUS_PREPARING);
  CHECK(s.error_reason() == cpb::STREAM_ERROR_REASON_UNSUPPORTED_CODEC);
  CHECK(s.current_session().width() == 1280);
  CHECK(s.current_session().video_codec() == "h264");
  CHECK(s.current_session().end_reason() == vpb::SESSION_END_REASON_REJECTED);
  CHECK(f.Events("video_ingest.stream_reconnecting").empty());
  // The key still works for the next attempt.
  CHECK(f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:2", kT0).ok());
  CHECK(Reason(f.store().RecordMediaInfo("ses_missing", media)) == "SESSION_NOT_FOUND");
}

TEST_CASE("a packager failure ends the stream in ERROR with the segment totals") {
  StreamsFixture f;
  Live l = MakeStream(f);
  const Claim claim = GoLive(f, l);
  REQUIRE(f.store()
              .FailStream(claim.session_id, cpb::STREAM_ERROR_REASON_PACKAGER_FAILURE,
                          kT0 + absl::Seconds(5))
              .ok());
  vpb::Stream s = Get(f, l);
  CHECK(s.status() == cpb::STREAM_STATUS_ERROR);
  CHECK(s.error_reason() == cpb::STREAM_ERROR_REASON_PACKAGER_FAILURE);
  CHECK(s.current_session().end_reason() == vpb::SESSION_END_REASON_ERROR);
  auto ends = f.Events("video_ingest.stream_ended");
  REQUIRE(ends.size() == 1);
  auto e = Payload<vpb::StreamEnded>(ends[0]);
  CHECK(e.status() == cpb::STREAM_STATUS_ERROR);
  CHECK(e.end_reason() == vpb::STREAM_END_REASON_ERROR);
  CHECK(e.error_reason() == cpb::STREAM_ERROR_REASON_PACKAGER_FAILURE);
  CHECK(e.segment_count() == 1);
}

TEST_CASE("a segment arriving after the stream ended is still recorded, status unchanged") {
  StreamsFixture f;
  Live l = MakeStream(f);
  const Claim claim = GoLive(f, l);
  REQUIRE(f.store().EndStream(l.stream_id, l.host_id, vpb::RECORDING_CHOICE_SAVE, kT0).ok());
  // Recorded, and the caller learns its session is over (so it cuts the encoder).
  CHECK(Reason(f.store().RecordSegment(claim, Segment(l.stream_id, 1, kT0, absl::Seconds(2)),
                                       kT0)) == "SESSION_ENDED");
  CHECK(f.Count("segments") == 2);
  CHECK(Get(f, l).status() == cpb::STREAM_STATUS_ENDED);
  CHECK(f.Events("video_ingest.stream_went_live").size() == 1);
}

TEST_CASE("a live stream's segments are each recorded, counted and announced once, in any order") {
  StreamsFixture f;
  Live l = MakeStream(f);
  const Claim claim = GoLive(f, l);
  REQUIRE(Get(f, l).status() == cpb::STREAM_STATUS_LIVE);

  // Live segments (one statement each), one of them arriving late and one retried.
  for (int64_t seq : {1, 3, 2, 3}) {
    REQUIRE(f.store()
                .RecordSegment(claim,
                               Segment(l.stream_id, seq, kT0 + absl::Seconds(2 * seq),
                                       absl::Seconds(2 * seq), absl::Seconds(2)),
                               kT0 + absl::Seconds(2 * seq + 2))
                .ok());
  }
  CHECK(f.Count("segments") == 4);
  vpb::Stream live = Get(f, l);
  CHECK(live.status() == cpb::STREAM_STATUS_LIVE);
  CHECK(live.current_session().segments_written() == 4);
  CHECK(live.current_session().bytes_received() == 4 * 500000);
  CHECK(live.current_session().bitrate_kbps() == 2000);  // 500 kB over 2 s
  CHECK(f.Scalar("SELECT next_sequence || '/' || media_offset_us FROM streams WHERE id = '" +
                 l.stream_id + "'") == "4/8000000");
  std::vector<int64_t> closed;
  for (const auto& e : f.Events("video_ingest.segment_closed")) {
    closed.push_back(Payload<vpb::SegmentClosed>(e).sequence());
  }
  CHECK(closed == std::vector<int64_t>{0, 1, 3, 2});
  CHECK(f.Events("video_ingest.stream_went_live").size() == 1);

  // A session another encoder replaced records its late segment and learns it is over; the
  // live stream and its new session are untouched.
  REQUIRE(f.store()
              .ReleaseSession(claim.session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, kT0 + absl::Seconds(10))
              .ok());
  auto again = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:2",
                                         kT0 + absl::Seconds(11));
  REQUIRE(again.ok());
  REQUIRE(f.store()
              .RecordSegment(*again,
                             Segment(l.stream_id, 4, kT0 + absl::Seconds(12), absl::Seconds(8)),
                             kT0 + absl::Seconds(14))
              .ok());
  CHECK(Reason(f.store().RecordSegment(
            claim, Segment(l.stream_id, 5, kT0 + absl::Seconds(9), absl::Seconds(10)),
            kT0 + absl::Seconds(15))) == "SESSION_ENDED");
  live = Get(f, l);
  CHECK(live.status() == cpb::STREAM_STATUS_LIVE);
  CHECK(live.current_session().id() == again->session_id);
  CHECK(live.current_session().segments_written() == 1);
  CHECK(f.Events("video_ingest.stream_went_live").size() == 2);
}

TEST_CASE("after a restart, the instance's own sessions are released as if the encoder left") {
  StreamsFixture f;
  Live a = MakeStream(f, "Alpha");
  Live b = MakeStream(f, "Beta");
  REQUIRE(f.store().Heartbeat(kT0).ok());
  auto ca = f.store().ClaimForPublish(a.key, IngestProtocol::kRtmp, "203.0.113.7:1", kT0);
  auto cb = f.store().ClaimForPublish(b.key, IngestProtocol::kSrt, "203.0.113.8:1", kT0);
  REQUIRE(ca.ok());
  REQUIRE(cb.ok());
  REQUIRE(
      f.store().RecordSegment(*ca, Segment(a.stream_id, 0, kT0, absl::ZeroDuration()), kT0).ok());
  // The same instance starts again (a pod keeps its name across restarts).
  const absl::Time restart = kT0 + absl::Seconds(5);
  REQUIRE(f.store().Heartbeat(restart).ok());
  auto released = f.store().ReleaseOrphanedSessions(restart, /*starting=*/true);
  REQUIRE(released.ok());
  CHECK(released->size() == 2);
  CHECK(Get(f, a).status() == cpb::STREAM_STATUS_RECONNECTING);
  CHECK(Get(f, a).reconnect_deadline().seconds() == absl::ToUnixSeconds(restart) + 60);
  CHECK(Get(f, b).status() == cpb::STREAM_STATUS_PREPARING);
  CHECK(f.Scalar("SELECT count(*) FROM ingest_sessions WHERE ended_at IS NULL") == "0");
  // Both keys can publish again; the first one resumes.
  auto again = f.store().ClaimForPublish(a.key, IngestProtocol::kRtmp, "203.0.113.7:2",
                                         restart + absl::Seconds(1));
  REQUIRE(again.ok());
  CHECK(again->resumed);
  CHECK(f.store().ClaimForPublish(b.key, IngestProtocol::kSrt, "203.0.113.8:2", restart).ok());
}

TEST_CASE("a starting replica leaves the live sessions of a running replica alone") {
  // A rolling update: the new replica starts while the old one still serves its encoders.
  StreamsFixture f;
  std::unique_ptr<StreamStore> old_replica = f.StoreOfInstance("video-ingest-old");
  Live live = MakeStream(f, "Live on the old replica");
  REQUIRE(old_replica->Heartbeat(kT0).ok());
  auto claim = old_replica->ClaimForPublish(live.key, IngestProtocol::kRtmp, "203.0.113.7:1", kT0);
  REQUIRE(claim.ok());
  REQUIRE(
      old_replica->RecordSegment(*claim, Segment(live.stream_id, 0, kT0, absl::ZeroDuration()), kT0)
          .ok());
  REQUIRE(Get(f, live).status() == cpb::STREAM_STATUS_LIVE);

  const absl::Time start = kT0 + absl::Seconds(10);
  REQUIRE(f.store().Heartbeat(start).ok());
  auto released = f.store().ReleaseOrphanedSessions(start, /*starting=*/true);
  REQUIRE(released.ok());
  CHECK(released->empty());
  CHECK(Get(f, live).status() == cpb::STREAM_STATUS_LIVE);
  // The old replica keeps recording as the stream's encoder.
  REQUIRE(old_replica->Heartbeat(start).ok());
  CHECK(old_replica
            ->RecordSegment(
                *claim, Segment(live.stream_id, 1, kT0 + absl::Seconds(2), absl::Seconds(2)), start)
            .ok());

  // The old replica dies without a goodbye: once its lease runs out, the survivor releases its
  // session and the stream waits for its encoder.
  const absl::Time within_lease = start + f.store_options().instance_lease - absl::Seconds(1);
  REQUIRE(f.store().Heartbeat(within_lease).ok());
  CHECK(f.store().ReleaseOrphanedSessions(within_lease, false)->empty());
  CHECK(Get(f, live).status() == cpb::STREAM_STATUS_LIVE);
  const absl::Time past_lease = start + f.store_options().instance_lease + absl::Seconds(1);
  REQUIRE(f.store().Heartbeat(past_lease).ok());
  auto swept = f.store().ReleaseOrphanedSessions(past_lease, false);
  REQUIRE(swept.ok());
  CHECK(*swept == std::vector<std::string>{claim->session_id});
  CHECK(Get(f, live).status() == cpb::STREAM_STATUS_RECONNECTING);

  // Should the old replica still be recording after all, it learns that it lost the stream.
  absl::Status late = old_replica->RecordSegment(
      *claim, Segment(live.stream_id, 2, kT0 + absl::Seconds(4), absl::Seconds(4)), past_lease);
  CHECK(Reason(late) == "SESSION_ENDED");
  CHECK(f.Count("segments") == 3);  // Recorded all the same: nothing is lost.
}

TEST_CASE("encoders racing for one key: exactly one holds the stream, the others are refused") {
  StreamsFixture f;
  Live l = MakeStream(f);
  constexpr int kEncoders = 8;
  std::vector<absl::StatusOr<Claim>> results(kEncoders, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kEncoders; ++i) {
    threads.emplace_back([&, i] {
      results[i] = f.store().ClaimForPublish(l.key, IngestProtocol::kSrt,
                                             "203.0.113.7:" + std::to_string(40000 + i), kT0);
    });
  }
  for (auto& t : threads) t.join();
  int held = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++held;
    } else {
      CHECK(Reason(r.status()) == "ALREADY_PUBLISHING");
    }
  }
  CHECK(held == 1);
  CHECK(f.Events("video_ingest.publish_rejected").size() == kEncoders - 1);
  CHECK(f.Scalar("SELECT count(*) FROM ingest_sessions WHERE ended_at IS NULL") == "1");
}

TEST_CASE("CreateStream calls racing past the per-host limit create no more than the limit") {
  StreamsFixture f(/*max_open_streams_per_host=*/3);
  std::string host_id;
  std::string token = f.TokenFor(shopcast::auth::Role::kHost, &host_id);
  constexpr int kCalls = 8;
  std::vector<grpc::StatusCode> codes(kCalls, grpc::UNKNOWN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      vpb::CreateStreamRequest req;
      req.set_title("Race " + std::to_string(i));
      req.set_idempotency_key("race-" + std::to_string(i));
      vpb::CreateStreamResponse res;
      auto ctx = Ctx(token);
      codes[i] = f.stub().CreateStream(ctx.get(), req, &res).error_code();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(std::count(codes.begin(), codes.end(), grpc::OK) == 3);
  CHECK(std::count(codes.begin(), codes.end(), grpc::RESOURCE_EXHAUSTED) == kCalls - 3);
  CHECK(f.Count("streams") == 3);
}

TEST_CASE("streams waiting out their reconnect grace do not lock a host out of new streams") {
  StreamsFixture f(/*max_open_streams_per_host=*/2);
  Live l = MakeStream(f, "Dropped");
  auto claim = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:50512", kT0);
  REQUIRE(claim.ok());
  REQUIRE(f.store()
              .RecordSegment(*claim, Segment(l.stream_id, 0, kT0, absl::ZeroDuration()),
                             kT0 + absl::Seconds(2))
              .ok());
  REQUIRE(f.store()
              .ReleaseSession(claim->session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, kT0 + absl::Seconds(3))
              .ok());
  REQUIRE(Get(f, l).status() == cpb::STREAM_STATUS_RECONNECTING);

  // The dropped stream holds no place: two new ones fit under a limit of two...
  f.Create(l.token, "Fresh", "k-fresh");
  f.Create(l.token, "Spare", "k-spare");
  // ...and PREPARING (and LIVE) streams still do.
  vpb::CreateStreamRequest req;
  req.set_title("One too many");
  req.set_idempotency_key("k-over");
  vpb::CreateStreamResponse res;
  auto ctx = Ctx(l.token);
  CHECK(f.stub().CreateStream(ctx.get(), req, &res).error_code() == grpc::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(*ctx) == "TOO_MANY_OPEN_STREAMS");
  // The dropped stream can still come back within its grace period.
  auto again = f.store().ClaimForPublish(l.key, IngestProtocol::kRtmp, "203.0.113.7:50600",
                                         kT0 + absl::Seconds(5));
  REQUIRE(again.ok());
  CHECK(again->resumed);
}

TEST_CASE("LookupStreams names the HLS origin of the replica whose encoder holds the stream") {
  // The gateway routes a stream's players to the replica that packages it (StreamRef.hls_origin).
  StreamsFixture f;
  std::unique_ptr<StreamStore> one = f.StoreOfInstance("video-ingest-1", "http://vi-1.hls:8088");
  std::unique_ptr<StreamStore> two = f.StoreOfInstance("video-ingest-2", "http://vi-2.hls:8088");
  Live a = MakeStream(f, "On one");
  Live b = MakeStream(f, "On two");
  Live idle = MakeStream(f, "Not yet");
  REQUIRE(one->Heartbeat(kT0).ok());
  REQUIRE(two->Heartbeat(kT0).ok());
  auto ca = one->ClaimForPublish(a.key, IngestProtocol::kRtmp, "203.0.113.7:1", kT0);
  auto cb = two->ClaimForPublish(b.key, IngestProtocol::kSrt, "203.0.113.8:1", kT0);
  REQUIRE(ca.ok());
  REQUIRE(cb.ok());
  REQUIRE(one->RecordSegment(*ca, Segment(a.stream_id, 0, kT0, absl::ZeroDuration()), kT0).ok());

  auto lookup = [&] {
    vpb::LookupStreamsRequest req;
    for (const Live* l : {&a, &b, &idle}) req.add_stream_ids(l->stream_id);
    vpb::LookupStreamsResponse res;
    auto ctx = Ctx();
    REQUIRE(f.internal().LookupStreams(ctx.get(), req, &res).ok());
    std::map<std::string, std::string> origins;
    for (const auto& ref : res.streams()) origins[ref.stream_id()] = ref.hls_origin();
    REQUIRE(origins.size() == 3);
    return origins;
  };
  auto origins = lookup();
  CHECK(origins[a.stream_id] == "http://vi-1.hls:8088");  // LIVE on replica 1
  CHECK(origins[b.stream_id] == "http://vi-2.hls:8088");  // claimed (PREPARING) on replica 2
  CHECK(origins[idle.stream_id].empty());                 // no encoder anywhere

  // The encoder leaves: RECONNECTING, nobody holds it; it comes back through the other replica.
  REQUIRE(one->ReleaseSession(ca->session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                              cpb::STREAM_ERROR_REASON_UNSPECIFIED, kT0 + absl::Seconds(1))
              .ok());
  CHECK(lookup()[a.stream_id].empty());
  REQUIRE(
      two->ClaimForPublish(a.key, IngestProtocol::kRtmp, "203.0.113.7:2", kT0 + absl::Seconds(2))
          .ok());
  CHECK(lookup()[a.stream_id] == "http://vi-2.hls:8088");

  // A replica restarted with another advertised address says so with its next heartbeat.
  std::unique_ptr<StreamStore> two_moved =
      f.StoreOfInstance("video-ingest-2", "http://10.0.0.9:8088");
  REQUIRE(two_moved->Heartbeat(kT0 + absl::Seconds(3)).ok());
  CHECK(lookup()[a.stream_id] == "http://10.0.0.9:8088");
}
