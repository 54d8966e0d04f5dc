// Playback on a real database: GetPlaybackUrl's visibility, readiness and start rules,
// GetPlaylist from the rows rl-core writes, ResolveSegment, and the view counter.
#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "absl/strings/match.h"
#include "playback_world.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/filesystem_provider.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

using testing::MarkerSpec;
using testing::PlaybackWorld;
using testing::RecordingSpec;

const absl::Time kNow = absl::FromUnixSeconds(1796000000);

int64_t Us(const google::protobuf::Duration& d) { return d.seconds() * 1000000 + d.nanos() / 1000; }

google::protobuf::Duration Dur(int64_t us) {
  google::protobuf::Duration d;
  d.set_seconds(us / 1000000);
  d.set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
  return d;
}

std::string TokenOf(const std::string& url) {
  const size_t at = url.find("?token=");
  REQUIRE(at != std::string::npos);
  return url.substr(at + 7);
}

v1::GetPlaybackUrlRequest Req(const std::string& rec) {
  v1::GetPlaybackUrlRequest r;
  r.set_recording_id(rec);
  return r;
}

TEST_CASE("A saved recording's URL is public, signed for it, valid six hours, from the start") {
  PlaybackWorld w;
  RecordingSpec rec;
  w.InsertRecording(rec, PlaybackWorld::Segments(5));
  auto got = w.playback().GetPlaybackUrl(std::nullopt, Req(rec.id), kNow);
  REQUIRE(got.ok());
  CHECK(absl::StartsWith(got->url(), "http://127.0.0.1:8080/vod/" + rec.id + "/index.m3u8?token="));
  CHECK(got->expires_at().seconds() == absl::ToUnixSeconds(kNow + absl::Hours(6)));
  CHECK(got->tier() == v1::STORAGE_TIER_HOT);
  CHECK(Us(got->start_offset()) == 0);
  VodClaims claims;
  REQUIRE(w.codec().Verify(TokenOf(got->url()), rec.id, "", kNow, &claims) ==
          VodTokenProblem::kNone);
  CHECK_FALSE(claims.start_ms.has_value());
  CHECK(w.codec().Verify(TokenOf(got->url()), rec.id, "", kNow + absl::Hours(6)) ==
        VodTokenProblem::kExpired);
}

TEST_CASE("Unsaved recordings: their host and admins only, others are told it does not exist") {
  PlaybackWorld w;
  RecordingSpec rec;
  rec.decision = v1::RETENTION_DECISION_UNDECIDED;
  w.InsertRecording(rec, PlaybackWorld::Segments(2));
  const auth::Caller host{rec.host_id, auth::Role::kHost};
  const auth::Caller other_host{"usr_01J9Z3K8W4V6T2M0QXYHB5R7NC", auth::Role::kHost};
  const auth::Caller admin{"usr_01J9Z3K8W4V6T2M0QXYHB5R7ND", auth::Role::kAdmin};
  CHECK(w.playback().GetPlaybackUrl(host, Req(rec.id), kNow).ok());
  CHECK(w.playback().GetPlaybackUrl(admin, Req(rec.id), kNow).ok());
  for (const std::optional<auth::Caller>& c :
       {std::optional<auth::Caller>(), std::optional<auth::Caller>(other_host)}) {
    auto got = w.playback().GetPlaybackUrl(c, Req(rec.id), kNow);
    CHECK(got.status().code() == absl::StatusCode::kNotFound);
    CHECK(ReasonOf(got.status()) == "RECORDING_NOT_FOUND");
  }
}

TEST_CASE("Not ready while recording or processing, expired once deleted or aged out") {
  PlaybackWorld w;
  struct Case {
    v1::RecordingStatus status;
    v1::StorageTier tier;
    const char* reason;
  };
  for (const Case& c :
       {Case{v1::RECORDING_STATUS_RECORDING, v1::STORAGE_TIER_HOT, "RECORDING_NOT_READY"},
        Case{v1::RECORDING_STATUS_PROCESSING, v1::STORAGE_TIER_HOT, "RECORDING_NOT_READY"},
        Case{v1::RECORDING_STATUS_DELETING, v1::STORAGE_TIER_HOT, "RECORDING_EXPIRED"},
        Case{v1::RECORDING_STATUS_DELETED, v1::STORAGE_TIER_HOT, "RECORDING_EXPIRED"},
        Case{v1::RECORDING_STATUS_READY, v1::STORAGE_TIER_EXPIRED, "RECORDING_EXPIRED"}}) {
    RecordingSpec rec;
    rec.status = c.status;
    rec.tier = c.tier;
    w.InsertRecording(rec, PlaybackWorld::Segments(2));
    INFO(c.reason);
    auto got = w.playback().GetPlaybackUrl(std::nullopt, Req(rec.id), kNow);
    CHECK(got.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(ReasonOf(got.status()) == c.reason);
    v1::GetPlaylistRequest pl;
    pl.set_recording_id(rec.id);
    CHECK(ReasonOf(w.playback().GetPlaylist(pl).status()) == c.reason);
  }
}

TEST_CASE("Bad input: a clear status with a reason and the field") {
  PlaybackWorld w;
  RecordingSpec rec;
  w.InsertRecording(rec, PlaybackWorld::Segments(3));  // 6 s
  struct Case {
    v1::GetPlaybackUrlRequest req;
    absl::StatusCode code;
    const char* reason;
    const char* field;
  };
  std::vector<Case> cases;
  cases.push_back({Req(""), absl::StatusCode::kInvalidArgument, "ID_REQUIRED", "recording_id"});
  cases.push_back(
      {Req("rec_nope"), absl::StatusCode::kInvalidArgument, "ID_INVALID", "recording_id"});
  cases.push_back({Req("rec_01J9Z3K8W4V6T2M0QXYHB5R7NC"), absl::StatusCode::kNotFound,
                   "RECORDING_NOT_FOUND", ""});
  auto past = Req(rec.id);
  *past.mutable_start_offset() = Dur(6000001);
  cases.push_back(
      {past, absl::StatusCode::kInvalidArgument, "OFFSET_OUT_OF_RANGE", "start_offset"});
  auto negative = Req(rec.id);
  negative.mutable_start_offset()->set_seconds(-1);
  cases.push_back(
      {negative, absl::StatusCode::kInvalidArgument, "OFFSET_OUT_OF_RANGE", "start_offset"});
  auto bad_nanos = Req(rec.id);
  bad_nanos.mutable_start_offset()->set_nanos(1000000000);
  cases.push_back(
      {bad_nanos, absl::StatusCode::kInvalidArgument, "OFFSET_OUT_OF_RANGE", "start_offset"});
  auto bad_moment = Req(rec.id);
  bad_moment.set_moment_id("mom_x\n");
  cases.push_back({bad_moment, absl::StatusCode::kInvalidArgument, "ID_INVALID", "moment_id"});
  auto unknown_moment = Req(rec.id);
  unknown_moment.set_moment_id(ids::NewId("mom"));
  cases.push_back({unknown_moment, absl::StatusCode::kNotFound, "MOMENT_NOT_FOUND", ""});
  for (const Case& c : cases) {
    INFO(c.req.ShortDebugString());
    auto got = w.playback().GetPlaybackUrl(std::nullopt, c.req, kNow);
    CHECK(got.status().code() == c.code);
    CHECK(ReasonOf(got.status()) == c.reason);
    CHECK(FieldOf(got.status()) == c.field);
  }
  // The very end is a valid start.
  auto end = Req(rec.id);
  *end.mutable_start_offset() = Dur(6000000);
  CHECK(w.playback().GetPlaybackUrl(std::nullopt, end, kNow).ok());
}

TEST_CASE("Seek to the sale: a moment starts five seconds before it, never before zero") {
  PlaybackWorld w;
  RecordingSpec rec;
  w.InsertRecording(rec, PlaybackWorld::Segments(10));  // 20 s
  MarkerSpec late;
  late.media_offset_us = 12340000;
  MarkerSpec early;
  early.media_offset_us = 3000000;
  MarkerSpec cancelled;
  cancelled.media_offset_us = 8000000;
  cancelled.cancelled = true;
  MarkerSpec unplaced;
  MarkerSpec other_rec_moment;
  other_rec_moment.media_offset_us = 1000000;
  for (const auto* m : {&late, &early, &cancelled, &unplaced})
    w.InsertMarker(rec.id, rec.stream_id, *m);
  RecordingSpec other;
  w.InsertRecording(other, PlaybackWorld::Segments(1));
  w.InsertMarker(other.id, other.stream_id, other_rec_moment);

  auto at = [&](const MarkerSpec& m) {
    auto r = Req(rec.id);
    r.set_moment_id(m.id);
    return w.playback().GetPlaybackUrl(std::nullopt, r, kNow);
  };
  auto got = at(late);
  REQUIRE(got.ok());
  CHECK(Us(got->start_offset()) == 7340000);
  VodClaims claims;
  REQUIRE(w.codec().Verify(TokenOf(got->url()), rec.id, "", kNow, &claims) ==
          VodTokenProblem::kNone);
  CHECK(claims.start_ms == 7340);
  got = at(early);
  REQUIRE(got.ok());
  CHECK(Us(got->start_offset()) == 0);
  for (const auto* m : {&cancelled, &unplaced, &other_rec_moment}) {
    CHECK(ReasonOf(at(*m).status()) == "MOMENT_NOT_FOUND");
  }
  // An explicit offset is kept as given (milliseconds).
  auto r = Req(rec.id);
  *r.mutable_start_offset() = Dur(15250000);
  got = w.playback().GetPlaybackUrl(std::nullopt, r, kNow);
  REQUIRE(got.ok());
  CHECK(Us(got->start_offset()) == 15250000);
}

TEST_CASE("GetPlaylist: the recording's segments and its own live markers, with the prefix") {
  PlaybackWorld w;
  RecordingSpec rec;
  auto segs = PlaybackWorld::Segments(4);
  segs[2].discontinuity = true;
  segs[2].pdt += absl::Seconds(30);  // reconnected 30 s later
  w.InsertRecording(rec, segs);
  MarkerSpec sale;
  sale.media_offset_us = 4500000;  // in segment 2 (starts at 4 s)
  sale.product_title = "Bad \"title\"\n#EXT-X-ENDLIST";
  MarkerSpec cancelled;
  cancelled.media_offset_us = 1000000;
  cancelled.cancelled = true;
  MarkerSpec pin;
  pin.id = ids::NewId("mrk");
  pin.kind = "pin";
  pin.media_offset_us = 500000;
  pin.currency = "";
  for (const auto* m : {&sale, &cancelled, &pin}) w.InsertMarker(rec.id, rec.stream_id, *m);
  RecordingSpec other;
  w.InsertRecording(other, PlaybackWorld::Segments(1));
  MarkerSpec foreign;
  foreign.media_offset_us = 0;
  w.InsertMarker(other.id, other.stream_id, foreign);

  v1::GetPlaylistRequest req;
  req.set_recording_id(rec.id);
  req.set_segment_uri_prefix("/vod/" + rec.id + "/seg/");
  *req.mutable_start_offset() = Dur(4000000);
  auto got = w.playback().GetPlaylist(req);
  REQUIRE(got.ok());
  const std::string& text = got->playlist();
  CHECK(got->tier() == v1::STORAGE_TIER_HOT);
  CHECK(absl::StrContains(text, "#EXT-X-START:TIME-OFFSET=4.000000,PRECISE=YES\n"));
  CHECK(absl::StrContains(text, "/vod/" + rec.id + "/seg/3.ts\n"));
  CHECK(absl::StrContains(text, "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-30T"));
  CHECK(absl::StrContains(text, "ID=\"" + sale.id + "\""));
  // 4.5 s = segment 2's own date (+30 s after the gap) + 0.5 s.
  CHECK(absl::StrContains(
      text, "START-DATE=\"" +
                FormatProgramDateTime(absl::FromUnixSeconds(1796000000) + absl::Seconds(34) +
                                      absl::Milliseconds(500)) +
                "\",X-PRODUCT-ID"));
  CHECK(absl::StrContains(text, "ID=\"" + pin.id + "\",CLASS=\"com.shopcast.pin\""));
  CHECK_FALSE(absl::StrContains(text, cancelled.id));
  CHECK_FALSE(absl::StrContains(text, foreign.id));
  CHECK(absl::StrContains(text, "X-PRODUCT-TITLE=\"Bad 'title' #EXT-X-ENDLIST\""));
  CHECK(absl::EndsWith(text, "3.ts\n#EXT-X-ENDLIST\n"));

  req.set_segment_uri_prefix("/vod/\"x");
  CHECK(ReasonOf(w.playback().GetPlaylist(req).status()) == "URI_PREFIX_INVALID");
  req.set_segment_uri_prefix("");
  *req.mutable_start_offset() = Dur(8000001);
  CHECK(ReasonOf(w.playback().GetPlaylist(req).status()) == "OFFSET_OUT_OF_RANGE");
  v1::GetPlaylistRequest clip;
  clip.set_clip_id(ids::NewId("clp"));
  CHECK(w.playback().GetPlaylist(clip).status().code() == absl::StatusCode::kUnimplemented);
  v1::GetPlaylistRequest missing;
  missing.set_recording_id(ids::NewId("rec"));
  CHECK(ReasonOf(w.playback().GetPlaylist(missing).status()) == "RECORDING_NOT_FOUND");
}

TEST_CASE("ResolveSegment: a local tier's segment through the origin, with size and checksum") {
  shopcast::testing::TempDir hot;
  auto hot_provider = storage::FilesystemProvider::Open("local-hot", hot.path());
  REQUIRE(hot_provider.ok());
  PlaybackOptions options;
  options.origin_base_url = "http://origin:8090";
  PlaybackWorld w(
      [&](v1::StorageTier t) -> storage::StorageProvider* {
        return t == v1::STORAGE_TIER_HOT ? hot_provider->get() : nullptr;
      },
      options);
  RecordingSpec rec;
  auto segs = PlaybackWorld::Segments(2);
  segs[1].size_bytes = 1234;
  segs[1].sha256 = std::string(64, 'b');
  w.InsertRecording(rec, segs);
  v1::ResolveSegmentRequest req;
  req.set_recording_id(rec.id);
  req.set_sequence(1);
  auto got = w.playback().ResolveSegment(req, kNow);
  REQUIRE(got.ok());
  CHECK(absl::StartsWith(got->url(), "http://origin:8090/vod/" + rec.id + "/1.ts?token="));
  CHECK(w.codec().Verify(TokenOf(got->url()), rec.id, "", kNow) == VodTokenProblem::kNone);
  CHECK(got->size_bytes() == 1234);
  CHECK(got->sha256() == std::string(64, 'b'));
  CHECK(got->content_type() == "video/mp2t");
  CHECK(got->expires_at().seconds() == absl::ToUnixSeconds(kNow + absl::Minutes(15)));
  req.set_sequence(2);
  CHECK(ReasonOf(w.playback().ResolveSegment(req, kNow).status()) == "SEGMENT_NOT_FOUND");
  req.set_sequence(-1);
  CHECK(ReasonOf(w.playback().ResolveSegment(req, kNow).status()) == "SEQUENCE_INVALID");
}

TEST_CASE("GetPlaylist and ResolveSegment refuse bad input with a reason and the field") {
  PlaybackWorld w;
  RecordingSpec rec;
  w.InsertRecording(rec, PlaybackWorld::Segments(2));  // 4 s
  RecordingSpec live;
  live.status = v1::RECORDING_STATUS_RECORDING;
  w.InsertRecording(live, PlaybackWorld::Segments(1));
  RecordingSpec gone;
  gone.status = v1::RECORDING_STATUS_DELETED;
  gone.tier = v1::STORAGE_TIER_EXPIRED;
  w.InsertRecording(gone, PlaybackWorld::Segments(1));
  struct Case {
    const char* name;
    absl::Status status;
    absl::StatusCode code;
    const char* reason;
    const char* field;
  };
  auto playlist = [&](const std::function<void(v1::GetPlaylistRequest&)>& edit) {
    v1::GetPlaylistRequest r;
    r.set_recording_id(rec.id);
    edit(r);
    return w.playback().GetPlaylist(r).status();
  };
  auto resolve = [&](const std::function<void(v1::ResolveSegmentRequest&)>& edit) {
    v1::ResolveSegmentRequest r;
    r.set_recording_id(rec.id);
    r.set_sequence(0);
    edit(r);
    return w.playback().ResolveSegment(r, kNow).status();
  };
  using C = absl::StatusCode;
  const std::vector<Case> cases = {
      {"playlist: no id", playlist([](auto& r) { r.clear_recording_id(); }), C::kInvalidArgument,
       "ID_REQUIRED", "recording_id"},
      {"playlist: unknown", playlist([](auto& r) { r.set_recording_id(ids::NewId("rec")); }),
       C::kNotFound, "RECORDING_NOT_FOUND", ""},
      {"playlist: a clip", playlist([](auto& r) { r.set_clip_id(ids::NewId("clp")); }),
       C::kUnimplemented, "CLIP_PLAYLIST_UNSUPPORTED", "clip_id"},
      {"playlist: prefix with a quote", playlist([](auto& r) { r.set_segment_uri_prefix("a\"b"); }),
       C::kInvalidArgument, "URI_PREFIX_INVALID", "segment_uri_prefix"},
      {"playlist: prefix too long",
       playlist([](auto& r) { r.set_segment_uri_prefix(std::string(513, 'a')); }),
       C::kInvalidArgument, "URI_PREFIX_INVALID", "segment_uri_prefix"},
      {"playlist: negative start",
       playlist([](auto& r) { r.mutable_start_offset()->set_seconds(-1); }), C::kInvalidArgument,
       "OFFSET_OUT_OF_RANGE", "start_offset"},
      {"playlist: still recording", playlist([&](auto& r) { r.set_recording_id(live.id); }),
       C::kFailedPrecondition, "RECORDING_NOT_READY", ""},
      {"playlist: deleted", playlist([&](auto& r) { r.set_recording_id(gone.id); }),
       C::kFailedPrecondition, "RECORDING_EXPIRED", ""},
      {"resolve: no id", resolve([](auto& r) { r.clear_recording_id(); }), C::kInvalidArgument,
       "ID_REQUIRED", "recording_id"},
      {"resolve: negative sequence", resolve([](auto& r) { r.set_sequence(-5); }),
       C::kInvalidArgument, "SEQUENCE_INVALID", "sequence"},
      {"resolve: unknown recording",
       resolve([](auto& r) { r.set_recording_id(ids::NewId("rec")); }), C::kNotFound,
       "RECORDING_NOT_FOUND", ""},
      {"resolve: past the last segment", resolve([](auto& r) { r.set_sequence(2); }), C::kNotFound,
       "SEGMENT_NOT_FOUND", ""},
      {"resolve: deleted", resolve([&](auto& r) { r.set_recording_id(gone.id); }),
       C::kFailedPrecondition, "RECORDING_EXPIRED", ""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(c.status.code() == c.code);
    CHECK(ReasonOf(c.status) == c.reason);
    CHECK(FieldOf(c.status) == c.field);
  }
}

TEST_CASE("CountView adds a view and the time it was played") {
  PlaybackWorld w;
  RecordingSpec rec;
  w.InsertRecording(rec, PlaybackWorld::Segments(1));
  REQUIRE(w.store().CountView(rec.id).ok());
  REQUIRE(w.store().CountView(rec.id).ok());
  auto r = w.Query("SELECT view_count, last_played_at IS NOT NULL FROM recordings WHERE id = $1",
                   rec.id);
  CHECK(r[0][0].as<int64_t>() == 2);
  CHECK(r[0][1].as<bool>());
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
