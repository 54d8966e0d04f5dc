// A gated show's replay through the real App: video-ingest's gating and order's passes
// delivered to the EventSink as their relays do, GetRecording / GetPlaybackUrl over gRPC, and the
// VOD origin over HTTP. The replay is its pass holders', its host's and admins' — as the live
// show was; a revoked pass stops it at the origin at once; its pictures stay public and open no
// media; an ungated show's replay stays public.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "shopcast/ids/ids.h"
#include "support/app_fixture.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace vi = ::shopcast::video_ingest::v1;
using grpc::StatusCode;

constexpr int64_t kSeg = 2 * kSecond;

struct Show {
  std::string stream = ids::NewId("str");
  std::string host = ids::NewId("usr");
  std::string recording;
};

// A show of three segments whose stream was created `gated`, saved at the end with a poster;
// `during` runs while it is live (passes are bought then). Its recording is READY.
Show Record(const AppFixture& f, bool gated, const std::function<void(const Show&)>& during = {}) {
  Show s;
  f.Deliver(CreatedEvent(s.stream, s.host, gated));
  f.Deliver(WentLiveEvent(s.stream, s.host, "Paid preview"));
  for (int i = 0; i < 3; ++i) f.Deliver(SegmentEvent(s.stream, i, kT0 + i * kSeg, kSeg, i * kSeg));
  if (during) during(s);
  const std::filesystem::path poster = f.File("hot") + "/" + s.stream + "/poster.jpg";
  std::filesystem::create_directories(poster.parent_path());
  std::ofstream(poster, std::ios::binary) << "\xff\xd8\xff\xe0 a poster";
  f.Deliver(EndedEvent(s.stream, s.host, 3, vi::RECORDING_CHOICE_SAVE, s.stream + "/poster.jpg"));
  s.recording = f.Text("SELECT id FROM recordings WHERE stream_id = '" + s.stream + "'");
  return s;
}

struct Played {
  grpc::Status status;
  std::string reason;
  std::string url;
};

Played Play(const AppFixture& f, const std::string& token, const std::string& recording) {
  auto stub = f.Stub();
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::GetPlaybackUrlRequest req;
  req.set_recording_id(recording);
  pb::GetPlaybackUrlResponse resp;
  Played p;
  p.status = stub->GetPlaybackUrl(&ctx, req, &resp);
  p.reason = ReasonOf(p.status);
  p.url = resp.url();
  return p;
}

pb::Recording Get(const AppFixture& f, const std::string& token, const std::string& recording) {
  auto stub = f.Stub();
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::GetRecordingRequest req;
  req.set_recording_id(recording);
  pb::GetRecordingResponse resp;
  REQUIRE(stub->GetRecording(&ctx, req, &resp).ok());
  return resp.recording();
}

// The same URL with its path's last part replaced (the token kept): another file of the recording.
std::string OtherFile(const std::string& url, const std::string& file) {
  const size_t q = url.find('?');
  const size_t slash = url.rfind('/', q);
  return url.substr(0, slash + 1) + file + url.substr(q);
}

TEST_CASE("a gated show's replay plays for its pass holders, host and admins only", "[access]") {
  AppFixture f;
  const std::string holder = ids::NewId("usr"), stranger = ids::NewId("usr");
  const std::string pass = ids::NewId("ord");
  const Show show = Record(f, /*gated=*/true, [&](const Show& s) {
    f.Deliver(PassGrantedEvent(pass, s.stream, holder));
  });

  // Anyone may see that it exists, that it is gated, and its picture.
  const pb::Recording seen = Get(f, "", show.recording);
  CHECK(seen.gated());
  CHECK(seen.status() == pb::RECORDING_STATUS_READY);
  REQUIRE_FALSE(seen.thumbnail_url().empty());
  std::string body;
  CHECK(f.FetchVod(seen.thumbnail_url(), &body) == 200);
  // The picture's token opens no media.
  CHECK(f.FetchVod(OtherFile(seen.thumbnail_url(), "index.m3u8"), &body) == 403);
  CHECK_THAT(body, Catch::Contains("token_wrong_scope"));
  CHECK(f.FetchVod(OtherFile(seen.thumbnail_url(), "0.ts"), &body) == 403);

  // Playing it needs a pass.
  Played anonymous = Play(f, "", show.recording);
  CHECK(anonymous.status.error_code() == StatusCode::UNAUTHENTICATED);
  CHECK(anonymous.reason == "TOKEN_MISSING");
  Played other = Play(f, f.TokenFor(stranger, "viewer"), show.recording);
  CHECK(other.status.error_code() == StatusCode::PERMISSION_DENIED);
  CHECK(other.reason == "ACCESS_PASS_REQUIRED");
  // Another stream's host is a stranger here too.
  CHECK(Play(f, f.TokenFor(stranger, "host"), show.recording).reason == "ACCESS_PASS_REQUIRED");

  Played held = Play(f, f.TokenFor(holder, "viewer"), show.recording);
  REQUIRE(held.status.ok());
  CHECK(f.FetchVod(held.url, &body) == 200);
  CHECK(absl::StartsWith(body, "#EXTM3U"));
  Played host = Play(f, f.TokenFor(show.host, "host"), show.recording);
  REQUIRE(host.status.ok());
  Played admin = Play(f, f.TokenFor(ids::NewId("usr"), "admin"), show.recording);
  REQUIRE(admin.status.ok());

  // The pass is refunded: no new URL, and the one in the holder's player stops at once.
  f.Deliver(PassRevokedEvent(pass, show.stream, holder));
  CHECK(Play(f, f.TokenFor(holder, "viewer"), show.recording).reason == "ACCESS_PASS_REQUIRED");
  CHECK(f.FetchVod(held.url, &body) == 403);
  CHECK_THAT(body, Catch::Contains("access_pass_revoked"));
  CHECK(f.FetchVod(OtherFile(held.url, "0.ts"), &body) == 403);
  // The host's and the admin's URLs are theirs, not a pass's.
  CHECK(f.FetchVod(host.url) == 200);
  CHECK(f.FetchVod(admin.url) == 200);

  // A grant delivered again (a late retry under another event id) does not revive the pass.
  f.Deliver(PassGrantedEvent(pass, show.stream, holder));
  CHECK(Play(f, f.TokenFor(holder, "viewer"), show.recording).reason == "ACCESS_PASS_REQUIRED");
  // A new pass (another order) does.
  f.Deliver(PassGrantedEvent(ids::NewId("ord"), show.stream, holder));
  CHECK(Play(f, f.TokenFor(holder, "viewer"), show.recording).status.ok());
  CHECK(f.FetchVod(held.url) == 200);
}

TEST_CASE("a pass revoked before its grant arrives stays revoked", "[access]") {
  AppFixture f;
  const std::string holder = ids::NewId("usr"), pass = ids::NewId("ord");
  const Show show = Record(f, true, [&](const Show& s) {
    f.Deliver(PassRevokedEvent(pass, s.stream, holder));
    f.Deliver(PassGrantedEvent(pass, s.stream, holder));
  });
  CHECK(Play(f, f.TokenFor(holder, "viewer"), show.recording).reason == "ACCESS_PASS_REQUIRED");
  CHECK(f.Count("SELECT count(*) FROM access_passes WHERE revoked_at IS NOT NULL") == 1);
}

TEST_CASE("gating follows the stream's newest version, and an ungated replay stays public",
          "[access]") {
  AppFixture f;
  const Show show = Record(f, true, [&](const Show& s) {
    f.Deliver(UpdatedEvent(s.stream, /*gated=*/false, 3));
    // An older update arriving late changes nothing.
    f.Deliver(UpdatedEvent(s.stream, /*gated=*/true, 2));
  });
  CHECK_FALSE(Get(f, "", show.recording).gated());
  Played anyone = Play(f, "", show.recording);
  REQUIRE(anyone.status.ok());
  CHECK(f.FetchVod(anyone.url) == 200);

  // Never gated.
  const Show open = Record(f, false);
  CHECK_FALSE(Get(f, "", open.recording).gated());
  CHECK(Play(f, "", open.recording).status.ok());
  // A stream whose gating was never announced (recorded before recording-lifecycle kept it)
  // plays as it did: ungated.
  f.Exec("DELETE FROM stream_access WHERE stream_id = '" + open.stream + "'");
  CHECK(Play(f, "", open.recording).status.ok());
}

TEST_CASE("a malformed access event is refused whole, recorded, and grants nothing", "[access]") {
  AppFixture f;
  const std::string holder = ids::NewId("usr");
  const Show show = Record(f, true, [&](const Show& s) {
    common::v1::Event bad = PassGrantedEvent(ids::NewId("ord"), s.stream, "bob");
    f.Deliver(bad);  // acknowledged: a redelivery could not fix it
    common::v1::Event wrong = PassGrantedEvent("ord_1", s.stream, holder);
    wrong.set_type("order.access_pass_revoked");  // the payload is not what the type says
    f.Deliver(wrong);
  });
  CHECK(f.Count("SELECT count(*) FROM access_passes") == 0);
  CHECK(f.Count("SELECT count(*) FROM rejected_events WHERE reason = 'VIEWER_ID_INVALID'") == 1);
  CHECK(f.Count("SELECT count(*) FROM rejected_events WHERE reason = "
                "'EVENT_PAYLOAD_UNREADABLE'") == 1);
  CHECK(Play(f, f.TokenFor(holder, "viewer"), show.recording).reason == "ACCESS_PASS_REQUIRED");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
