// The mover and the purger against real PostgreSQL, real hot/warm folders and the run's s3rver:
// moves through every tier and back, expiry, purge of every object in every tier, legal hold,
// a full warm disk, and S3 answering 500/503/slowly. Clips and thumbnails age with their
// recording and stay reachable through the VOD origin from every tier.

#include <signal.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fault_proxy.h"
#include "mover/mover.h"
#include "mover/plan.h"
#include "mover/purger.h"
#include "playback/playback.h"
#include "playback/playback_store.h"
#include "playback/vod_origin.h"
#include "playback/vod_token.h"
#include "prometheus/text_serializer.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "storage/digest.h"
#include "tier_world.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

using mover::Mover;
using mover::MoverOptions;

MoverOptions FastOptions(const TierWorld& w) {
  MoverOptions o;
  o.owner = "test";
  o.concurrency = 2;
  o.lease = absl::Seconds(5);
  o.poll = absl::Milliseconds(20);
  o.retry_base = absl::Milliseconds(5);
  o.retry_max = absl::Milliseconds(20);
  o.park_retry = absl::Milliseconds(5);
  o.scratch_dir = w.scratch();
  return o;
}

absl::StatusOr<mover::PlannedMove> Plan(TierWorld& w, const std::string& id, int to,
                                        absl::Duration sale_window = absl::ZeroDuration()) {
  return db::InTransaction(w.pool(), [&](pqxx::work& tx) {
    mover::MoveRequest r;
    r.recording_id = id;
    r.to_tier = to;
    r.sale_window = sale_window;
    r.now = absl::FromUnixSeconds(1767312000);
    return mover::PlanMove(tx, r);
  });
}

int64_t OpenMoves(TierWorld& w) {
  return w.Count("SELECT count(*) FROM tier_moves WHERE state IN ('active', 'parked')");
}

// Runs rounds until no move is open (or the time is up).
bool Drain(TierWorld& w, Mover& m, absl::Duration timeout = absl::Seconds(60)) {
  return shopcast::testing::WaitUntil(
      [&] {
        (void)m.RunOnce();
        return OpenMoves(w) == 0;
      },
      timeout, absl::Milliseconds(5));
}

std::string Tier(TierWorld& w, const std::string& id) {
  return std::to_string(w.Count("SELECT tier FROM recordings WHERE id = '" + id + "'"));
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// GET `url` with curl as a player would: the HTTP status, the body in `body`. URLs here are
// ours (ids and base64url tokens): nothing to quote.
int HttpGet(const std::string& url, const std::filesystem::path& out, std::string* body) {
  std::error_code ec;
  std::filesystem::remove(out, ec);
  const std::string status_file = out.string() + ".status";
  const std::string cmd = absl::StrCat("curl -s -m 30 -o '", out.string(), "' -w '%{http_code}' '",
                                       url, "' > '", status_file, "'");
  if (std::system(cmd.c_str()) != 0) return -1;
  *body = ReadAll(out);
  return std::atoi(ReadAll(status_file).c_str());
}

// The VOD origin (with its playback reads) over a test world's database and tiers.
struct Origin {
  playback::PlaybackStore store;
  playback::VodTokenCodec codec = playback::VodTokenCodec::WithRandomKey();
  playback::Playback playback;
  playback::VodOrigin origin;

  explicit Origin(TierWorld& w)
      : store(w.pool()),
        playback(store, codec,
                 [&w](v1::StorageTier t) { return w.tiers().Provider(static_cast<int>(t)); }, {}),
        origin(Options(w), playback, codec) {
    REQUIRE(origin.Start().ok());
  }
  static playback::VodOriginOptions Options(TierWorld& w) {
    playback::VodOriginOptions o;
    o.listen = "127.0.0.1:0";
    o.workers = 2;
    o.cache_dir = w.scratch() / "vod-cache";
    return o;
  }
  // /vod/<rec>/<path> with a recording token, or a clip token when `clip_id` is set.
  std::string Url(const std::string& rec, const std::string& path,
                  const std::string& clip_id = "") const {
    playback::VodClaims c;
    c.scope = clip_id.empty() ? playback::VodScope::kRecording : playback::VodScope::kClip;
    c.recording_id = rec;
    c.clip_id = clip_id;
    c.expires_at = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 3600);
    return absl::StrCat("http://127.0.0.1:", origin.port(), "/vod/", rec, "/", path,
                        "?token=", codec.Sign(c));
  }
};

TEST_CASE(
    "a recording moves hot -> warm -> cold and is restored to hot: copies verified, "
    "pointers switched, sources gone, one event per move, metrics",
    "[mover]") {
  TierWorld w;
  prometheus::Registry registry;
  Mover m(w.pool(), w.tiers(), FastOptions(w), &registry,
          [] { return absl::FromUnixSeconds(1767312000); });
  RecordingSpec spec;
  spec.segments = 3;
  const std::string id = w.AddRecording(spec);
  const std::string stream = w.StreamOf(id);

  for (int to : {2, 3, 1}) {
    INFO("to tier " << to);
    auto planned = Plan(w, id, to);
    REQUIRE(planned.ok());
    CHECK(planned->objects == 4);  // 3 segments and the poster
    REQUIRE(Drain(w, m));
    CHECK(Tier(w, id) == std::to_string(to));
    CHECK(w.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id +
                  "' AND tier = " + std::to_string(to)) == 3);
    CHECK(w.Count("SELECT poster_tier FROM recordings WHERE id = '" + id + "'") == to);
    CHECK(w.Audit(id) == std::vector<std::string>{});
    CHECK(w.ListEverywhere(stream + "/").size() == 4);
  }
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE NOT verified OR state <> 'done'") ==
        0);
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = "
                "'recording_lifecycle.recording_tier_changed' AND aggregate_id = '" +
                id + "'") == 3);
  CHECK(w.Count("SELECT count(*) FROM recordings WHERE tier_changed_at = "
                "'2026-01-02T00:00:00Z'::timestamptz") == 1);

  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  CHECK_THAT(text, Catch::Contains(
                       "recording_lifecycle_mover_bytes_moved_total{from=\"HOT\",to=\"WARM\"} 6"));
  CHECK_THAT(
      text,
      Catch::Contains("recording_lifecycle_mover_objects_moved_total{from=\"COLD\",to=\"HOT\"} 4"));
  CHECK_THAT(text, Catch::Contains("recording_lifecycle_mover_queue_objects{state=\"queued\"} 0"));
  CHECK_THAT(text, Catch::Contains("recording_lifecycle_tier_usage_bytes{tier=\"HOT\"} 6144"));

  // Moving to the tier it is in, or while a move runs, is refused and plans nothing.
  auto again = Plan(w, id, 1);
  CHECK(again.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(again.status()) == mover::kReasonAlreadyInTier);
  REQUIRE(Plan(w, id, 2).ok());
  auto busy = Plan(w, id, 3);
  CHECK(ReasonOf(busy.status()) == mover::kReasonTransitionInProgress);
}

TEST_CASE(
    "clips and thumbnails age with their recording through the mover and are served by "
    "the VOD origin from every tier, byte for byte",
    "[mover][assets]") {
  TierWorld w;
  prometheus::Registry registry;
  Mover m(w.pool(), w.tiers(), FastOptions(w), &registry);
  Origin origin(w);
  RecordingSpec spec;
  spec.clip = true;
  spec.thumbnail = true;
  const std::string id = w.AddRecording(spec);
  const std::string clip = w.ClipOf(id);
  const std::string thm = w.ThumbnailOf(id);
  const std::string mp4_key = id + "/clips/" + clip + ".mp4";
  const std::string clip_jpg_key = id + "/clips/" + clip + ".jpg";
  const std::string thumb_key = id + "/thumbs/" + thm + ".jpg";
  const std::string mp4 = ReadAll(w.hot() / mp4_key);
  const std::string clip_jpg = ReadAll(w.hot() / clip_jpg_key);
  const std::string thumb = ReadAll(w.hot() / thumb_key);
  const std::string poster = ReadAll(w.hot() / (w.StreamOf(id) + "/poster.jpg"));
  REQUIRE(!mp4.empty());
  const std::filesystem::path out = w.scratch() / "fetched";

  for (int to : {2, 3, 1, 3}) {
    INFO("to tier " << to);
    auto planned = Plan(w, id, to);
    REQUIRE(planned.ok());
    CHECK(planned->objects == 6);  // 2 segments, the poster, the clip's MP4 and poster, the thumb
    REQUIRE(Drain(w, m));
    CHECK(Tier(w, id) == std::to_string(to));
    CHECK(w.Count("SELECT count(*) FROM clips WHERE id = '" + clip + "' AND mp4_tier = " +
                  std::to_string(to) + " AND poster_tier = " + std::to_string(to)) == 1);
    CHECK(w.Count("SELECT tier FROM thumbnails WHERE id = '" + thm + "'") == to);
    // The tier's usage counts the clip's MP4 with the segments, and the tier left holds none.
    REQUIRE(m.RefreshGauges().ok());
    const int64_t stored =
        w.Count("SELECT sum(size_bytes) FROM segments WHERE recording_id = '" + id + "'") +
        w.Count("SELECT mp4_bytes FROM clips WHERE id = '" + clip + "'");
    const std::string gauges = prometheus::TextSerializer().Serialize(registry.Collect());
    const char* names[] = {"", "HOT", "WARM", "COLD"};
    CHECK_THAT(gauges, Catch::Contains(absl::StrCat("recording_lifecycle_tier_usage_bytes{tier=\"",
                                                    names[to], "\"} ", stored)));
    // Each object whole in its pointer tier only, its checksum verified.
    CHECK(w.Audit(id) == std::vector<std::string>{});
    CHECK(w.ListEverywhere(id + "/").size() == 3);

    std::string body;
    CHECK(HttpGet(origin.Url(id, "clips/" + clip + ".mp4", clip), out, &body) == 200);
    CHECK(body == mp4);
    CHECK(HttpGet(origin.Url(id, "clips/" + clip + ".jpg"), out, &body) == 200);
    CHECK(body == clip_jpg);
    CHECK(HttpGet(origin.Url(id, "thumbs/" + thm + ".jpg"), out, &body) == 200);
    CHECK(body == thumb);
    CHECK(HttpGet(origin.Url(id, "poster.jpg"), out, &body) == 200);
    CHECK(body == poster);
  }
  // Cold served through the rehydration cache, a second time from it.
  std::string body;
  CHECK(HttpGet(origin.Url(id, "clips/" + clip + ".mp4", clip), out, &body) == 200);
  CHECK(body == mp4);
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE kind IN ('clip', 'clip_poster', "
                "'thumbnail') AND state = 'done' AND verified") == 12);

  // A recording its host deleted (held, so its media stays until the hold is lifted): its clip
  // and thumbnail URLs are gone at once, though the files are still there.
  RecordingSpec held_spec;
  held_spec.clip = true;
  held_spec.thumbnail = true;
  const std::string held = w.AddRecording(held_spec);
  w.Exec("UPDATE recordings SET status = 4, decision = 3, legal_hold = true WHERE id = '" + held +
         "'");
  CHECK(HttpGet(origin.Url(held, "clips/" + w.ClipOf(held) + ".mp4", w.ClipOf(held)), out, &body) ==
        410);
  CHECK(HttpGet(origin.Url(held, "thumbs/" + w.ThumbnailOf(held) + ".jpg"), out, &body) == 410);
  CHECK(w.ListEverywhere(held + "/").size() == 3);

  // Expiry takes them too: pointers EXPIRED, nothing anywhere, the origin answers 410.
  REQUIRE(Plan(w, id, 4).ok());
  REQUIRE(Drain(w, m));
  CHECK(HttpGet(origin.Url(id, "clips/" + clip + ".mp4", clip), out, &body) == 410);
  CHECK(HttpGet(origin.Url(id, "thumbs/" + thm + ".jpg"), out, &body) == 410);
  CHECK(w.ListEverywhere(id + "/") == std::vector<std::string>{});
  CHECK(w.Count("SELECT count(*) FROM clips WHERE id = '" + clip +
                "' AND mp4_tier = 4 AND poster_tier = 4") == 1);
  CHECK(w.Count("SELECT tier FROM thumbnails WHERE id = '" + thm + "'") == 4);
  CHECK(w.Audit(id) == std::vector<std::string>{});
}

TEST_CASE(
    "a clip deleted while its objects move is discarded: no copy left in any tier, the "
    "move still finishes",
    "[mover][assets]") {
  TierWorld w;
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  RecordingSpec spec;
  spec.clip = true;
  const std::string id = w.AddRecording(spec);
  const std::string clip = w.ClipOf(id);
  const std::string mp4_key = id + "/clips/" + clip + ".mp4";
  REQUIRE(Plan(w, id, 3).ok());
  // The race: the host deletes the clip (DeleteClip hides the row, then removes the copies it
  // finds), and a mover that had read the row before puts its copy into the bucket afterwards,
  // then dies before recording the step.
  const auto sha = storage::Sha256OfFile(w.hot() / mp4_key);
  REQUIRE(sha.ok());
  const std::filesystem::path saved = w.scratch() / "clip.mp4";
  std::filesystem::copy_file(w.hot() / mp4_key, saved);
  w.Exec("UPDATE clips SET deleted_at = now() WHERE id = '" + clip + "'");
  REQUIRE(w.tiers().hot().Delete(mp4_key).ok());
  REQUIRE(w.tiers().cold().Put(mp4_key, saved, *sha).ok());
  w.Exec("UPDATE tier_move_objects SET state = 'verifying' WHERE object_key = '" + mp4_key + "'");
  REQUIRE(Drain(w, m));
  CHECK(Tier(w, id) == "3");
  CHECK(w.ListEverywhere(id + "/clips/") == std::vector<std::string>{});
  CHECK(w.Count("SELECT mp4_tier FROM clips WHERE id = '" + clip + "'") != 3);
  CHECK(w.Audit(id) == std::vector<std::string>{});
}

TEST_CASE("expiry deletes the media in every tier and keeps the metadata and the markers",
          "[mover]") {
  TierWorld w;
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  RecordingSpec spec;
  spec.sales = {absl::Seconds(1)};
  const std::string id = w.AddRecording(spec);
  REQUIRE(Plan(w, id, 3).ok());
  REQUIRE(Drain(w, m));
  REQUIRE(Plan(w, id, 4).ok());
  REQUIRE(Drain(w, m));
  CHECK(Tier(w, id) == "4");
  CHECK(w.ListEverywhere(w.StreamOf(id) + "/").empty());
  CHECK(w.Audit(id) == std::vector<std::string>{});
  CHECK(w.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id + "'") == 2);
  CHECK(w.Count("SELECT count(*) FROM markers WHERE recording_id = '" + id + "'") == 1);
  CHECK(ReasonOf(Plan(w, id, 1).status()) == mover::kReasonRecordingExpired);
}

TEST_CASE("a sale window keeps the segments around a sale where they are while the rest moves",
          "[mover]") {
  TierWorld w;
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  RecordingSpec spec;
  spec.segments = 6;                // [0,2) [2,4) ... [10,12) s
  spec.sales = {absl::Seconds(5)};  // in segment 2
  const std::string id = w.AddRecording(spec);
  auto planned = Plan(w, id, 2, absl::Seconds(2));  // [3 s, 7 s]: segments 1, 2, 3
  REQUIRE(planned.ok());
  CHECK(planned->kept == 3);
  REQUIRE(Drain(w, m));
  CHECK(Tier(w, id) == "2");
  CHECK(w.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id +
                "' AND tier = 1 AND sequence IN (1, 2, 3)") == 3);
  CHECK(w.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id + "' AND tier = 2") ==
        3);
  CHECK(w.Audit(id) == std::vector<std::string>{});
  // The next rule (no window) carries everything, the kept hot segments included.
  REQUIRE(Plan(w, id, 3).ok());
  REQUIRE(Drain(w, m));
  CHECK(w.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id + "' AND tier = 3") ==
        6);
  CHECK(w.Audit(id) == std::vector<std::string>{});
}

TEST_CASE("purge: a deleted recording loses every object in every tier, then is DELETED",
          "[mover][purge]") {
  TierWorld w;
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  mover::Purger purger(w.pool(), w.tiers(), {}, nullptr);
  RecordingSpec spec;
  spec.segments = 4;
  spec.sales = {absl::Seconds(3)};
  const std::string id = w.AddRecording(spec);
  const std::string stream = w.StreamOf(id);
  // Split across tiers: a sale window keeps two segments hot, the rest goes warm.
  REQUIRE(Plan(w, id, 2, absl::Seconds(1)).ok());
  REQUIRE(Drain(w, m));
  REQUIRE(w.Count("SELECT count(DISTINCT tier) FROM segments WHERE recording_id = '" + id + "'") ==
          2);
  // Clips and thumbnails under rec_<id>/ in hot and cold, a stray copy of a segment in cold, and
  // something video-ingest left in the stream's folder.
  const std::filesystem::path clip = w.scratch() / "clip.mp4";
  {
    std::FILE* f = std::fopen(clip.c_str(), "wb");
    std::fputs("not really an mp4", f);
    std::fclose(f);
  }
  const std::string sha = *storage::Sha256OfFile(clip);
  REQUIRE(w.tiers().hot().Put(id + "/clips/clp_1.mp4", clip, sha).ok());
  REQUIRE(w.tiers().cold().Put(id + "/clips/clp_2.mp4", clip, sha).ok());
  REQUIRE(w.tiers().warm().Put(id + "/thumbnails/thm_1.jpg", clip, sha).ok());
  REQUIRE(w.tiers().cold().Put(stream + "/000000.ts", clip, sha).ok());
  REQUIRE(w.tiers().hot().Put(stream + "/index.m3u8", clip, sha).ok());

  SECTION("held: nothing is deleted until the hold is lifted") {
    w.Exec("UPDATE recordings SET status = 4, legal_hold = true WHERE id = '" + id + "'");
    CHECK(*purger.RunOnce() == 0);
    CHECK(w.ListEverywhere(id + "/").size() == 3);
    CHECK(w.Count("SELECT status FROM recordings WHERE id = '" + id + "'") == 4);
    w.Exec("UPDATE recordings SET legal_hold = false WHERE id = '" + id + "'");
  }
  w.Exec("UPDATE recordings SET status = 4 WHERE id = '" + id + "'");
  REQUIRE(*purger.RunOnce() == 1);
  CHECK(w.ListEverywhere(id + "/") == std::vector<std::string>{});
  CHECK(w.ListEverywhere(stream + "/") == std::vector<std::string>{});
  CHECK(w.Count("SELECT status FROM recordings WHERE id = '" + id + "'") == 5);
  CHECK(w.Count("SELECT count(*) FROM segments WHERE recording_id = '" + id + "' AND tier <> 4") ==
        0);
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = 'recording_lifecycle.recording_deleted'"
                " AND aggregate_id = '" +
                id + "'") == 1);
  CHECK(w.Count("SELECT count(*) FROM markers WHERE recording_id = '" + id + "'") == 1);
  // Again: nothing to do, no second event.
  CHECK(*purger.RunOnce() == 0);
  CHECK(
      w.Count("SELECT count(*) FROM outbox WHERE type = 'recording_lifecycle.recording_deleted'") ==
      1);
}

TEST_CASE("purge cancels a move in progress and leaves nothing of it", "[mover][purge]") {
  TierWorld w;
  mover::Purger purger(w.pool(), w.tiers(), {}, nullptr);
  const std::string id = w.AddRecording();
  REQUIRE(Plan(w, id, 3).ok());
  {
    // A mover that copied one object into the bucket and stopped (its lease ran out).
    Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
    REQUIRE(m.RunOnce(1).ok());
  }
  w.Exec("UPDATE recordings SET status = 4 WHERE id = '" + id + "'");
  REQUIRE(*purger.RunOnce() == 1);
  CHECK(w.ListEverywhere(w.StreamOf(id) + "/") == std::vector<std::string>{});
  CHECK(w.Count("SELECT count(*) FROM tier_moves WHERE recording_id = '" + id +
                "' AND state = 'cancelled'") == 1);
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  CHECK(*m.RunOnce() == 0);
}

TEST_CASE("a legal hold blocks planning and stops a planned move before its next step",
          "[mover][hold]") {
  TierWorld w;
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  RecordingSpec held;
  held.legal_hold = true;
  const std::string a = w.AddRecording(held);
  CHECK(ReasonOf(Plan(w, a, 2).status()) == mover::kReasonLegalHold);

  const std::string b = w.AddRecording();
  REQUIRE(Plan(w, b, 2).ok());
  w.Exec("UPDATE recordings SET legal_hold = true WHERE id = '" + b + "'");
  CHECK(*m.RunOnce() == 0);
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE state = 'planned'") == 3);
  CHECK(w.Audit(b) == std::vector<std::string>{});
  CHECK(Tier(w, b) == "1");
  w.Exec("UPDATE recordings SET legal_hold = false WHERE id = '" + b + "'");
  REQUIRE(Drain(w, m));
  CHECK(Tier(w, b) == "2");
}

// A full disk without root: RLIMIT_FSIZE makes the kernel refuse writes past 64 KiB (EFBIG,
// SIGXFSZ ignored) exactly where ENOSPC strikes on a full volume. Hot -> warm copies straight
// from the hot file, so only the warm copy writes.
struct FullDisk {
  struct rlimit before {};
  struct sigaction previous {};
  FullDisk() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &previous);
    getrlimit(RLIMIT_FSIZE, &before);
    struct rlimit small = before;
    small.rlim_cur = 64 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  }
  ~FullDisk() {
    setrlimit(RLIMIT_FSIZE, &before);
    sigaction(SIGXFSZ, &previous, nullptr);
  }
};

TEST_CASE(
    "a full warm disk parks the move with its reason, loses nothing, and it resumes "
    "once there is room",
    "[mover][full]") {
  TierWorld w;
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  RecordingSpec spec;
  spec.segments = 2;
  spec.segment_bytes = 100 * 1024;
  spec.poster = false;
  const std::string id = w.AddRecording(spec);
  REQUIRE(Plan(w, id, 2).ok());
  {
    FullDisk full;
    (void)m.RunOnce();
  }
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE parked AND "
                "last_error = 'STORAGE_FULL' AND state = 'copying'") == 2);
  CHECK(w.Text("SELECT state || '/' || park_reason FROM tier_moves WHERE recording_id = '" + id +
               "'") == "parked/STORAGE_FULL");
  CHECK(Tier(w, id) == "1");
  CHECK(w.Audit(id) == std::vector<std::string>{});
  // No partial or temporary file in the warm tier.
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(w.warm())) {
    if (e.is_regular_file()) ++files;
  }
  CHECK(files == 0);

  REQUIRE(Drain(w, m));
  CHECK(Tier(w, id) == "2");
  CHECK(w.Audit(id) == std::vector<std::string>{});
  CHECK(w.Text("SELECT state FROM tier_moves WHERE recording_id = '" + id + "'") == "done");
}

TEST_CASE(
    "S3 answering 500, 503, slowly or dropping connections: retried by the provider, then "
    "by the mover, and the move finishes verified",
    "[mover][faults]") {
  EnsureS3Env();
  const S3TestServer s3 = TestS3Server();
  FaultProxy proxy(s3.port);
  TierWorld w(proxy.endpoint());
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  RecordingSpec spec;
  spec.segments = 2;
  spec.poster = false;
  const std::string id = w.AddRecording(spec);
  const std::string stream = w.StreamOf(id);

  // Provider-level: a few bad answers on the first PUT, a stall on the read-back.
  proxy.AddRule({"PUT", stream + "/000000.ts", FaultProxy::Action::kStatus, 503, 2});
  proxy.AddRule({"PUT", stream + "/000000.ts", FaultProxy::Action::kStatus, 500, 1});
  proxy.AddRule({"GET", stream + "/000001.ts", FaultProxy::Action::kStall, 0, 1});
  // Mover-level: more failures than the provider's 4 attempts on the second PUT.
  proxy.AddRule({"PUT", stream + "/000001.ts", FaultProxy::Action::kStatus, 503, 6});
  proxy.AddRule({"DELETE", stream + "/", FaultProxy::Action::kDrop, 0, 1});
  REQUIRE(Plan(w, id, 3).ok());
  REQUIRE(Drain(w, m));
  REQUIRE(Plan(w, id, 2).ok());
  REQUIRE(Drain(w, m));
  CHECK(Tier(w, id) == "2");
  CHECK(w.Audit(id) == std::vector<std::string>{});
  CHECK(proxy.Count("PUT", stream + "/000000.ts") == 4);
  CHECK(proxy.Count("PUT", stream + "/000001.ts") >= 7);
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE object_key = '" + stream +
                "/000001.ts' AND attempts >= 1 AND last_error = 'STORAGE_UNAVAILABLE'") == 1);
  CHECK(w.ListEverywhere(stream + "/").size() == 2);
}

TEST_CASE(
    "two replicas share the work without running the same object twice, and bandwidth is "
    "bounded",
    "[mover][replicas]") {
  TierWorld w;
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(w.AddRecording());
  for (const std::string& id : ids) REQUIRE(Plan(w, id, 2).ok());
  prometheus::Registry ra, rb;
  {
    Mover a(w.pool(), w.tiers(), FastOptions(w), &ra);
    Mover b(w.pool(), w.tiers(), FastOptions(w), &rb);
    a.Start();
    b.Start();
    REQUIRE(shopcast::testing::WaitUntil([&] { return OpenMoves(w) == 0; }, absl::Seconds(60)));
  }
  // Each object was finished by exactly one of them.
  const auto moved = [](prometheus::Registry& r) {
    double n = 0;
    for (const auto& family : r.Collect()) {
      if (family.name != "recording_lifecycle_mover_objects_moved_total") continue;
      for (const auto& m : family.metric) n += m.counter.value;
    }
    return n;
  };
  CHECK(moved(ra) + moved(rb) == 20 * 3);
  for (const std::string& id : ids) CHECK(w.Audit(id) == std::vector<std::string>{});
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = "
                "'recording_lifecycle.recording_tier_changed'") == 20);

  // 3 objects of 10 KB at 20 KB/s: the third may not start before 1 s has passed.
  RecordingSpec spec;
  spec.segments = 3;
  spec.segment_bytes = 10000;
  spec.poster = false;
  const std::string big = w.AddRecording(spec);
  REQUIRE(Plan(w, big, 2).ok());
  MoverOptions slow = FastOptions(w);
  slow.bandwidth_bytes_per_second = 20000;
  Mover m(w.pool(), w.tiers(), slow, nullptr);
  const absl::Time start = absl::Now();
  REQUIRE(Drain(w, m));
  CHECK(absl::Now() - start >= absl::Milliseconds(990));
  CHECK(w.Audit(big) == std::vector<std::string>{});
}

TEST_CASE("a purge the cold store interrupts stays DELETING and is finished by the next round",
          "[mover][purge]") {
  EnsureS3Env();
  const S3TestServer s3 = TestS3Server();
  FaultProxy proxy(s3.port);
  TierWorld w(proxy.endpoint());
  Mover m(w.pool(), w.tiers(), FastOptions(w), nullptr);
  mover::Purger purger(w.pool(), w.tiers(), {}, nullptr);
  RecordingSpec spec;
  spec.segments = 3;
  const std::string id = w.AddRecording(spec);
  const std::string stream = w.StreamOf(id);
  REQUIRE(Plan(w, id, 3).ok());
  REQUIRE(Drain(w, m));
  w.Exec("UPDATE recordings SET status = 4 WHERE id = '" + id + "'");
  // The second object's delete fails through all the provider's attempts.
  proxy.AddRule({"DELETE", stream + "/000001.ts", FaultProxy::Action::kStatus, 503, 4});
  CHECK_FALSE(purger.RunOnce().ok());
  CHECK(w.Count("SELECT status FROM recordings WHERE id = '" + id + "'") == 4);
  CHECK(
      w.Count("SELECT count(*) FROM outbox WHERE type = 'recording_lifecycle.recording_deleted'") ==
      0);
  CHECK(w.ListEverywhere(stream + "/").size() == 3);  // 000000 went; 000001, 000002, poster left
  REQUIRE(*purger.RunOnce() == 1);
  CHECK(w.ListEverywhere(stream + "/") == std::vector<std::string>{});
  CHECK(w.Count("SELECT status FROM recordings WHERE id = '" + id + "'") == 5);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
