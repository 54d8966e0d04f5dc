// The App with its real tiers (hot and warm folders, the run's s3rver as the cold store):
// a host's DELETE and a stream ended with DELETE wake the purger, so the media is gone long
// before its round (the round is an hour apart here); SetPrimaryThumbnail answers with
// GetRecording's full view; a recording's clip and thumbnail, aged by MoveRecording to warm
// and then cold, are still fetched byte for byte through the URLs the App hands out
// (Recording.thumbnail_url, Clip.playback_url / thumbnail_url) from its VOD origin; an admin's
// GetRecording says where the media is (Recording.locations) and MoveRecording answers that view.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "s3_env.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "storage/digest.h"
#include "storage/s3_provider.h"
#include "support/app_fixture.h"
#include "tier_world.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace vi = ::shopcast::video_ingest::v1;
namespace fs = std::filesystem;

constexpr int64_t kSeg = 2 * kSecond;

std::string RandomBytes(size_t n) {
  static std::mt19937_64 rng(std::random_device{}());
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

void WriteFile(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// The App with the run's s3rver as its cold store; purge rounds an hour apart, the mover quick.
struct World {
  fs::path hot;
  AppFixture f;

  World()
      : f([this](Config& c) {
          EnsureS3Env();
          const S3TestServer s3 = TestS3Server();
          c.tiers.tiers.cold = TestS3Options(s3.endpoint, s3.bucket);
          c.tiers.tiers.cold.name = "archive-cold";
          c.tiers.purger.interval = absl::Hours(1);
          c.tiers.mover.poll = absl::Milliseconds(50);
          c.tiers.mover.retry_base = absl::Milliseconds(10);
          hot = c.hot_root;
        }) {}

  // A stream of `segments` segments whose files are in the hot tier (their checksums the
  // files'), ended with `choice`; its recording id.
  std::string Record(const std::string& host, int segments, vi::RecordingChoice choice,
                     std::string* stream_out = nullptr) {
    const std::string stream = ids::NewId("str");
    f.Deliver(WentLiveEvent(stream, host, "A show"));
    for (int i = 0; i < segments; ++i) {
      vi::SegmentClosed seg = SegmentOf(SegmentEvent(stream, i, kT0 + i * kSeg, kSeg, i * kSeg));
      const std::string bytes = RandomBytes(1500 + i);
      WriteFile(hot / seg.path(), bytes);
      seg.set_sha256(storage::Sha256Hex(bytes));
      seg.set_size_bytes(static_cast<int64_t>(bytes.size()));
      f.Deliver(SegmentEventFrom(seg));
    }
    f.Deliver(EndedEvent(stream, host, segments, choice));
    if (stream_out != nullptr) *stream_out = stream;
    return f.Text("SELECT id FROM recordings WHERE stream_id = '" + stream + "'");
  }

  bool HotHasAnythingOf(const std::string& stream) const {
    return fs::exists(hot / stream) && !fs::is_empty(hot / stream);
  }
};

template <typename Req, typename Resp, typename Method>
grpc::Status Invoke(const AppFixture& f, const std::string& token, Method method, const Req& req,
                    Resp* resp) {
  auto stub = f.Stub();
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  return ((*stub).*method)(&ctx, req, resp);
}

pb::Recording GetRecording(const AppFixture& f, const std::string& token, const std::string& id) {
  pb::GetRecordingRequest req;
  req.set_recording_id(id);
  pb::GetRecordingResponse resp;
  const grpc::Status s =
      Invoke(f, token, &pb::RecordingLifecycleService::Stub::GetRecording, req, &resp);
  REQUIRE(s.ok());
  return resp.recording();
}

// GET `url` against the App's VOD origin (AppFixture::FetchVod).
int Fetch(World& w, const std::string& url, std::string* body) { return w.f.FetchVod(url, body); }

TEST_CASE("SaveOrDelete(DELETE) wakes the purger: every object is gone long before its round",
          "[purge][wake]") {
  World w;
  const std::string host = ids::NewId("usr");
  std::string stream;
  const std::string id = w.Record(host, 3, vi::RECORDING_CHOICE_UNDECIDED, &stream);
  REQUIRE(w.HotHasAnythingOf(stream));
  const absl::Time asked = absl::Now();
  pb::SaveOrDeleteRequest req;
  req.set_recording_id(id);
  req.set_decision(pb::RETENTION_DECISION_DELETE);
  pb::SaveOrDeleteResponse resp;
  REQUIRE(Invoke(w.f, w.f.TokenFor(host), &pb::RecordingLifecycleService::Stub::SaveOrDelete, req,
                 &resp)
              .ok());
  // The purge round is an hour away (and a failed round is retried after 30 s at the
  // earliest): only the wake explains a purge within 15 s.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return w.f.Count("SELECT status FROM recordings WHERE id = '" + id + "'") == 5; },
      absl::Seconds(15)));
  CHECK(absl::Now() - asked < absl::Seconds(15));
  CHECK_FALSE(w.HotHasAnythingOf(stream));
  CHECK(w.f.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id +
                  "' AND tier <> 4") == 0);
}

TEST_CASE("a stream ended with the host's DELETE wakes the purger too", "[purge][wake]") {
  World w;
  const std::string host = ids::NewId("usr");
  std::string stream;
  const std::string id = w.Record(host, 2, vi::RECORDING_CHOICE_DELETE, &stream);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return w.f.Count("SELECT status FROM recordings WHERE id = '" + id + "'") == 5; },
      absl::Seconds(15)));
  CHECK_FALSE(w.HotHasAnythingOf(stream));
}

TEST_CASE(
    "SetPrimaryThumbnail answers GetRecording's view, and a clip and the thumbnail aged to "
    "warm and cold are fetched byte for byte through the URLs the App hands out",
    "[assets][thumbnail]") {
  World w;
  const std::string host = ids::NewId("usr");
  const std::string id = w.Record(host, 3, vi::RECORDING_CHOICE_SAVE);
  const std::string host_token = w.f.TokenFor(host);

  // What the clip worker leaves: a READY clip (MP4 and poster) and a READY moment thumbnail,
  // cut into the hot tier with their checksums.
  const std::string clip = ids::NewId("clp"), thm = ids::NewId("thm");
  const std::string mp4 = RandomBytes(4000), clip_jpg = RandomBytes(600), thumb = RandomBytes(700);
  const std::string mp4_key = id + "/clips/" + clip + ".mp4";
  const std::string jpg_key = id + "/clips/" + clip + ".jpg";
  const std::string thumb_key = id + "/thumbs/" + thm + ".jpg";
  WriteFile(w.hot / mp4_key, mp4);
  WriteFile(w.hot / jpg_key, clip_jpg);
  WriteFile(w.hot / thumb_key, thumb);
  w.f.Exec(
      "INSERT INTO clips (id, recording_id, creator_id, title, requested_start_us, "
      "requested_duration_us, start_us, duration_us, status, mp4_key, mp4_sha256, mp4_bytes, "
      "poster_key, poster_sha256, created_at, updated_at) VALUES ('" +
      clip + "', '" + id + "', '" + host + "', 'A clip', 0, 2000000, 0, 2000000, 3, '" + mp4_key +
      "', '" + storage::Sha256Hex(mp4) + "', 4000, '" + jpg_key + "', '" +
      storage::Sha256Hex(clip_jpg) + "', now(), now())");
  w.f.Exec(
      "INSERT INTO thumbnails (id, recording_id, kind, moment_id, media_offset_us, "
      "object_key, sha256, width, height, status, created_at, updated_at) VALUES ('" +
      thm + "', '" + id + "', 'moment', '" + ids::NewId("mom") + "', 1000000, '" + thumb_key +
      "', '" + storage::Sha256Hex(thumb) + "', 64, 36, 3, now(), now())");

  pb::SetPrimaryThumbnailRequest set;
  set.set_recording_id(id);
  set.set_thumbnail_id(thm);
  pb::SetPrimaryThumbnailResponse chosen;
  REQUIRE(Invoke(w.f, host_token, &pb::RecordingLifecycleService::Stub::SetPrimaryThumbnail, set,
                 &chosen)
              .ok());
  pb::Recording got = GetRecording(w.f, host_token, id);
  // The same view (each signed URL is unique: compared by its path).
  CHECK_THAT(chosen.recording().thumbnail_url(),
             Catch::Contains("/vod/" + id + "/thumbs/" + thm + ".jpg?token="));
  CHECK_THAT(got.thumbnail_url(), Catch::Contains("/vod/" + id + "/thumbs/" + thm + ".jpg?token="));
  pb::Recording a = chosen.recording(), b = got;
  a.clear_thumbnail_url();
  b.clear_thumbnail_url();
  std::string diff;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  const bool same = d.Compare(a, b);
  INFO(diff);
  CHECK(same);
  CHECK(a.segment_count() == 3);
  CHECK(a.size_bytes() > 0);
  CHECK(a.has_created_at());
  CHECK(a.has_started_at());
  // The policy that governs it (here the platform default), as the contract says.
  CHECK(a.policy_id() == "pol_00000000000000000000000001");
  // The default's first rule: warm 30 days after the end (its 14 idle days are within those).
  REQUIRE(a.has_ended_at());
  CHECK(a.next_transition_at().seconds() == a.ended_at().seconds() + 30 * 86400);

  const std::string admin = w.f.TokenFor(ids::NewId("usr"), "admin");
  for (pb::StorageTier to : {pb::STORAGE_TIER_WARM, pb::STORAGE_TIER_COLD}) {
    INFO("to tier " << to);
    pb::MoveRecordingRequest move;
    move.set_recording_id(id);
    move.set_target_tier(to);
    pb::MoveRecordingResponse moved;
    REQUIRE(
        Invoke(w.f, admin, &pb::RecordingLifecycleService::Stub::MoveRecording, move, &moved).ok());
    REQUIRE(shopcast::testing::WaitUntil(
        [&] {
          return w.f.Count("SELECT count(*) FROM tier_moves WHERE recording_id = '" + id +
                           "' AND state IN ('active', 'parked')") == 0;
        },
        absl::Seconds(60)));
    const pb::Recording now = GetRecording(w.f, host_token, id);
    CHECK(now.tier() == to);
    // Warm: cold 180 days after the end; cold: expired after three years.
    CHECK(now.next_transition_at().seconds() ==
          now.ended_at().seconds() + (to == pb::STORAGE_TIER_WARM ? 15552000 : 94608000));
    CHECK(w.f.Count("SELECT mp4_tier + poster_tier FROM clips WHERE id = '" + clip + "'") ==
          2 * to);
    CHECK(w.f.Count("SELECT tier FROM thumbnails WHERE id = '" + thm + "'") == to);
    CHECK_FALSE(fs::exists(w.hot / mp4_key));

    std::string body;
    CHECK(Fetch(w, now.thumbnail_url(), &body) == 200);
    CHECK(body == thumb);
    pb::GetClipRequest gc;
    gc.set_clip_id(clip);
    pb::GetClipResponse c;
    REQUIRE(Invoke(w.f, "", &pb::RecordingLifecycleService::Stub::GetClip, gc, &c).ok());
    CHECK(Fetch(w, c.clip().playback_url(), &body) == 200);
    CHECK(body == mp4);
    CHECK(Fetch(w, c.clip().thumbnail_url(), &body) == 200);
    CHECK(body == clip_jpg);
  }

  // DeleteClip removes its objects from the cold store too.
  pb::DeleteClipRequest del;
  del.set_clip_id(clip);
  pb::DeleteClipResponse deleted;
  REQUIRE(Invoke(w.f, host_token, &pb::RecordingLifecycleService::Stub::DeleteClip, del, &deleted)
              .ok());
  CHECK(w.f.Count("SELECT count(*) FROM clips WHERE id = '" + clip +
                  "' AND deleted_at IS NOT NULL") == 1);
  const S3TestServer s3 = TestS3Server();
  auto cold = storage::S3Provider::Create(TestS3Options(s3.endpoint, s3.bucket));
  REQUIRE(cold.ok());
  CHECK((*cold)->Stat(mp4_key).status().code() == absl::StatusCode::kNotFound);
  CHECK((*cold)->Stat(jpg_key).status().code() == absl::StatusCode::kNotFound);
  CHECK((*cold)->Stat(thumb_key).ok());
}

TEST_CASE(
    "an admin sees where a recording's media is, the host does not, and MoveRecording "
    "answers GetRecording's full view",
    "[locations]") {
  World w;
  const std::string host = ids::NewId("usr");
  std::string stream;
  const std::string id = w.Record(host, 3, vi::RECORDING_CHOICE_SAVE, &stream);
  const std::string host_token = w.f.TokenFor(host);
  const std::string admin = w.f.TokenFor(ids::NewId("usr"), "admin");
  const int64_t bytes =
      w.f.Count("SELECT sum(size_bytes) FROM segments WHERE recording_id = '" + id + "'");
  REQUIRE(bytes > 0);

  // Written by video-ingest into the hot tier: one location, the one playback reads.
  pb::Recording seen = GetRecording(w.f, admin, id);
  REQUIRE(seen.locations_size() == 1);
  CHECK(seen.locations(0).tier() == pb::STORAGE_TIER_HOT);
  CHECK(seen.locations(0).provider() == "local-hot");
  CHECK(seen.locations(0).prefix() == stream + "/");
  CHECK(seen.locations(0).size_bytes() == bytes);
  CHECK(seen.locations(0).verified());
  CHECK(seen.locations(0).current());
  CHECK(seen.locations(0).has_created_at());
  // Storage layout is not the host's business.
  CHECK(GetRecording(w.f, host_token, id).locations_size() == 0);

  // The move's answer is GetRecording's view: the fields the tiers area does not read are there.
  pb::MoveRecordingRequest move;
  move.set_recording_id(id);
  move.set_target_tier(pb::STORAGE_TIER_COLD);
  pb::MoveRecordingResponse moved;
  REQUIRE(
      Invoke(w.f, admin, &pb::RecordingLifecycleService::Stub::MoveRecording, move, &moved).ok());
  const pb::Recording& answer = moved.recording();
  CHECK(answer.id() == id);
  CHECK(answer.title() == seen.title());
  CHECK(answer.has_started_at());
  CHECK(answer.started_at().seconds() == seen.started_at().seconds());
  CHECK(answer.has_ended_at());
  CHECK(answer.duration().seconds() == seen.duration().seconds());
  CHECK(answer.duration().seconds() == 6);
  CHECK(answer.has_created_at());
  CHECK(answer.segment_count() == 3);
  CHECK(answer.locations_size() >= 1);
  CHECK(answer.has_next_transition_at() == seen.has_next_transition_at());

  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return w.f.Count("SELECT count(*) FROM tier_moves WHERE recording_id = '" + id +
                         "' AND state IN ('active', 'parked')") == 0;
      },
      absl::Seconds(60)));
  // Copied, checked in the cold store, the hot copies gone: one location again.
  seen = GetRecording(w.f, admin, id);
  REQUIRE(seen.locations_size() == 1);
  CHECK(seen.locations(0).tier() == pb::STORAGE_TIER_COLD);
  CHECK(seen.locations(0).provider() == "archive-cold");
  CHECK(seen.locations(0).prefix() == stream + "/");
  CHECK(seen.locations(0).size_bytes() == bytes);
  CHECK(seen.locations(0).verified());
  CHECK(seen.locations(0).current());

  // Split across tiers (a policy's sale window leaves the segments around a sale behind; here a
  // pointer is set by hand, with no move that checked a copy there): one location per tier, only
  // the recording's own tier current, and the copy nobody checked is not called verified.
  w.f.Exec("UPDATE segments SET tier = 2 WHERE recording_id = '" + id + "' AND sequence = 0");
  seen = GetRecording(w.f, admin, id);
  REQUIRE(seen.locations_size() == 2);
  CHECK(seen.locations(0).tier() == pb::STORAGE_TIER_WARM);
  CHECK(seen.locations(0).provider() == "local-warm");
  CHECK_FALSE(seen.locations(0).current());
  CHECK_FALSE(seen.locations(0).verified());
  CHECK(seen.locations(1).tier() == pb::STORAGE_TIER_COLD);
  CHECK(seen.locations(1).current());
  CHECK(seen.locations(1).verified());
  CHECK(seen.locations(0).size_bytes() + seen.locations(1).size_bytes() == bytes);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
