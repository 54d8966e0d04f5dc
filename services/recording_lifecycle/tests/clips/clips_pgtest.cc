// Clips and thumbnails against a real PostgreSQL: recordings, segments and markers rows as
// V001/V002 define them (inserted here, as rl-core would), segment files made by ffmpeg in a
// scratch hot tier, the worker cutting them, and every call's bad inputs.

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clip_media.h"
#include "clips/clip_store.h"
#include "clips/clip_worker.h"
#include "clips/clips.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "storage/digest.h"
#include "storage/filesystem_provider.h"

namespace shopcast::db::embedded {
const MigrationSet& recording_lifecycleMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::recording_lifecycle::clips {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::TempDir;
using shopcast::testing::TestDatabase;

constexpr int64_t kS = 1'000'000;

auth::Caller User(const std::string& id, auth::Role role = auth::Role::kHost) {
  return auth::Caller{id, role};
}

google::protobuf::Duration Dur(int64_t us) {
  google::protobuf::Duration d;
  d.set_seconds(us / kS);
  d.set_nanos(static_cast<int32_t>((us % kS) * 1000));
  return d;
}

int64_t Us(const google::protobuf::Duration& d) { return d.seconds() * kS + d.nanos() / 1000; }

struct RecordingSpec {
  std::string host = "usr_host";
  int status = kRecordingReady;
  int decision = kDecisionSave;
  int tier = kTierHot;
  int seconds = 8;
  bool poster = false;
  bool video = true;
};

ClipsOptions Options() {
  ClipsOptions o;
  o.max_clips_per_recording = 3;
  return o;
}

class World {
 public:
  World()
      : db_(TestDatabase::Create()),
        store_(Pool()),
        hot_(OpenHot()),
        clips_(
            store_, *hot_, Options(), pagetoken::Codec::WithRandomKey(),
            [](const v1::Clip& c, absl::Time) { return "https://vod/" + c.id() + ".mp4"; },
            [](const std::string& rec, const std::string& key, absl::Time) {
              return "https://vod/" + rec + "/" + key;
            },
            {}, &registry_) {}

  ClipStore& store() { return store_; }
  Clips& clips() { return clips_; }
  storage::FilesystemProvider& hot() { return *hot_; }
  const fs::path& root() { return dir_.path(); }
  prometheus::Registry& registry() { return registry_; }

  ClipWorkerOptions WorkerOptions() {
    ClipWorkerOptions o;
    o.scratch_root = scratch_.path();
    o.now = [this] { return Now(); };
    return o;
  }
  std::unique_ptr<ClipWorker> Worker(ClipWorkerOptions o, const std::string& owner) {
    return std::make_unique<ClipWorker>(
        store_, *hot_,
        [this](v1::StorageTier t) -> storage::StorageProvider* {
          return t == v1::STORAGE_TIER_WARM ? warm_.get() : nullptr;
        },
        std::move(o), owner, &registry_);
  }

  absl::Time Now() {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::Now() + skew_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    skew_ += d;
  }

  // A recording with ffmpeg-made segments in the hot tier (str_<id>/NNN.ts).
  std::string Recording(const RecordingSpec& spec = {}) {
    const std::string id = ids::NewId("rec");
    const std::string stream = ids::NewId("str");
    fs::create_directories(root() / stream);
    std::vector<SourceSegment> segs = testing::MakeSegments(
        root() / stream, "", testing::MediaSpec{.seconds = spec.seconds, .video = spec.video});
    int64_t duration = 0;
    for (const SourceSegment& s : segs) duration += s.duration_us;
    std::string poster_key;
    if (spec.poster) {
      poster_key = stream + "/poster.jpg";
      auto r = testing::Run(absl::StrCat("ffmpeg -nostdin -v error -y -i '", segs[0].path.string(),
                                         "' -frames:v 1 '", (root() / poster_key).string(), "'"));
      REQUIRE(r.exit_code == 0);
    }
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO recordings (id, stream_id, host_id, title, status, decision, tier, "
        "started_at, ended_at, duration_us, segment_count, poster_key, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'Spring drop', $4, $5, $6, now(), now(), $7, $8, $9, now(), now())",
        id, stream, spec.host, spec.status, spec.decision, spec.tier, duration,
        static_cast<int64_t>(segs.size()), poster_key);
    for (const SourceSegment& s : segs) {
      absl::StatusOr<std::string> sha = storage::Sha256OfFile(s.path);
      REQUIRE(sha.ok());
      tx.exec_params(
          "INSERT INTO segments (recording_id, sequence, session_id, program_date_time, "
          "duration_us, media_offset_us, size_bytes, sha256, object_key, discontinuity, tier, "
          "created_at) VALUES ($1, $2, 'ses_1', now(), $3, $4, $5, $6, $7, false, $8, now())",
          id, s.sequence, s.duration_us, s.media_offset_us,
          static_cast<int64_t>(fs::file_size(s.path)), *sha,
          absl::StrCat(stream, "/", s.path.filename().string()), kTierHot);
    }
    tx.commit();
    return id;
  }

  // A sale marker placed at `offset_us` (NULL offset: unplaced).
  std::string Moment(const std::string& recording_id, std::optional<int64_t> offset_us,
                     bool cancelled = false, const std::string& title = "Blue mug") {
    const std::string id = ids::NewId("mom");
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    if (offset_us) {
      tx.exec_params(
          "INSERT INTO markers (id, event_id, stream_id, recording_id, kind, occurred_at, "
          "media_offset_us, product_title, cancelled, created_at) VALUES ($1, $2, 'str_x', $3, "
          "'sale', now(), $4, $5, $6, clock_timestamp())",
          id, ids::NewId("evt"), recording_id, *offset_us, title, cancelled);
    } else {
      tx.exec_params(
          "INSERT INTO markers (id, event_id, stream_id, recording_id, kind, occurred_at, "
          "product_title, created_at) VALUES ($1, $2, 'str_x', $3, 'sale', now(), $4, "
          "clock_timestamp())",
          id, ids::NewId("evt"), recording_id, title);
    }
    tx.commit();
    return id;
  }

  void Exec(const std::string& sql) {
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    tx.exec(sql);
    tx.commit();
  }
  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  void UseWarm(const fs::path& root) {
    absl::StatusOr<std::unique_ptr<storage::FilesystemProvider>> p =
        storage::FilesystemProvider::Open("warm", root);
    REQUIRE(p.ok());
    warm_ = std::move(*p);
  }

 private:
  db::Pool& Pool() {
    REQUIRE(db::ApplyMigrations(db_.dsn(), {&db::embedded::recording_lifecycleMigrations()}).ok());
    db::PoolOptions options;
    options.dsn = db_.dsn();
    options.size = 6;
    absl::StatusOr<std::unique_ptr<db::Pool>> pool = db::Pool::Create(options);
    REQUIRE(pool.ok());
    pool_ = std::move(*pool);
    return *pool_;
  }
  std::unique_ptr<storage::FilesystemProvider> OpenHot() {
    absl::StatusOr<std::unique_ptr<storage::FilesystemProvider>> p =
        storage::FilesystemProvider::Open("local-hot", dir_.path());
    REQUIRE(p.ok());
    return std::move(*p);
  }

  TestDatabase db_;
  TempDir dir_;
  TempDir scratch_;
  prometheus::Registry registry_;
  std::unique_ptr<db::Pool> pool_;
  ClipStore store_;
  std::unique_ptr<storage::FilesystemProvider> hot_;
  std::unique_ptr<storage::FilesystemProvider> warm_;
  Clips clips_;
  std::mutex mu_;
  absl::Duration skew_;
};

v1::CreateClipRequest RangeRequest(const std::string& rec, int64_t start, int64_t duration,
                                   const std::string& key = "k1") {
  v1::CreateClipRequest r;
  r.set_recording_id(rec);
  *r.mutable_range()->mutable_start_offset() = Dur(start);
  *r.mutable_range()->mutable_duration() = Dur(duration);
  r.set_idempotency_key(key);
  return r;
}

v1::Clip Get(World& w, const std::string& id, std::optional<auth::Caller> caller = std::nullopt) {
  v1::GetClipRequest r;
  r.set_clip_id(id);
  absl::StatusOr<v1::Clip> c = w.clips().Get(caller, r);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return *c;
}

TEST_CASE("a clip by range is cut by the worker into the hot tier and served as READY") {
  World w;
  const std::string rec = w.Recording();
  absl::StatusOr<v1::Clip> made =
      w.clips().Create(User("usr_host"), RangeRequest(rec, 2'500'000, 3'000'000));
  INFO(made.status().ToString());
  REQUIRE(made.ok());
  CHECK(made->status() == v1::CLIP_STATUS_PENDING);
  CHECK(made->title() == "Spring drop");
  CHECK(made->playback_url().empty());
  CHECK(ids::IsValidId(made->id(), "clp"));

  auto worker = w.Worker(w.WorkerOptions(), "w1");
  CHECK(worker->RunOnce() == 1);
  const v1::Clip ready = Get(w, made->id());
  CHECK(ready.status() == v1::CLIP_STATUS_READY);
  CHECK(Us(ready.start_offset()) == 2'000'000);  // Snapped to the keyframe before.
  CHECK(Us(ready.duration()) == 4'000'000);
  CHECK(ready.playback_url() == "https://vod/" + made->id() + ".mp4");
  CHECK(ready.url_expires_at().seconds() > absl::ToUnixSeconds(absl::Now() + absl::Hours(5)));
  CHECK(ready.thumbnail_url() ==
        absl::StrCat("https://vod/", rec, "/", rec, "/clips/", made->id(), ".jpg"));

  // The objects: in the hot tier under the recording's prefix, with their SHA-256 recorded.
  const std::string mp4_key = absl::StrCat(rec, "/clips/", made->id(), ".mp4");
  absl::StatusOr<storage::ObjectInfo> mp4 = w.hot().Stat(mp4_key);
  REQUIRE(mp4.ok());
  CHECK(mp4->sha256.size() == 64);
  CHECK(w.hot().Stat(absl::StrCat(rec, "/clips/", made->id(), ".jpg")).ok());
  const testing::StreamFacts facts = testing::Probe(w.root() / mp4_key, "v:0");
  CHECK(facts.frames == 120);
  CHECK(testing::FirstPacketIsKeyframe(w.root() / mp4_key));
  CHECK(w.Count(absl::StrCat("SELECT mp4_bytes FROM clips WHERE id = '", made->id(), "'")) ==
        mp4->size);
  // Nothing left in the scratch folders.
  CHECK(worker->RunOnce() == 0);
}

TEST_CASE("CreateClip is idempotent per caller and key") {
  World w;
  const std::string rec = w.Recording({.seconds = 4});
  absl::StatusOr<v1::Clip> a = w.clips().Create(User("usr_host"), RangeRequest(rec, 0, 2 * kS));
  REQUIRE(a.ok());
  absl::StatusOr<v1::Clip> again = w.clips().Create(User("usr_host"), RangeRequest(rec, 0, 2 * kS));
  REQUIRE(again.ok());
  CHECK(again->id() == a->id());
  absl::StatusOr<v1::Clip> other =
      w.clips().Create(User("usr_host"), RangeRequest(rec, kS, 2 * kS));
  CHECK(other.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(other.status()) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(w.Count("SELECT count(*) FROM clips") == 1);
  // Concurrent first calls with one key make one clip.
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> made;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<v1::Clip> c =
          w.clips().Create(User("usr_host"), RangeRequest(rec, 0, 3 * kS, "race"));
      std::lock_guard<std::mutex> lock(mu);
      if (c.ok()) made.insert(c->id());
    });
  }
  for (auto& t : threads) t.join();
  CHECK(made.size() == 1);
  CHECK(w.Count("SELECT count(*) FROM clips") == 2);
}

TEST_CASE("a clip job resumes after a crash, and two workers never cut the same clip") {
  World w;
  const std::string rec = w.Recording({.seconds = 6});
  absl::StatusOr<v1::Clip> clip = w.clips().Create(User("usr_host"), RangeRequest(rec, kS, 2 * kS));
  REQUIRE(clip.ok());

  ClipWorkerOptions crashing = w.WorkerOptions();
  crashing.lease_ttl = absl::Minutes(1);
  crashing.crash_before = [](const std::string&, const std::string& step) {
    return step == "finish";
  };
  auto first = w.Worker(crashing, "w-crashed");
  CHECK(first->RunOneClip());  // Cut and stored, then "killed" before recording it.
  CHECK(w.Count("SELECT count(*) FROM clips WHERE status = 2") == 1);

  ClipWorkerOptions o = w.WorkerOptions();
  o.lease_ttl = absl::Minutes(1);
  auto second = w.Worker(o, "w2");
  CHECK(!second->RunOneClip());  // The lease still holds.
  w.Advance(absl::Minutes(2));
  CHECK(second->RunOneClip());  // Taken over once it lapsed.
  const v1::Clip ready = Get(w, clip->id());
  CHECK(ready.status() == v1::CLIP_STATUS_READY);
  CHECK(Us(ready.start_offset()) == kS);
  CHECK(w.Count(absl::StrCat("SELECT attempts FROM clips WHERE id = '", clip->id(), "'")) == 2);

  // Several clips, two workers racing: each clip is cut exactly once.
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {  // The limit is 3 per recording.
    absl::StatusOr<v1::Clip> c = w.clips().Create(
        User("usr_host"), RangeRequest(rec, i * kS, 2 * kS, absl::StrCat("many-", i)));
    REQUIRE(c.ok());
    ids.push_back(c->id());
  }
  std::mutex mu;
  std::map<std::string, int> cuts;
  auto counting = [&](const std::string& owner) {
    ClipWorkerOptions co = w.WorkerOptions();
    co.crash_before = [&](const std::string& id, const std::string& step) {
      if (step == "cut") {
        std::lock_guard<std::mutex> lock(mu);
        ++cuts[id];
      }
      return false;
    };
    return w.Worker(co, owner);
  };
  auto a = counting("wa");
  auto b = counting("wb");
  std::thread ta([&] { a->RunOnce(); });
  std::thread tb([&] { b->RunOnce(); });
  ta.join();
  tb.join();
  for (const std::string& id : ids) {
    CHECK(cuts[id] == 1);
    CHECK(Get(w, id).status() == v1::CLIP_STATUS_READY);
  }
}

TEST_CASE("a worker started in the background picks up new clips") {
  World w;
  const std::string rec = w.Recording({.seconds = 4});
  ClipWorkerOptions o = w.WorkerOptions();
  o.poll_interval = absl::Milliseconds(50);
  auto worker = w.Worker(o, "bg");
  worker->Start();
  absl::StatusOr<v1::Clip> clip = w.clips().Create(User("usr_host"), RangeRequest(rec, 0, 2 * kS));
  REQUIRE(clip.ok());
  CHECK(shopcast::testing::WaitUntil(
      [&] { return Get(w, clip->id()).status() == v1::CLIP_STATUS_READY; }, absl::Seconds(60)));
  worker->Stop();
  worker->Stop();
}

TEST_CASE("a failed cut is FAILED with its reason, a transient one is retried") {
  World w;
  const std::string rec = w.Recording({.seconds = 4});
  absl::StatusOr<v1::Clip> clip = w.clips().Create(User("usr_host"), RangeRequest(rec, 0, 2 * kS));
  REQUIRE(clip.ok());
  // The segment files are gone (e.g. a hand-made delete): unavailable, retried, then FAILED.
  for (const auto& e : fs::recursive_directory_iterator(w.root())) {
    if (e.path().extension() == ".ts") fs::remove(e.path());
  }
  ClipWorkerOptions o = w.WorkerOptions();
  o.max_attempts = 2;
  o.retry_after = absl::Seconds(10);
  auto worker = w.Worker(o, "w");
  CHECK(worker->RunOneClip());
  v1::Clip c = Get(w, clip->id());
  CHECK(c.status() == v1::CLIP_STATUS_PENDING);
  CHECK(c.failure_reason() == "SOURCE_UNAVAILABLE");
  CHECK(!worker->RunOneClip());  // Not before retry_after.
  w.Advance(absl::Seconds(11));
  CHECK(worker->RunOneClip());
  c = Get(w, clip->id());
  CHECK(c.status() == v1::CLIP_STATUS_FAILED);
  CHECK(c.failure_reason() == "SOURCE_UNAVAILABLE");
  CHECK(c.playback_url().empty());
}

TEST_CASE("segments in another tier are read through the provider lookup") {
  World w;
  const std::string rec = w.Recording({.seconds = 4});
  // Move the recording's segments to a "warm" folder by hand.
  TempDir warm;
  for (const auto& e : fs::directory_iterator(w.root())) {
    if (e.is_directory()) fs::rename(e.path(), warm.path() / e.path().filename());
  }
  w.UseWarm(warm.path());
  w.Exec(absl::StrCat("UPDATE segments SET tier = 2 WHERE recording_id = '", rec, "'"));
  absl::StatusOr<v1::Clip> clip = w.clips().Create(User("usr_host"), RangeRequest(rec, 0, 2 * kS));
  REQUIRE(clip.ok());
  auto worker = w.Worker(w.WorkerOptions(), "w");
  CHECK(worker->RunOnce() == 1);
  CHECK(Get(w, clip->id()).status() == v1::CLIP_STATUS_READY);
}

TEST_CASE("ListClips pages newest first, DeleteClip removes the clip and its objects") {
  World w;
  const std::string rec = w.Recording({.seconds = 4});
  std::vector<std::string> made;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<v1::Clip> c = w.clips().Create(
        User("usr_host"), RangeRequest(rec, 0, (i + 1) * kS, absl::StrCat("p", i)));
    REQUIRE(c.ok());
    made.push_back(c->id());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListClipsRequest r;
    r.set_recording_id(rec);
    r.mutable_page()->set_page_size(2);
    r.mutable_page()->set_page_token(token);
    absl::StatusOr<v1::ListClipsResponse> page = w.clips().List(std::nullopt, r);
    REQUIRE(page.ok());
    for (const v1::Clip& c : page->clips()) seen.push_back(c.id());
    token = page->page().next_page_token();
    ++pages;
  } while (!token.empty());
  CHECK(pages == 2);
  CHECK(seen == std::vector<std::string>{made[2], made[1], made[0]});

  auto worker = w.Worker(w.WorkerOptions(), "w");
  CHECK(worker->RunOnce() == 3);
  const std::string key = absl::StrCat(rec, "/clips/", made[0], ".mp4");
  REQUIRE(w.hot().Stat(key).ok());
  v1::DeleteClipRequest del;
  del.set_clip_id(made[0]);
  CHECK(w.clips().Delete(User("usr_host"), del).ok());
  CHECK(w.clips().Delete(User("usr_host"), del).ok());  // Idempotent.
  CHECK(absl::IsNotFound(w.hot().Stat(key).status()));
  CHECK(absl::IsNotFound(w.hot().Stat(absl::StrCat(rec, "/clips/", made[0], ".jpg")).status()));
  v1::GetClipRequest get;
  get.set_clip_id(made[0]);
  CHECK(ReasonOf(w.clips().Get(std::nullopt, get).status()) == "CLIP_NOT_FOUND");
  // The limit counts clips not deleted: room for one again.
  CHECK(w.clips().Create(User("usr_host"), RangeRequest(rec, 0, kS, "after-delete")).ok());

  // A clip deleted while it is being cut: the worker's finish is refused and it removes what it
  // stored.
  absl::StatusOr<v1::Clip> racing =
      w.clips().Create(User("usr_host"), RangeRequest(rec, 0, kS, "x"));
  REQUIRE(!racing.ok());  // Limit reached (3).
  del.set_clip_id(made[1]);
  REQUIRE(w.clips().Delete(User("usr_host"), del).ok());
  absl::StatusOr<v1::Clip> late =
      w.clips().Create(User("usr_host"), RangeRequest(rec, 0, kS, "late"));
  REQUIRE(late.ok());
  ClipWorkerOptions o = w.WorkerOptions();
  o.crash_before = [&](const std::string& id, const std::string& step) {
    if (id == late->id() && step == "finish") {
      v1::DeleteClipRequest d;
      d.set_clip_id(id);
      REQUIRE(w.clips().Delete(User("usr_host"), d).ok());
    }
    return false;
  };
  auto racer = w.Worker(o, "racer");
  CHECK(racer->RunOneClip());
  CHECK(absl::IsNotFound(w.hot().Stat(absl::StrCat(rec, "/clips/", late->id(), ".mp4")).status()));
}

TEST_CASE("automatic clips around each sale and thumbnails per moment once saved") {
  World w;
  const std::string rec = w.Recording({.seconds = 8, .poster = true});
  const std::string sale1 = w.Moment(rec, 3'500'000);
  const std::string sale2 = w.Moment(rec, 6'200'000, false, "Red hat");
  w.Moment(rec, 5'000'000, /*cancelled=*/true);
  w.Moment(rec, std::nullopt);  // Not placed yet.
  ClipWorkerOptions o = w.WorkerOptions();
  o.auto_lead_in = absl::Seconds(2);
  o.auto_lead_out = absl::Seconds(2);
  auto worker = w.Worker(o, "w");
  worker->RunOnce();
  CHECK(w.Count("SELECT count(*) FROM clips WHERE automatic AND status = 3") == 2);
  CHECK(w.Count(absl::StrCat("SELECT requested_start_us FROM clips WHERE moment_id = '", sale1,
                             "'")) == 1'500'000);
  CHECK(w.Count(absl::StrCat("SELECT requested_duration_us FROM clips WHERE moment_id = '", sale2,
                             "'")) == 3'800'000);  // Clipped at the recording's end (8 s).
  worker->RunOnce();                               // Nothing new the second time.
  CHECK(w.Count("SELECT count(*) FROM clips WHERE automatic") == 2);

  v1::ListThumbnailsRequest lt;
  lt.set_recording_id(rec);
  absl::StatusOr<v1::ListThumbnailsResponse> thumbs = w.clips().ListThumbnails(std::nullopt, lt);
  REQUIRE(thumbs.ok());
  REQUIRE(thumbs->thumbnails_size() == 3);
  const v1::Thumbnail& poster = thumbs->thumbnails(0);
  CHECK(poster.moment_id().empty());
  CHECK(poster.primary());
  CHECK(poster.width() == 320);
  CHECK(poster.height() == 180);
  CHECK(Us(poster.media_offset()) == 0);
  CHECK(thumbs->thumbnails(1).moment_id() == sale1);
  CHECK(Us(thumbs->thumbnails(1).media_offset()) == 3'000'000);  // The keyframe at/before.
  CHECK(thumbs->thumbnails(2).moment_id() == sale2);
  CHECK(Us(thumbs->thumbnails(2).media_offset()) == 6'000'000);
  CHECK(thumbs->thumbnails(1).width() == 320);
  CHECK(!thumbs->thumbnails(1).primary());
  const std::string thumb_key = absl::StrCat(rec, "/thumbs/", thumbs->thumbnails(1).id(), ".jpg");
  CHECK(thumbs->thumbnails(1).url() == absl::StrCat("https://vod/", rec, "/", thumb_key));
  REQUIRE(w.hot().Stat(thumb_key).ok());

  v1::SetPrimaryThumbnailRequest sp;
  sp.set_recording_id(rec);
  sp.set_thumbnail_id(thumbs->thumbnails(2).id());
  absl::StatusOr<v1::Recording> updated = w.clips().SetPrimaryThumbnail(User("usr_host"), sp);
  REQUIRE(updated.ok());
  CHECK(updated->id() == rec);
  CHECK(absl::StrContains(updated->thumbnail_url(), thumbs->thumbnails(2).id()));
  thumbs = w.clips().ListThumbnails(std::nullopt, lt);
  REQUIRE(thumbs.ok());
  CHECK(!thumbs->thumbnails(0).primary());
  CHECK(thumbs->thumbnails(2).primary());

  // Clips around a moment by request: the product's title, lead-in/out from the options.
  v1::CreateClipRequest around;
  around.set_recording_id(rec);
  around.set_moment_id(sale2);
  around.set_idempotency_key("m");
  absl::StatusOr<v1::Clip> m = w.clips().Create(User("usr_host"), around);
  REQUIRE(m.ok());
  CHECK(m->title() == "Red hat");
  CHECK(m->moment_id() == sale2);
  CHECK(Us(m->start_offset()) == 1'200'000);
  CHECK(Us(m->duration()) == 6'800'000);
}

TEST_CASE("automatic clips can be switched off, unsaved recordings get none") {
  World w;
  const std::string unsaved = w.Recording({.decision = kDecisionUndecided, .seconds = 4});
  w.Moment(unsaved, 2 * kS);
  const std::string saved = w.Recording({.seconds = 4});
  w.Moment(saved, 2 * kS);
  ClipWorkerOptions o = w.WorkerOptions();
  o.auto_clips = false;
  w.Worker(o, "off")->RunOnce();
  CHECK(w.Count("SELECT count(*) FROM clips") == 0);
  w.Worker(w.WorkerOptions(), "on")->RunOnce();
  CHECK(w.Count(absl::StrCat("SELECT count(*) FROM clips WHERE recording_id = '", saved, "'")) ==
        1);
  CHECK(w.Count(absl::StrCat("SELECT count(*) FROM clips WHERE recording_id = '", unsaved, "'")) ==
        0);
}

struct BadCase {
  std::string name;
  std::function<absl::Status()> call;
  absl::StatusCode code;
  std::string reason;
};

TEST_CASE("every clip and thumbnail call refuses bad input with a reason and creates nothing") {
  World w;
  const std::string rec = w.Recording({.seconds = 4, .poster = true});
  const std::string unsaved = w.Recording({.decision = kDecisionUndecided, .seconds = 2});
  const std::string live = w.Recording({.status = kRecordingRecording, .seconds = 2});
  const std::string deleted =
      w.Recording({.status = kRecordingDeleted, .decision = kDecisionDelete, .seconds = 2});
  const std::string expired = w.Recording({.tier = kTierExpired, .seconds = 2});
  const std::string other = w.Recording({.host = "usr_other", .seconds = 2});
  const std::string moment = w.Moment(rec, 2 * kS);
  const std::string unplaced = w.Moment(rec, std::nullopt);
  const std::string foreign_moment = w.Moment(other, kS);
  w.Worker(w.WorkerOptions(), "w")->RunOnce();  // Thumbnails of rec (poster + moment).
  const int64_t clips_before = w.Count("SELECT count(*) FROM clips");
  const int64_t thumbs_before = w.Count("SELECT count(*) FROM thumbnails");
  const auth::Caller host = User("usr_host");
  const auth::Caller stranger = User("usr_stranger", auth::Role::kViewer);
  auto create = [&](const auth::Caller& who, v1::CreateClipRequest r) {
    return [&w, who, r] { return w.clips().Create(who, r).status(); };
  };
  auto with = [](v1::CreateClipRequest r, const std::function<void(v1::CreateClipRequest&)>& f) {
    f(r);
    return r;
  };
  const v1::CreateClipRequest ok = RangeRequest(rec, 0, 2 * kS, "bad");
  auto moment_req = [&](const std::string& rec_id, const std::string& mom) {
    v1::CreateClipRequest r;
    r.set_recording_id(rec_id);
    r.set_moment_id(mom);
    r.set_idempotency_key("bad-m");
    return r;
  };
  using C = absl::StatusCode;
  std::vector<BadCase> cases = {
      {"no recording_id", create(host, with(ok, [](auto& r) { r.clear_recording_id(); })),
       C::kInvalidArgument, "ID_REQUIRED"},
      {"no key", create(host, with(ok, [](auto& r) { r.clear_idempotency_key(); })),
       C::kInvalidArgument, "IDEMPOTENCY_KEY_REQUIRED"},
      {"long key",
       create(host, with(ok, [](auto& r) { r.set_idempotency_key(std::string(65, 'k')); })),
       C::kInvalidArgument, "IDEMPOTENCY_KEY_INVALID"},
      {"control in key", create(host, with(ok, [](auto& r) { r.set_idempotency_key("a\nb"); })),
       C::kInvalidArgument, "IDEMPOTENCY_KEY_INVALID"},
      {"long title", create(host, with(ok, [](auto& r) { r.set_title(std::string(121, 't')); })),
       C::kInvalidArgument, "TITLE_INVALID"},
      {"control in title", create(host, with(ok, [](auto& r) { r.set_title("a\x01"); })),
       C::kInvalidArgument, "TITLE_INVALID"},
      {"bad utf-8 title", create(host, with(ok, [](auto& r) { r.set_title("\xff\xfe"); })),
       C::kInvalidArgument, "TITLE_INVALID"},
      {"no source", create(host, with(ok, [](auto& r) { r.clear_range(); })), C::kInvalidArgument,
       "CLIP_SOURCE_REQUIRED"},
      {"empty moment id", create(host, moment_req(rec, "")), C::kInvalidArgument, "ID_REQUIRED"},
      {"too short", create(host, RangeRequest(rec, 0, kS - 1, "b")), C::kInvalidArgument,
       "CLIP_RANGE_INVALID"},
      {"too long", create(host, RangeRequest(rec, 0, 180 * kS + 1, "b")), C::kInvalidArgument,
       "CLIP_RANGE_INVALID"},
      {"negative start", create(host, RangeRequest(rec, -kS, 2 * kS, "b")), C::kInvalidArgument,
       "CLIP_RANGE_INVALID"},
      {"start past the end", create(host, RangeRequest(rec, 5 * kS, 2 * kS, "b")),
       C::kInvalidArgument, "CLIP_RANGE_INVALID"},
      {"end past the end", create(host, RangeRequest(rec, 3 * kS, 2 * kS, "b")),
       C::kInvalidArgument, "CLIP_RANGE_INVALID"},
      {"bad duration nanos",
       create(host,
              with(ok, [](auto& r) { r.mutable_range()->mutable_duration()->set_nanos(-5); })),
       C::kInvalidArgument, "CLIP_RANGE_INVALID"},
      {"unknown recording", create(host, RangeRequest(ids::NewId("rec"), 0, 2 * kS, "b")),
       C::kNotFound, "RECORDING_NOT_FOUND"},
      {"malformed recording id", create(host, RangeRequest("rec_../x", 0, 2 * kS, "b")),
       C::kNotFound, "RECORDING_NOT_FOUND"},
      {"someone's unsaved recording", create(stranger, RangeRequest(unsaved, 0, kS, "b")),
       C::kNotFound, "RECORDING_NOT_FOUND"},
      {"someone's saved recording", create(stranger, RangeRequest(rec, 0, kS, "b")),
       C::kPermissionDenied, "NOT_RECORDING_OWNER"},
      {"an admin is not the host",
       create(User("usr_admin", auth::Role::kAdmin), RangeRequest(rec, 0, kS, "b")),
       C::kPermissionDenied, "NOT_RECORDING_OWNER"},
      {"still recording", create(host, RangeRequest(live, 0, kS, "b")), C::kFailedPrecondition,
       "RECORDING_NOT_READY"},
      {"deleted", create(host, RangeRequest(deleted, 0, kS, "b")), C::kFailedPrecondition,
       "RECORDING_DELETED"},
      {"expired", create(host, RangeRequest(expired, 0, kS, "b")), C::kFailedPrecondition,
       "RECORDING_EXPIRED"},
      {"unknown moment", create(host, moment_req(rec, ids::NewId("mom"))), C::kNotFound,
       "MOMENT_NOT_FOUND"},
      {"malformed moment", create(host, moment_req(rec, "mom_x")), C::kNotFound,
       "MOMENT_NOT_FOUND"},
      {"another recording's moment", create(host, moment_req(rec, foreign_moment)), C::kNotFound,
       "MOMENT_NOT_FOUND"},
      {"unplaced moment", create(host, moment_req(rec, unplaced)), C::kFailedPrecondition,
       "MOMENT_NOT_PLACED"},
  };
  auto get = [&](const std::string& id, std::optional<auth::Caller> who) {
    return [&w, id, who] {
      v1::GetClipRequest r;
      r.set_clip_id(id);
      return w.clips().Get(who, r).status();
    };
  };
  auto list = [&](const std::string& rec_id, int size, const std::string& token,
                  std::optional<auth::Caller> who) {
    return [&w, rec_id, size, token, who] {
      v1::ListClipsRequest r;
      r.set_recording_id(rec_id);
      r.mutable_page()->set_page_size(size);
      r.mutable_page()->set_page_token(token);
      return w.clips().List(who, r).status();
    };
  };
  auto del = [&](const std::string& id, const auth::Caller& who) {
    return [&w, id, who] {
      v1::DeleteClipRequest r;
      r.set_clip_id(id);
      return w.clips().Delete(who, r);
    };
  };
  auto thumbs = [&](const std::string& rec_id, int size, const std::string& token,
                    std::optional<auth::Caller> who) {
    return [&w, rec_id, size, token, who] {
      v1::ListThumbnailsRequest r;
      r.set_recording_id(rec_id);
      r.mutable_page()->set_page_size(size);
      r.mutable_page()->set_page_token(token);
      return w.clips().ListThumbnails(who, r).status();
    };
  };
  auto primary = [&](const std::string& rec_id, const std::string& thm, const auth::Caller& who) {
    return [&w, rec_id, thm, who] {
      v1::SetPrimaryThumbnailRequest r;
      r.set_recording_id(rec_id);
      r.set_thumbnail_id(thm);
      return w.clips().SetPrimaryThumbnail(who, r).status();
    };
  };
  // A clip of the unsaved recording (made by its host) for the visibility cases.
  absl::StatusOr<v1::Clip> hidden =
      w.clips().Create(User("usr_host"), RangeRequest(unsaved, 0, kS, "hidden"));
  REQUIRE(hidden.ok());
  v1::ListThumbnailsRequest lt;
  lt.set_recording_id(rec);
  absl::StatusOr<v1::ListThumbnailsResponse> existing = w.clips().ListThumbnails(host, lt);
  REQUIRE(existing.ok());
  REQUIRE(existing->thumbnails_size() == 2);
  const std::string thumb = existing->thumbnails(1).id();
  const int64_t clips_with_hidden = clips_before + 1;
  std::vector<BadCase> more = {
      {"get: no id", get("", std::nullopt), C::kInvalidArgument, "ID_REQUIRED"},
      {"get: malformed", get("clp_nope", std::nullopt), C::kNotFound, "CLIP_NOT_FOUND"},
      {"get: unknown", get(ids::NewId("clp"), std::nullopt), C::kNotFound, "CLIP_NOT_FOUND"},
      {"get: unsaved, anonymous", get(hidden->id(), std::nullopt), C::kNotFound, "CLIP_NOT_FOUND"},
      {"get: unsaved, stranger", get(hidden->id(), stranger), C::kNotFound, "CLIP_NOT_FOUND"},
      {"list: no id", list("", 0, "", std::nullopt), C::kInvalidArgument, "ID_REQUIRED"},
      {"list: page too big", list(rec, 101, "", std::nullopt), C::kInvalidArgument,
       "PAGE_SIZE_INVALID"},
      {"list: negative page", list(rec, -1, "", std::nullopt), C::kInvalidArgument,
       "PAGE_SIZE_INVALID"},
      {"list: forged token", list(rec, 1, "abc", std::nullopt), C::kInvalidArgument,
       "PAGE_TOKEN_INVALID"},
      {"list: unsaved, anonymous", list(unsaved, 0, "", std::nullopt), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"list: unknown", list(ids::NewId("rec"), 0, "", std::nullopt), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"list: unsaved, stranger", list(unsaved, 0, "", stranger), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"delete: no id", del("", host), C::kInvalidArgument, "ID_REQUIRED"},
      {"delete: unknown", del(ids::NewId("clp"), host), C::kNotFound, "CLIP_NOT_FOUND"},
      {"delete: unsaved, stranger", del(hidden->id(), stranger), C::kNotFound, "CLIP_NOT_FOUND"},
      {"thumbs: no id", thumbs("", 0, "", std::nullopt), C::kInvalidArgument, "ID_REQUIRED"},
      {"thumbs: page too big", thumbs(rec, 500, "", std::nullopt), C::kInvalidArgument,
       "PAGE_SIZE_INVALID"},
      {"thumbs: forged token", thumbs(rec, 1, "zz", std::nullopt), C::kInvalidArgument,
       "PAGE_TOKEN_INVALID"},
      {"thumbs: unsaved, stranger", thumbs(unsaved, 0, "", stranger), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"thumbs: unsaved, anonymous", thumbs(unsaved, 0, "", std::nullopt), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"thumbs: unknown", thumbs(ids::NewId("rec"), 0, "", std::nullopt), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"thumbs: negative page", thumbs(rec, -1, "", std::nullopt), C::kInvalidArgument,
       "PAGE_SIZE_INVALID"},
      {"primary: no recording", primary("", thumb, host), C::kInvalidArgument, "ID_REQUIRED"},
      {"primary: no thumbnail", primary(rec, "", host), C::kInvalidArgument, "ID_REQUIRED"},
      {"primary: stranger", primary(rec, thumb, stranger), C::kPermissionDenied,
       "NOT_RECORDING_OWNER"},
      {"primary: an admin is not the host",
       primary(rec, thumb, User("usr_admin", auth::Role::kAdmin)), C::kPermissionDenied,
       "NOT_RECORDING_OWNER"},
      {"primary: malformed thumbnail", primary(rec, "thm_../x", host), C::kNotFound,
       "THUMBNAIL_NOT_FOUND"},
      {"primary: unsaved, stranger", primary(unsaved, thumb, stranger), C::kNotFound,
       "RECORDING_NOT_FOUND"},
      {"primary: unknown thumbnail", primary(rec, ids::NewId("thm"), host), C::kNotFound,
       "THUMBNAIL_NOT_FOUND"},
      {"primary: another recording's", primary(other, thumb, User("usr_other")), C::kNotFound,
       "THUMBNAIL_NOT_FOUND"},
  };
  // A saved recording's clip: deleting it is the host's.
  absl::StatusOr<v1::Clip> visible =
      w.clips().Create(User("usr_host"), RangeRequest(rec, 0, kS, "visible"));
  REQUIRE(visible.ok());
  more.push_back({"delete: stranger", del(visible->id(), stranger), C::kPermissionDenied,
                  "NOT_RECORDING_OWNER"});
  more.push_back({"delete: an admin is not the host",
                  del(visible->id(), User("usr_admin", auth::Role::kAdmin)), C::kPermissionDenied,
                  "NOT_RECORDING_OWNER"});
  for (BadCase& c : cases) more.push_back(std::move(c));
  for (const BadCase& c : more) {
    INFO(c.name);
    const absl::Status s = c.call();
    CHECK(s.code() == c.code);
    CHECK(ReasonOf(s) == c.reason);
  }
  CHECK(w.Count("SELECT count(*) FROM clips") == clips_with_hidden + 1);
  CHECK(w.Count("SELECT count(*) FROM clips WHERE deleted_at IS NOT NULL") == 0);
  CHECK(w.Count("SELECT count(*) FROM thumbnails") == thumbs_before);
  CHECK(w.Count(absl::StrCat("SELECT count(*) FROM recordings WHERE primary_thumbnail_id IS NOT "
                             "NULL")) == 0);
  // The host (and an admin) see the unsaved recording's clip.
  CHECK(Get(w, hidden->id(), host).id() == hidden->id());
  CHECK(Get(w, hidden->id(), User("usr_admin", auth::Role::kAdmin)).id() == hidden->id());
  // ... and list its clips and thumbnails.
  for (const auth::Caller& who : {host, User("usr_admin", auth::Role::kAdmin)}) {
    v1::ListClipsRequest lc;
    lc.set_recording_id(unsaved);
    absl::StatusOr<v1::ListClipsResponse> clips = w.clips().List(who, lc);
    REQUIRE(clips.ok());
    CHECK(clips->clips_size() == 1);
    v1::ListThumbnailsRequest lth;
    lth.set_recording_id(unsaved);
    CHECK(w.clips().ListThumbnails(who, lth).ok());
  }

  // TOO_MANY_CLIPS: the limit is 3 host-made clips per recording (visible is one).
  CHECK(w.clips().Create(host, RangeRequest(rec, 0, kS, "l1")).ok());
  CHECK(w.clips().Create(host, RangeRequest(rec, 0, kS, "l2")).ok());
  absl::StatusOr<v1::Clip> over = w.clips().Create(host, RangeRequest(rec, 0, kS, "l3"));
  CHECK(over.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ReasonOf(over.status()) == "TOO_MANY_CLIPS");
  CHECK(w.Count(absl::StrCat("SELECT count(*) FROM clips WHERE recording_id = '", rec,
                             "' AND NOT automatic")) == 3);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::clips
