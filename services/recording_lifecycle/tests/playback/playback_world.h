#pragma once

// A recording-lifecycle database of its own (V001/V002 applied) with playback on top, and
// helpers that insert recordings, segments and markers as rl-core will.

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "absl/time/clock.h"
#include "playback/playback.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/pg.h"

namespace shopcast::db::embedded {
const MigrationSet& recording_lifecycleMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::recording_lifecycle::playback::testing {

struct RecordingSpec {
  std::string id = ids::NewId("rec");
  std::string stream_id = ids::NewId("str");
  std::string host_id = ids::NewId("usr");
  v1::RecordingStatus status = v1::RECORDING_STATUS_READY;
  v1::RetentionDecision decision = v1::RETENTION_DECISION_SAVE;
  v1::StorageTier tier = v1::STORAGE_TIER_HOT;
  std::string poster_key;
};

struct SegmentSpec {
  int64_t sequence = 0;
  absl::Time pdt;
  int64_t duration_us = 2000000;
  int64_t media_offset_us = 0;
  int64_t size_bytes = 1;
  std::string sha256 = std::string(64, 'a');
  std::string object_key;
  bool discontinuity = false;
  v1::StorageTier tier = v1::STORAGE_TIER_HOT;
};

struct MarkerSpec {
  std::string id = ids::NewId("mom");
  std::string kind = "sale";
  std::optional<int64_t> media_offset_us;
  std::string product_id = "prd_1";
  std::string order_id = "ord_1";
  std::string product_title = "Scarf";
  int64_t amount_minor = 1250;
  std::string currency = "EUR";
  bool cancelled = false;
};

class PlaybackWorld {
 public:
  explicit PlaybackWorld(TierProviders providers = nullptr, PlaybackOptions options = {})
      : db_(shopcast::testing::TestDatabase::Create()) {
    REQUIRE(db::ApplyMigrations(db_.dsn(), {&db::embedded::recording_lifecycleMigrations()}).ok());
    db::PoolOptions po;
    po.dsn = db_.dsn();
    po.size = 4;
    pool_ = *db::Pool::Create(po);
    store_ = std::make_unique<PlaybackStore>(*pool_);
    playback_ = std::make_unique<Playback>(*store_, codec_, std::move(providers), options);
  }

  void Exec(const std::string& sql) {
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    tx.exec0(sql);
    tx.commit();
  }
  template <typename... Args>
  pqxx::result Query(const std::string& sql, Args&&... args) {
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    pqxx::result r = tx.exec_params(sql, std::forward<Args>(args)...);
    tx.commit();
    return r;
  }

  // The recording with `segments` (durations summed into duration_us, segment_count).
  void InsertRecording(const RecordingSpec& rec, const std::vector<SegmentSpec>& segments) {
    int64_t total = 0;
    for (const auto& s : segments) total += s.duration_us;
    Query(
        "INSERT INTO recordings (id, stream_id, host_id, title, status, decision, tier, "
        "started_at, duration_us, segment_count, poster_key, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'Live', $4, $5, $6, now(), $7, $8, $9, now(), now())",
        rec.id, rec.stream_id, rec.host_id, static_cast<int>(rec.status),
        static_cast<int>(rec.decision), static_cast<int>(rec.tier), total,
        static_cast<int64_t>(segments.size()), rec.poster_key);
    for (const auto& s : segments) {
      Query(
          "INSERT INTO segments (recording_id, sequence, session_id, program_date_time, "
          "duration_us, media_offset_us, size_bytes, sha256, object_key, discontinuity, tier, "
          "created_at) VALUES ($1, $2, 'ses_1', to_timestamp($3::double precision / 1000000), "
          "$4, $5, $6, $7, $8, $9, $10, now())",
          rec.id, s.sequence, absl::ToUnixMicros(s.pdt), s.duration_us, s.media_offset_us,
          s.size_bytes, s.sha256,
          s.object_key.empty() ? rec.stream_id + "/" + std::to_string(s.sequence) + ".ts"
                               : s.object_key,
          s.discontinuity, static_cast<int>(s.tier));
    }
  }

  void InsertMarker(const std::string& recording_id, const std::string& stream_id,
                    const MarkerSpec& m) {
    Query(
        "INSERT INTO markers (id, event_id, stream_id, recording_id, kind, occurred_at, "
        "media_offset_us, order_id, product_id, product_title, amount_minor, currency, "
        "quantity, cancelled, created_at) VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, "
        "$10, $11, 1, $12, now())",
        m.id, ids::NewId("evt"), stream_id, recording_id, m.kind, m.media_offset_us, m.order_id,
        m.product_id, m.product_title, m.amount_minor, m.currency, m.cancelled);
  }

  // `n` back-to-back 2 s segments from `start`.
  static std::vector<SegmentSpec> Segments(int n,
                                           absl::Time start = absl::FromUnixSeconds(1796000000)) {
    std::vector<SegmentSpec> out;
    for (int i = 0; i < n; ++i) {
      SegmentSpec s;
      s.sequence = i;
      s.pdt = start + absl::Seconds(2 * i);
      s.media_offset_us = 2000000LL * i;
      out.push_back(s);
    }
    return out;
  }

  const std::string& dsn() const { return db_.dsn(); }
  Playback& playback() { return *playback_; }
  PlaybackStore& store() { return *store_; }
  const VodTokenCodec& codec() const { return codec_; }

 private:
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<PlaybackStore> store_;
  VodTokenCodec codec_ = VodTokenCodec::WithRandomKey();
  std::unique_ptr<Playback> playback_;
};

}  // namespace shopcast::recording_lifecycle::playback::testing
