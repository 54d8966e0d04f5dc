// Every RPC of the streams API over a real gRPC channel, as hosts, viewers and admins use it.
#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "absl/strings/match.h"
#include "shopcast/ids/ids.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/status/status.h"
#include "streams_fixture.h"

using namespace shopcast::video_ingest::streams;           // NOLINT: test file
using namespace shopcast::video_ingest::streams::testing;  // NOLINT: test file
using shopcast::auth::Role;
using shopcast::video_ingest::IngestProtocol;
namespace cpb = shopcast::common::v1;

namespace {

vpb::GetStreamResponse GetAs(StreamsFixture& f, const std::string& token, const std::string& id,
                             grpc::StatusCode expect = grpc::OK) {
  vpb::GetStreamRequest req;
  req.set_stream_id(id);
  vpb::GetStreamResponse res;
  auto ctx = Ctx(token);
  grpc::Status st = f.stub().GetStream(ctx.get(), req, &res);
  INFO(st.error_message());
  CHECK(st.error_code() == expect);
  return res;
}

// Claims the stream with `key` and records `segments` segments: it is LIVE afterwards.
Claim GoLive(StreamsFixture& f, const std::string& key, int segments, absl::Time at) {
  auto claim = f.store().ClaimForPublish(key, IngestProtocol::kRtmp, "203.0.113.7:1", at);
  REQUIRE(claim.ok());
  for (int i = 0; i < segments; ++i) {
    REQUIRE(f.store()
                .RecordSegment(*claim,
                               Segment(claim->stream_id, claim->next_sequence + i,
                                       at + absl::Seconds(2 * i), absl::Seconds(2 * i)),
                               at)
                .ok());
  }
  return *claim;
}

}  // namespace

TEST_CASE("CreateStream shows the key once and stores only its hash") {
  StreamsFixture f;
  std::string host_id;
  std::string token = f.TokenFor(Role::kHost, &host_id);
  vpb::CreateStreamRequest req;
  req.set_title("  Spring drop  ");
  req.set_description("New arrivals\nlive");
  req.add_tags("Fashion");
  req.add_tags("spring-2025");
  req.mutable_scheduled_start_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 3600);
  req.set_idempotency_key("create-1");
  vpb::CreateStreamResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().CreateStream(ctx.get(), req, &res).ok());

  const vpb::Stream& s = res.stream();
  CHECK(shopcast::ids::IsValidId(s.id(), "str"));
  CHECK(s.host_id() == host_id);
  CHECK(s.title() == "Spring drop");
  CHECK(s.tags_size() == 2);
  CHECK(s.tags(0) == "fashion");
  CHECK(s.status() == cpb::STREAM_STATUS_PREPARING);
  CHECK(s.version() == 1);
  CHECK(s.playback_url().empty());

  const std::string key = res.endpoints().stream_key();
  REQUIRE(key.size() == 3 + 43);
  CHECK(absl::StartsWith(key, "sk_"));
  CHECK(res.endpoints().rtmp_server_url() == "rtmp://localhost:1935/live");
  CHECK(res.endpoints().rtmp_url() == "rtmp://localhost:1935/live/" + key);
  CHECK(res.endpoints().srt_url() == "srt://localhost:9000?streamid=" + key + "&latency=200000");
  CHECK(s.ingest().stream_key_hint() == key.substr(key.size() - 4));

  // Stored only as its hash: the key text is nowhere in the database, events included.
  CHECK(f.Scalar("SELECT key_hash FROM streams") == shopcast::ids::HashSecret(key));
  CHECK_FALSE(absl::StrContains(f.AllText(), key));
  CHECK_FALSE(absl::StrContains(f.AllText(), key.substr(3)));

  // Never shown again: not by GetStream, not by a retry of the same request.
  auto got = GetAs(f, token, s.id());
  CHECK_FALSE(absl::StrContains(got.SerializeAsString(), key));
  vpb::CreateStreamResponse retry;
  auto retry_ctx = Ctx(token);
  CHECK(f.stub().CreateStream(retry_ctx.get(), req, &retry).error_code() ==
        grpc::FAILED_PRECONDITION);
  CHECK(ReasonOf(*retry_ctx) == "STREAM_KEY_ALREADY_ISSUED");
  CHECK(retry.endpoints().stream_key().empty());
  CHECK(f.Count("streams") == 1);

  // The same key with other content is not a retry: refused, like Stripe, and the first
  // stream keeps its title. So is a change of tags or schedule alone.
  for (const auto& change : std::vector<std::function<void(vpb::CreateStreamRequest&)>>{
           [](auto& r) { r.set_title("Autumn drop"); },
           [](auto& r) { r.add_tags("extra"); },
           [](auto& r) {
             r.mutable_scheduled_start_at()->set_seconds(r.scheduled_start_at().seconds() + 60);
           },
       }) {
    vpb::CreateStreamRequest other = req;
    change(other);
    vpb::CreateStreamResponse other_res;
    auto other_ctx = Ctx(token);
    CHECK(f.stub().CreateStream(other_ctx.get(), other, &other_res).error_code() ==
          grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(*other_ctx) == "IDEMPOTENCY_KEY_REUSED");
    CHECK(other_res.endpoints().stream_key().empty());
  }
  CHECK(f.Count("streams") == 1);
  CHECK(GetAs(f, token, s.id()).stream().title() == "Spring drop");
  // Spelling the same request differently (case of a tag, spaces round the title) is a retry.
  vpb::CreateStreamRequest same = req;
  same.set_title("  Spring drop ");
  same.set_tags(0, "FASHION");
  auto same_ctx = Ctx(token);
  CHECK(f.stub().CreateStream(same_ctx.get(), same, &retry).error_code() ==
        grpc::FAILED_PRECONDITION);
  CHECK(ReasonOf(*same_ctx) == "STREAM_KEY_ALREADY_ISSUED");

  // The key works for an encoder; StreamCreated was announced.
  CHECK(f.store().ClaimForPublish(key, IngestProtocol::kRtmp, "203.0.113.7:1", absl::Now()).ok());
  auto created = f.Events("video_ingest.stream_created");
  REQUIRE(created.size() == 1);
  auto e = Payload<vpb::StreamCreated>(created[0]);
  CHECK(e.stream_id() == s.id());
  CHECK(e.host_id() == host_id);
  CHECK(e.title() == "Spring drop");
}

TEST_CASE("a host may hold only so many open streams") {
  StreamsFixture f(/*max_open_streams_per_host=*/2);
  std::string host_id;
  std::string token = f.TokenFor(Role::kHost, &host_id);
  std::string first = f.Create(token, "One", "k1").stream().id();
  f.Create(token, "Two", "k2");
  vpb::CreateStreamRequest req;
  req.set_title("Three");
  req.set_idempotency_key("k3");
  vpb::CreateStreamResponse res;
  auto ctx = Ctx(token);
  CHECK(f.stub().CreateStream(ctx.get(), req, &res).error_code() == grpc::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(*ctx) == "TOO_MANY_OPEN_STREAMS");
  // Another host is not affected; ending one frees a place.
  f.Create(f.TokenFor(Role::kHost), "Other", "k1");
  vpb::EndStreamRequest end;
  end.set_stream_id(first);
  end.set_recording_choice(vpb::RECORDING_CHOICE_DELETE);
  vpb::EndStreamResponse ended;
  auto end_ctx = Ctx(token);
  REQUIRE(f.stub().EndStream(end_ctx.get(), end, &ended).ok());
  f.Create(token, "Three", "k3");
  CHECK(f.Count("streams") == 4);
}

TEST_CASE("GetStream shows ingest details to the host only") {
  StreamsFixture f;
  std::string token = f.TokenFor(Role::kHost);
  auto created = f.Create(token, "Show", "k");
  const std::string id = created.stream().id();
  GoLive(f, created.endpoints().stream_key(), 1, absl::Now());

  auto mine = GetAs(f, token, id).stream();
  CHECK(mine.status() == cpb::STREAM_STATUS_LIVE);
  CHECK(mine.ingest().rtmp_server_url() == "rtmp://localhost:1935/live");
  CHECK(mine.ingest().srt_server_url() == "srt://localhost:9000");
  CHECK(mine.current_session().remote_address() == "203.0.113.7:1");
  CHECK_FALSE(mine.playback_url().empty());

  for (const std::string& other :
       {std::string(), f.TokenFor(Role::kViewer), f.TokenFor(Role::kHost)}) {
    auto theirs = GetAs(f, other, id).stream();
    CHECK(theirs.title() == "Show");
    CHECK(theirs.playback_url() == mine.playback_url());
    CHECK_FALSE(theirs.has_ingest());
    CHECK_FALSE(theirs.has_current_session());
  }
  auto missing = Ctx();
  vpb::GetStreamRequest req;
  req.set_stream_id(shopcast::ids::NewId("str"));
  vpb::GetStreamResponse res;
  CHECK(f.stub().GetStream(missing.get(), req, &res).error_code() == grpc::NOT_FOUND);
  CHECK(ReasonOf(*missing) == "STREAM_NOT_FOUND");
}

TEST_CASE("UpdateStream changes the named fields under optimistic concurrency") {
  StreamsFixture f;
  std::string token = f.TokenFor(Role::kHost);
  auto created = f.Create(token, "Before", "k");
  vpb::UpdateStreamRequest req;
  *req.mutable_stream() = created.stream();
  req.mutable_stream()->set_title("After");
  req.mutable_stream()->set_description("ignored: not in the mask");
  req.mutable_update_mask()->add_paths("title");
  vpb::UpdateStreamResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().UpdateStream(ctx.get(), req, &res).ok());
  CHECK(res.stream().title() == "After");
  CHECK(res.stream().description().empty());
  CHECK(res.stream().version() == 2);
  auto updated = f.Events("video_ingest.stream_updated");
  REQUIRE(updated.size() == 1);
  CHECK(Payload<vpb::StreamUpdated>(updated[0]).version() == 2);

  // The same request again carries the old version.
  auto stale = Ctx(token);
  CHECK(f.stub().UpdateStream(stale.get(), req, &res).error_code() == grpc::ABORTED);
  CHECK(ReasonOf(*stale) == "VERSION_MISMATCH");
  // Someone else's stream.
  req.mutable_stream()->set_version(2);
  auto other = Ctx(f.TokenFor(Role::kHost));
  CHECK(f.stub().UpdateStream(other.get(), req, &res).error_code() == grpc::PERMISSION_DENIED);
  CHECK(ReasonOf(*other) == "NOT_STREAM_OWNER");
  // The schedule cannot move once the stream has started.
  GoLive(f, created.endpoints().stream_key(), 1, absl::Now());
  req.mutable_update_mask()->Clear();
  req.mutable_update_mask()->add_paths("scheduled_start_at");
  auto started = Ctx(token);
  CHECK(f.stub().UpdateStream(started.get(), req, &res).error_code() == grpc::FAILED_PRECONDITION);
  CHECK(ReasonOf(*started) == "STREAM_ALREADY_STARTED");
  CHECK(f.Scalar("SELECT title FROM streams") == "After");
}

TEST_CASE("RotateStreamKey kills the old key at once and can cut the encoder") {
  StreamsFixture f;
  std::string token = f.TokenFor(Role::kHost);
  auto created = f.Create(token, "Show", "k");
  const std::string old_key = created.endpoints().stream_key();
  Claim claim = GoLive(f, old_key, 1, absl::Now());
  f.live().on_stop = [&](const std::string&, vpb::SessionEndReason why) {
    REQUIRE(f.store()
                .ReleaseSession(claim.session_id, why, cpb::STREAM_ERROR_REASON_UNSPECIFIED,
                                absl::Now())
                .ok());
  };

  vpb::RotateStreamKeyRequest req;
  req.set_stream_id(created.stream().id());
  req.set_disconnect_active_session(true);
  vpb::RotateStreamKeyResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().RotateStreamKey(ctx.get(), req, &res).ok());
  const std::string new_key = res.endpoints().stream_key();
  CHECK(new_key != old_key);
  CHECK(res.stream().ingest().stream_key_hint() == new_key.substr(new_key.size() - 4));
  REQUIRE(f.live().calls().size() == 1);
  CHECK(f.live().calls()[0].why == vpb::SESSION_END_REASON_KEY_ROTATED);
  CHECK(res.stream().status() == cpb::STREAM_STATUS_RECONNECTING);

  auto refused = f.store().ClaimForPublish(old_key, IngestProtocol::kRtmp, "x:1", absl::Now());
  CHECK(shopcast::ReasonOf(refused.status()) == "STREAM_KEY_INVALID");
  auto resumed = f.store().ClaimForPublish(new_key, IngestProtocol::kRtmp, "x:2", absl::Now());
  REQUIRE(resumed.ok());
  CHECK(resumed->resumed);
  CHECK_FALSE(absl::StrContains(f.AllText(), new_key));

  auto other = Ctx(f.TokenFor(Role::kHost));
  CHECK(f.stub().RotateStreamKey(other.get(), req, &res).error_code() == grpc::PERMISSION_DENIED);
  CHECK(ReasonOf(*other) == "NOT_STREAM_OWNER");
}

TEST_CASE("EndStream stops the encoder first, then ends with every segment announced") {
  StreamsFixture f;
  std::string token = f.TokenFor(Role::kHost);
  auto created = f.Create(token, "Show", "k");
  const std::string id = created.stream().id();
  Claim claim = GoLive(f, created.endpoints().stream_key(), 2, absl::Now());

  // The fake runtime: while stopping, the stream is still live; it flushes a last segment and
  // releases the session before returning.
  cpb::StreamStatus status_during_stop = cpb::STREAM_STATUS_UNSPECIFIED;
  f.live().on_stop = [&](const std::string& stream_id, vpb::SessionEndReason why) {
    status_during_stop = f.store().GetStream(stream_id)->status;
    REQUIRE(
        f.store()
            .RecordSegment(claim, Segment(stream_id, 2, absl::Now(), absl::Seconds(4)), absl::Now())
            .ok());
    REQUIRE(f.store()
                .ReleaseSession(claim.session_id, why, cpb::STREAM_ERROR_REASON_UNSPECIFIED,
                                absl::Now())
                .ok());
  };

  vpb::EndStreamRequest req;
  req.set_stream_id(id);
  req.set_recording_choice(vpb::RECORDING_CHOICE_SAVE);
  vpb::EndStreamResponse res;
  auto ctx = Ctx(token);
  REQUIRE(f.stub().EndStream(ctx.get(), req, &res).ok());
  REQUIRE(f.live().calls().size() == 1);
  CHECK(f.live().calls()[0].stream_id == id);
  CHECK(f.live().calls()[0].why == vpb::SESSION_END_REASON_STREAM_ENDED);
  CHECK(status_during_stop == cpb::STREAM_STATUS_LIVE);
  CHECK(res.stream().status() == cpb::STREAM_STATUS_ENDED);
  CHECK(res.stream().recording_choice() == vpb::RECORDING_CHOICE_SAVE);
  CHECK(res.stream().has_ended_at());

  auto events = f.Events();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().type() == "video_ingest.stream_ended");
  CHECK(f.Events("video_ingest.segment_closed").size() == 3);
  CHECK(f.Events("video_ingest.stream_reconnecting").empty());
  auto ended = Payload<vpb::StreamEnded>(events.back());
  CHECK(ended.end_reason() == vpb::STREAM_END_REASON_HOST_ENDED);
  CHECK(ended.recording_choice() == vpb::RECORDING_CHOICE_SAVE);
  CHECK(ended.segment_count() == 3);
  CHECK(ended.last_segment_sequence() == 2);
  CHECK(ended.media_duration().seconds() == 6);

  // Idempotent: the same stream back, no second event, no second stop.
  req.set_recording_choice(vpb::RECORDING_CHOICE_DELETE);
  auto again = Ctx(token);
  REQUIRE(f.stub().EndStream(again.get(), req, &res).ok());
  CHECK(res.stream().recording_choice() == vpb::RECORDING_CHOICE_SAVE);
  CHECK(f.Events("video_ingest.stream_ended").size() == 1);
  CHECK(f.live().calls().size() == 1);
  // Publishing to it is over.
  auto late = f.store().ClaimForPublish(created.endpoints().stream_key(), IngestProtocol::kRtmp,
                                        "x:1", absl::Now());
  CHECK(shopcast::ReasonOf(late.status()) == "STREAM_ENDED");
}

TEST_CASE("EndStream on a stream that never went live cancels it") {
  StreamsFixture f;
  std::string token = f.TokenFor(Role::kHost);
  std::string id = f.Create(token, "Show", "k").stream().id();
  vpb::EndStreamRequest req;
  req.set_stream_id(id);
  req.set_recording_choice(vpb::RECORDING_CHOICE_UNDECIDED);
  vpb::EndStreamResponse res;
  auto other = Ctx(f.TokenFor(Role::kHost));
  CHECK(f.stub().EndStream(other.get(), req, &res).error_code() == grpc::PERMISSION_DENIED);
  CHECK(ReasonOf(*other) == "NOT_STREAM_OWNER");
  auto ctx = Ctx(token);
  REQUIRE(f.stub().EndStream(ctx.get(), req, &res).ok());
  CHECK(res.stream().status() == cpb::STREAM_STATUS_ENDED);
  CHECK(f.live().calls().empty());
  auto ended = Payload<vpb::StreamEnded>(f.Events("video_ingest.stream_ended").at(0));
  CHECK(ended.end_reason() == vpb::STREAM_END_REASON_CANCELLED);
  CHECK(ended.segment_count() == 0);
}

TEST_CASE("ForceEndStream is for admins and ends the stream as a policy violation") {
  StreamsFixture f;
  std::string token = f.TokenFor(Role::kHost);
  auto created = f.Create(token, "Show", "k");
  GoLive(f, created.endpoints().stream_key(), 1, absl::Now());
  vpb::ForceEndStreamRequest req;
  req.set_stream_id(created.stream().id());
  req.set_reason("prohibited goods");
  vpb::ForceEndStreamResponse res;
  auto host = Ctx(token);
  CHECK(f.stub().ForceEndStream(host.get(), req, &res).error_code() == grpc::PERMISSION_DENIED);
  auto admin = Ctx(f.TokenFor(Role::kAdmin));
  REQUIRE(f.stub().ForceEndStream(admin.get(), req, &res).ok());
  CHECK(res.stream().status() == cpb::STREAM_STATUS_ERROR);
  CHECK(res.stream().error_reason() == cpb::STREAM_ERROR_REASON_POLICY_VIOLATION);
  CHECK(f.live().calls().size() == 1);
  auto ended = Payload<vpb::StreamEnded>(f.Events("video_ingest.stream_ended").at(0));
  CHECK(ended.end_reason() == vpb::STREAM_END_REASON_FORCE_ENDED);
  CHECK(ended.recording_choice() == vpb::RECORDING_CHOICE_UNDECIDED);
  CHECK(f.Scalar("SELECT force_end_note FROM streams") == "prohibited goods");
  auto again = Ctx(f.TokenFor(Role::kAdmin));
  REQUIRE(f.stub().ForceEndStream(again.get(), req, &res).ok());
  CHECK(f.Events("video_ingest.stream_ended").size() == 1);
}

TEST_CASE("the lists page through live, upcoming and own streams") {
  StreamsFixture f;
  std::string host_id;
  std::string token = f.TokenFor(Role::kHost, &host_id);
  const absl::Time t0 = absl::Now();
  std::vector<std::string> live_ids;
  for (int i = 0; i < 3; ++i) {
    auto c = f.Create(token, "Live " + std::to_string(i), "live" + std::to_string(i));
    GoLive(f, c.endpoints().stream_key(), 1, t0 + absl::Seconds(i));
    live_ids.push_back(c.stream().id());
  }
  std::string other_token = f.TokenFor(Role::kHost);
  vpb::CreateStreamRequest sched;
  sched.set_title("Later");
  sched.add_tags("shoes");
  sched.set_idempotency_key("later");
  sched.mutable_scheduled_start_at()->set_seconds(absl::ToUnixSeconds(t0) + 7200);
  vpb::CreateStreamResponse later;
  auto later_ctx = Ctx(other_token);
  REQUIRE(f.stub().CreateStream(later_ctx.get(), sched, &later).ok());
  sched.set_idempotency_key("sooner");
  sched.mutable_scheduled_start_at()->set_seconds(absl::ToUnixSeconds(t0) + 3600);
  sched.clear_tags();
  vpb::CreateStreamResponse sooner;
  auto sooner_ctx = Ctx(other_token);
  REQUIRE(f.stub().CreateStream(sooner_ctx.get(), sched, &sooner).ok());

  // Live, most recently live first, two per page.
  std::vector<std::string> seen;
  std::string page_token;
  int pages = 0;
  do {
    vpb::ListLiveStreamsRequest req;
    req.mutable_page()->set_page_size(2);
    req.mutable_page()->set_page_token(page_token);
    vpb::ListLiveStreamsResponse res;
    auto ctx = Ctx();
    REQUIRE(f.stub().ListLiveStreams(ctx.get(), req, &res).ok());
    for (const auto& s : res.streams()) {
      seen.push_back(s.id());
      CHECK_FALSE(s.has_ingest());
    }
    page_token = res.page().next_page_token();
    ++pages;
  } while (!page_token.empty() && pages < 10);
  CHECK(pages == 2);
  CHECK(seen == std::vector<std::string>{live_ids[2], live_ids[1], live_ids[0]});

  // Upcoming, soonest first, with a tag filter.
  vpb::ListUpcomingStreamsRequest up;
  vpb::ListUpcomingStreamsResponse up_res;
  auto up_ctx = Ctx();
  REQUIRE(f.stub().ListUpcomingStreams(up_ctx.get(), up, &up_res).ok());
  REQUIRE(up_res.streams_size() == 2);
  CHECK(up_res.streams(0).id() == sooner.stream().id());
  CHECK(up_res.streams(1).id() == later.stream().id());
  up.set_tag("shoes");
  auto tag_ctx = Ctx();
  REQUIRE(f.stub().ListUpcomingStreams(tag_ctx.get(), up, &up_res).ok());
  REQUIRE(up_res.streams_size() == 1);
  CHECK(up_res.streams(0).id() == later.stream().id());

  // Mine, newest first, with a status filter; only the caller's, with host fields.
  vpb::ListMyStreamsRequest my;
  my.add_statuses(cpb::STREAM_STATUS_LIVE);
  my.mutable_page()->set_page_size(1);
  vpb::ListMyStreamsResponse my_res;
  auto my_ctx = Ctx(token);
  REQUIRE(f.stub().ListMyStreams(my_ctx.get(), my, &my_res).ok());
  REQUIRE(my_res.streams_size() == 1);
  CHECK(my_res.streams(0).id() == live_ids[2]);
  CHECK(my_res.streams(0).has_ingest());
  CHECK_FALSE(my_res.page().next_page_token().empty());
  // A token is bound to its list: replayed against another list, it is refused.
  vpb::ListLiveStreamsRequest replay;
  replay.mutable_page()->set_page_token(my_res.page().next_page_token());
  vpb::ListLiveStreamsResponse replay_res;
  auto replay_ctx = Ctx();
  CHECK(f.stub().ListLiveStreams(replay_ctx.get(), replay, &replay_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*replay_ctx) == "PAGE_TOKEN_INVALID");
}

TEST_CASE("internal RPCs: LookupStreams and ListSegments") {
  StreamsFixture f;
  std::string host_id;
  std::string token = f.TokenFor(Role::kHost, &host_id);
  auto c = f.Create(token, "Show", "k");
  GoLive(f, c.endpoints().stream_key(), 3, absl::Now());

  vpb::LookupStreamsRequest look;
  look.add_stream_ids(c.stream().id());
  look.add_stream_ids(shopcast::ids::NewId("str"));
  vpb::LookupStreamsResponse look_res;
  auto ctx = Ctx();
  REQUIRE(f.internal().LookupStreams(ctx.get(), look, &look_res).ok());
  REQUIRE(look_res.streams_size() == 1);
  CHECK(look_res.streams(0).host_id() == host_id);
  CHECK(look_res.streams(0).status() == cpb::STREAM_STATUS_LIVE);

  vpb::ListSegmentsRequest segs;
  segs.set_stream_id(c.stream().id());
  segs.set_from_sequence(1);
  segs.mutable_page()->set_page_size(1);
  std::vector<int64_t> sequences;
  std::string page_token;
  do {
    segs.mutable_page()->set_page_token(page_token);
    vpb::ListSegmentsResponse res;
    auto seg_ctx = Ctx();
    REQUIRE(f.internal().ListSegments(seg_ctx.get(), segs, &res).ok());
    for (const auto& g : res.segments()) {
      sequences.push_back(g.sequence());
      CHECK(g.content_type() == "video/mp2t");
      CHECK(g.duration().seconds() == 2);
    }
    page_token = res.page().next_page_token();
  } while (!page_token.empty() && sequences.size() < 10);
  CHECK(sequences == std::vector<int64_t>{1, 2});

  segs.set_stream_id(shopcast::ids::NewId("str"));
  segs.mutable_page()->Clear();
  vpb::ListSegmentsResponse none;
  auto missing = Ctx();
  CHECK(f.internal().ListSegments(missing.get(), segs, &none).error_code() == grpc::NOT_FOUND);
}
