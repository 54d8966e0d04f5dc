#include "tier_world.h"

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shopcast/db/migrations.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "storage/digest.h"
#include "storage/filesystem_provider.h"
#include "storage/s3_provider.h"

namespace shopcast::db::embedded {
const MigrationSet& recording_lifecycleMigrations();
}

namespace shopcast::recording_lifecycle::testing {
namespace {

std::string Ts(absl::Time t) {
  return absl::StrCat("'", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()),
                      "'::timestamptz");
}

std::string RandomBytes(int n, std::mt19937_64& rng) {
  std::string s(static_cast<size_t>(n), '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

void WriteFile(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

}  // namespace

std::unique_ptr<storage::TierSet> MakeTestTiers(const std::filesystem::path& hot,
                                                const std::filesystem::path& warm,
                                                const std::string& cold_endpoint,
                                                const std::string& bucket,
                                                absl::Duration attempt_timeout) {
  auto h = storage::FilesystemProvider::Open("local-hot", hot);
  auto w = storage::FilesystemProvider::Open("local-warm", warm);
  storage::S3Options o = TestS3Options(cold_endpoint, bucket);
  o.name = "archive-cold";
  o.attempt_timeout = attempt_timeout;
  auto c = storage::S3Provider::Create(o);
  if (!h.ok() || !w.ok() || !c.ok()) throw std::runtime_error("cannot open the test tiers");
  return std::make_unique<storage::TierSet>(std::move(*h), std::move(*w), std::move(*c));
}

void EnsureS3Env() {
#ifdef RL_TEST_S3_ENV_FILE
  setenv("SHOPCAST_TEST_S3_ENV", RL_TEST_S3_ENV_FILE, 0);
#endif
}

TierWorld::TierWorld(const std::string& cold_endpoint)
    : db_(shopcast::testing::TestDatabase::Create()) {
  EnsureS3Env();
  s3_ = TestS3Server();
  hot_ = dir_.path() / "hot";
  warm_ = dir_.path() / "warm";
  scratch_ = dir_.path() / "scratch";
  for (const auto& p : {hot_, warm_, scratch_}) std::filesystem::create_directories(p);
  absl::Status m = db::ApplyMigrations(
      db_.dsn(), {&db::embedded::recording_lifecycleMigrations(), &events::OutboxMigrations()});
  if (!m.ok()) throw std::runtime_error("migrations: " + m.ToString());
  db::PoolOptions po;
  po.dsn = db_.dsn();
  po.size = 8;
  auto pool = db::Pool::Create(po);
  if (!pool.ok()) throw std::runtime_error("pool: " + pool.status().ToString());
  pool_ = std::move(*pool);
  tiers_ = MakeTestTiers(hot_, warm_, cold_endpoint.empty() ? s3_.endpoint : cold_endpoint,
                         s3_.bucket, cold_endpoint.empty() ? absl::Seconds(20) : absl::Seconds(1));
}

TierWorld::~TierWorld() {
  tiers_.reset();
  pool_.reset();
}

std::string TierWorld::AddRecording(const RecordingSpec& spec) {
  static std::mt19937_64 rng(std::random_device{}());
  const std::string id = ids::NewId("rec");
  const std::string stream = ids::NewId("str");
  const absl::Duration seg = absl::Seconds(2);
  const absl::Time started = spec.ended_at - seg * spec.segments;
  std::string poster_key;
  if (spec.poster) {
    poster_key = stream + "/poster.jpg";
    WriteFile(hot_ / poster_key, RandomBytes(700, rng));
  }
  std::string sql = absl::StrFormat(
      "INSERT INTO recordings (id, stream_id, host_id, title, status, decision, tier, started_at, "
      "ended_at, duration_us, segment_count, size_bytes, expected_segment_count, poster_key, "
      "stream_ended_at, legal_hold, created_at, updated_at) VALUES ('%s', '%s', '%s', 'A show', "
      "%d, %d, 1, %s, %s, %d, %d, %d, %d, '%s', %s, %s, %s, %s);",
      id, stream, spec.host_id, spec.status, spec.decision, Ts(started), Ts(spec.ended_at),
      absl::ToInt64Microseconds(seg) * spec.segments, spec.segments,
      spec.segments * spec.segment_bytes, spec.segments, poster_key, Ts(spec.ended_at),
      spec.legal_hold ? "true" : "false", Ts(started), Ts(spec.ended_at));
  for (int i = 0; i < spec.segments; ++i) {
    const std::string key = absl::StrFormat("%s/%06d.ts", stream, i);
    const std::string bytes = RandomBytes(spec.segment_bytes, rng);
    WriteFile(hot_ / key, bytes);
    absl::StrAppendFormat(
        &sql,
        "INSERT INTO segments (recording_id, sequence, session_id, program_date_time, "
        "duration_us, media_offset_us, size_bytes, sha256, object_key, tier, created_at) VALUES "
        "('%s', %d, 'ses_1', %s, %d, %d, %d, '%s', '%s', 1, now());",
        id, i, Ts(started + seg * i), absl::ToInt64Microseconds(seg),
        absl::ToInt64Microseconds(seg) * i, spec.segment_bytes, storage::Sha256Hex(bytes), key);
  }
  int n = 0;
  for (absl::Duration at : spec.sales) {
    absl::StrAppendFormat(
        &sql,
        "INSERT INTO markers (id, event_id, stream_id, recording_id, kind, occurred_at, "
        "media_offset_us, created_at) VALUES ('%s', '%s', '%s', '%s', 'sale', %s, %d, now());",
        ids::NewId("mom"), absl::StrCat("evt_", id, "_", n++), stream, id, Ts(started + at),
        absl::ToInt64Microseconds(at));
  }
  if (spec.clip) {
    const std::string clip = ids::NewId("clp");
    const std::string mp4 = RandomBytes(1500, rng), jpg = RandomBytes(400, rng);
    const std::string mp4_key = absl::StrCat(id, "/clips/", clip, ".mp4");
    const std::string jpg_key = absl::StrCat(id, "/clips/", clip, ".jpg");
    WriteFile(hot_ / mp4_key, mp4);
    WriteFile(hot_ / jpg_key, jpg);
    absl::StrAppendFormat(
        &sql,
        "INSERT INTO clips (id, recording_id, creator_id, title, requested_start_us, "
        "requested_duration_us, start_us, duration_us, status, mp4_key, mp4_sha256, mp4_bytes, "
        "poster_key, poster_sha256, created_at, updated_at) VALUES ('%s', '%s', '%s', 'A clip', "
        "0, 1000000, 0, 2000000, 3, '%s', '%s', %d, '%s', '%s', %s, %s);",
        clip, id, spec.host_id, mp4_key, storage::Sha256Hex(mp4), mp4.size(), jpg_key,
        storage::Sha256Hex(jpg), Ts(spec.ended_at), Ts(spec.ended_at));
  }
  if (spec.thumbnail) {
    const std::string thm = ids::NewId("thm");
    const std::string jpg = RandomBytes(500, rng);
    const std::string key = absl::StrCat(id, "/thumbs/", thm, ".jpg");
    WriteFile(hot_ / key, jpg);
    absl::StrAppendFormat(
        &sql,
        "INSERT INTO thumbnails (id, recording_id, kind, moment_id, media_offset_us, object_key, "
        "sha256, width, height, status, created_at, updated_at) VALUES ('%s', '%s', 'moment', "
        "'%s', 1000000, '%s', '%s', 64, 36, 3, %s, %s);",
        thm, id, ids::NewId("mom"), key, storage::Sha256Hex(jpg), Ts(spec.ended_at),
        Ts(spec.ended_at));
  }
  Exec(sql);
  return id;
}

std::string TierWorld::ClipOf(const std::string& recording_id) {
  return Text("SELECT id FROM clips WHERE recording_id = '" + recording_id +
              "' ORDER BY created_at LIMIT 1");
}

std::string TierWorld::ThumbnailOf(const std::string& recording_id) {
  return Text("SELECT id FROM thumbnails WHERE kind = 'moment' AND recording_id = '" +
              recording_id + "' ORDER BY created_at LIMIT 1");
}

std::string TierWorld::StreamOf(const std::string& recording_id) {
  return Text("SELECT stream_id FROM recordings WHERE id = '" + recording_id + "'");
}

void TierWorld::Exec(const std::string& sql) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  tx.exec(sql);
  tx.commit();
}

int64_t TierWorld::Count(const std::string& sql) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

std::string TierWorld::Text(const std::string& sql) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<std::string>();
}

std::vector<std::string> TierWorld::Audit(const std::string& recording_id) {
  std::vector<std::string> problems;
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  struct Obj {
    std::string key, sha;
    int tier;
  };
  std::vector<Obj> objs;
  for (const auto& r : tx.exec_params(
           "SELECT object_key, sha256, tier FROM segments WHERE recording_id = $1", recording_id)) {
    objs.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>()});
  }
  pqxx::row rec =
      tx.exec_params1("SELECT poster_key, poster_tier FROM recordings WHERE id = $1", recording_id);
  if (!rec[0].as<std::string>().empty()) {
    objs.push_back({rec[0].as<std::string>(), "", rec[1].as<int>()});
  }
  // Clips and thumbnails (a deleted clip's objects must be nowhere: tier 4).
  for (const auto& r : tx.exec_params(
           "SELECT mp4_key, mp4_sha256, CASE WHEN deleted_at IS NULL THEN mp4_tier ELSE 4 END, "
           "  poster_key, poster_sha256, CASE WHEN deleted_at IS NULL THEN poster_tier ELSE 4 END "
           "FROM clips WHERE recording_id = $1 AND status = 3",
           recording_id)) {
    objs.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>()});
    if (!r[4].as<std::string>().empty()) {
      objs.push_back({r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int>()});
    }
  }
  for (const auto& r :
       tx.exec_params("SELECT object_key, sha256, tier FROM thumbnails WHERE recording_id = $1 "
                      "AND kind = 'moment' AND status = 3",
                      recording_id)) {
    objs.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>()});
  }
  for (const Obj& o : objs) {
    for (int t = 1; t <= 3; ++t) {
      auto st = tiers_->Provider(t)->Stat(o.key);
      const bool here = st.ok();
      if (!here && st.status().code() != absl::StatusCode::kNotFound) {
        problems.push_back(absl::StrCat(o.key, ": stat in tier ", t, ": ", st.status().ToString()));
        continue;
      }
      if (t == o.tier && !here) problems.push_back(absl::StrCat(o.key, ": LOST (tier ", t, ")"));
      if (t != o.tier && here) {
        problems.push_back(absl::StrCat(o.key, ": left behind in tier ", t));
      }
      if (t == o.tier && here && !o.sha.empty()) {
        // Read it back and hash it.
        std::filesystem::path tmp = scratch_ / ("audit-" + ids::NewUniqueId("a"));
        absl::Status got = tiers_->Provider(t)->GetToFile(o.key, tmp);
        auto sha = got.ok() ? storage::Sha256OfFile(tmp) : absl::StatusOr<std::string>(got);
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        if (!sha.ok() || *sha != o.sha) {
          problems.push_back(absl::StrCat(o.key, ": checksum wrong in tier ", t));
        }
      }
    }
  }
  return problems;
}

std::vector<std::string> TierWorld::ListEverywhere(const std::string& prefix) {
  std::vector<std::string> out;
  for (int t = 1; t <= 3; ++t) {
    auto all = storage::ListAll(*tiers_->Provider(t), prefix);
    if (!all.ok()) throw std::runtime_error("list: " + all.status().ToString());
    for (const auto& o : *all) out.push_back(absl::StrCat(storage::TierName(t), ":", o.key));
  }
  return out;
}

}  // namespace shopcast::recording_lifecycle::testing
