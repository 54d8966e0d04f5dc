// Two replicas of the binary on one database, as Kubernetes runs them during a rolling update:
// the new replica must leave the old one's live encoders alone, take them over when the old one
// drains, and release the streams of a replica that died without a goodbye once its lease runs
// out.

#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/match.h"
#include "ingest_fixture.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_ENDED;
using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_RECONNECTING;

// Generous: a loaded 2-core machine runs two servers and two encoders here.
constexpr absl::Duration kDeadline = absl::Seconds(60);
// Longer than any test here runs: the encoders are cut by the servers, never run out.
constexpr double kPublishSeconds = 600;

ServerOptions Replica(const std::string& instance_id, const IngestServer* peer = nullptr) {
  ServerOptions o;
  o.instance_id = instance_id;
  o.replica_of = peer;
  return o;
}

std::vector<v1::SegmentClosed> Segments(const IngestServer& server, const std::string& id) {
  return Payloads<v1::SegmentClosed>(server.Events(id), "video_ingest.segment_closed");
}

// Segments a player has been offered so far: those that slid out of the window and those in it.
int64_t PlaylistLength(const MediaPlaylist& p) {
  return p.media_sequence + static_cast<int64_t>(p.entries.size());
}

// True once `instance_id` has heart-beat `beats` more times. Each housekeeping round heart-beats
// and then sweeps for orphaned sessions, so two new beats prove a whole sweep ran in between.
bool WaitForHeartbeats(const IngestServer& server, const std::string& instance_id, int beats) {
  absl::Time last = server.LastHeartbeat(instance_id);
  int seen = 0;
  return testing::WaitUntil(
      [&] {
        const absl::Time now = server.LastHeartbeat(instance_id);
        if (now > last) {
          last = now;
          ++seen;
        }
        return seen >= beats;
      },
      kDeadline, absl::Milliseconds(100));
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

TEST_CASE("a rolling restart keeps the old replica's stream live, then the encoder moves over") {
  IngestServer a(Replica("ingest-a"));
  CreatedStream s = a.CreateStream();
  Publisher encoder_a(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, kPublishSeconds,
                      a.LogPath("encoder-a"));
  {
    INFO(a.log());
    REQUIRE(a.WaitForStatus(s.id, STREAM_STATUS_LIVE, kDeadline));
    REQUIRE(a.WaitForSegments(s.id, 2, kDeadline));
  }

  // The rollout starts the new replica beside the old one, on the same database and storage.
  // The constructor returns once it is ready, and its start-up recovery runs before that.
  IngestServer b(Replica("ingest-b", &a));
  {
    INFO(b.log());
    REQUIRE(b.GetStream(s.id).status() == STREAM_STATUS_LIVE);
    // Its periodic sweep leaves the stream alone too: wait for one to have run.
    REQUIRE(WaitForHeartbeats(b, "ingest-b", 2));
    REQUIRE(b.GetStream(s.id).status() == STREAM_STATUS_LIVE);
  }
  // The old replica still packages the encoder it holds: two more segments after all that.
  const int64_t at_rollout = PlaylistLength(a.ReadPlaylist(s.id));
  {
    INFO(a.log());
    REQUIRE(a.WaitForSegments(s.id, at_rollout + 2, kDeadline));
  }
  CHECK(b.GetStream(s.id).status() == STREAM_STATUS_LIVE);
  CHECK(encoder_a.running());
  CHECK(
      Payloads<v1::StreamReconnecting>(a.Events(s.id), "video_ingest.stream_reconnecting").empty());
  CHECK(!absl::StrContains(b.log(), "ingest_orphaned_sessions_released"));
  CHECK(absl::StrContains(b.Metrics(), "ingest_orphaned_sessions_released_total 0"));

  // The rollout stops the old replica: it drains, and the stream waits for its encoder.
  REQUIRE(a.Terminate(kDeadline) == 0);
  {
    INFO(b.log());
    REQUIRE(b.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, kDeadline));
  }
  REQUIRE(encoder_a.Wait(kDeadline) >= 0);  // Cut by the drain.
  const v1::Stream waiting = b.GetStream(s.id);
  REQUIRE(waiting.has_reconnect_deadline());
  // Every segment the old replica wrote is recorded: the new one continues after the last.
  const int64_t handed_over = static_cast<int64_t>(Segments(b, s.id).size());
  REQUIRE(handed_over >= at_rollout + 2);

  // The encoder reconnects with the same key, as OBS does, and the load balancer sends it to
  // the new replica.
  Publisher encoder_b(Publisher::Kind::kFfmpegRtmp, b.rtmp_url(s.key), kPublishSeconds,
                      b.LogPath("encoder-b"));
  {
    INFO(b.log());
    REQUIRE(b.WaitForStatus(s.id, STREAM_STATUS_LIVE, kDeadline));
    REQUIRE(b.WaitForSegments(s.id, handed_over + 2, kDeadline));
  }
  // A player reading the playlist sees it continue, after a discontinuity.
  MediaPlaylist playlist = b.ReadPlaylist(s.id);
  INFO(playlist.text);
  CHECK(!playlist.ended);
  bool continued = false;
  for (const PlaylistEntry& e : playlist.entries) {
    if (e.sequence == handed_over) {
      continued = true;
      CHECK(e.discontinuity);
    }
  }
  CHECK(continued);

  // The host ends the show on the new replica; the recording holds both sessions, gapless.
  REQUIRE(b.EndStream(s.id).ok());
  CHECK(b.GetStream(s.id).status() == STREAM_STATUS_ENDED);
  std::vector<common::v1::Event> events = b.Events(s.id);
  std::vector<v1::SegmentClosed> segments =
      Payloads<v1::SegmentClosed>(events, "video_ingest.segment_closed");
  REQUIRE(static_cast<int64_t>(segments.size()) >= handed_over + 2);
  std::set<std::string> sessions;
  for (size_t i = 0; i < segments.size(); ++i) {
    INFO("segment " << i);
    CHECK(segments[i].sequence() == static_cast<int64_t>(i));
    CHECK(segments[i].discontinuity() == (segments[i].sequence() == handed_over));
    sessions.insert(segments[i].session_id());
  }
  CHECK(sessions.size() == 2);
  CHECK(Payloads<v1::StreamReconnecting>(events, "video_ingest.stream_reconnecting").size() == 1);
  auto went_live = Payloads<v1::StreamWentLive>(events, "video_ingest.stream_went_live");
  REQUIRE(went_live.size() == 2);
  CHECK(went_live[1].resumed());
}

TEST_CASE("a replica that dies without draining has its stream released once its lease expires") {
  // The shortest lease the configuration takes, so the test need not wait 30 s.
  const absl::Duration lease = absl::Seconds(5);
  ServerOptions a_options = Replica("ingest-a");
  a_options.instance_lease = lease;
  IngestServer a(a_options);
  CreatedStream s = a.CreateStream();
  Publisher encoder_a(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, kPublishSeconds,
                      a.LogPath("encoder-a"));
  {
    INFO(a.log());
    REQUIRE(a.WaitForStatus(s.id, STREAM_STATUS_LIVE, kDeadline));
    REQUIRE(a.WaitForSegments(s.id, 2, kDeadline));
  }
  ServerOptions b_options = Replica("ingest-b", &a);
  b_options.instance_lease = lease;
  IngestServer b(b_options);
  REQUIRE(b.GetStream(s.id).status() == STREAM_STATUS_LIVE);  // Its owner is alive.

  a.Kill();  // A crashed pod or a lost node: no drain, no session released.
  REQUIRE(encoder_a.Wait(kDeadline) >= 0);  // Its connection went with the process.
  {
    INFO(b.log());
    REQUIRE(b.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, kDeadline));
  }
  // The operator is told (the logger writes lines in batches, so wait for it).
  CHECK(b.WaitForLogEvent("ingest_orphaned_sessions_released", kDeadline).at("count") == 1);
  // Not before the lease ran out: the release came at least a lease after A's last heartbeat.
  std::vector<common::v1::Event> events = b.Events(s.id);
  auto reconnecting = Payloads<v1::StreamReconnecting>(events, "video_ingest.stream_reconnecting");
  REQUIRE(reconnecting.size() == 1);
  CHECK(TimeOf(reconnecting[0].since()) - b.LastHeartbeat("ingest-a") >= lease);

  // The encoder comes back through the surviving replica and the recording continues. (The
  // playlist file may still list a segment the dead replica wrote but never recorded, so the
  // recorded segments are what counts here.)
  const int64_t handed_over = static_cast<int64_t>(Segments(b, s.id).size());
  Publisher encoder_b(Publisher::Kind::kFfmpegRtmp, b.rtmp_url(s.key), kPublishSeconds,
                      b.LogPath("encoder-b"));
  INFO(b.log());
  REQUIRE(b.WaitForStatus(s.id, STREAM_STATUS_LIVE, kDeadline));
  std::vector<v1::SegmentClosed> segments;
  REQUIRE(testing::WaitUntil(
      [&] {
        segments = Segments(b, s.id);
        return static_cast<int64_t>(segments.size()) > handed_over;
      },
      kDeadline, absl::Milliseconds(200)));
  CHECK(segments[handed_over].sequence() == handed_over);
  CHECK(segments[handed_over].discontinuity());
}

}  // namespace shopcast::video_ingest::e2e
