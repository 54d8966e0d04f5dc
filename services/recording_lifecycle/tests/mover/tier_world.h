#pragma once

// A world for the tiers' tests: a fresh database with recording-lifecycle's schema (and the
// outbox), a hot and a warm folder, the run's s3rver as the cold tier (optionally through an
// endpoint such as a FaultProxy), and helpers that insert READY recordings with real segment
// files (as video-ingest would have written them) and audit where every object is.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "s3_env.h"
#include "shopcast/db/pool.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/tier_set.h"

namespace shopcast::recording_lifecycle::testing {

// The providers of a test world (also used by the crash test's child process).
std::unique_ptr<storage::TierSet> MakeTestTiers(const std::filesystem::path& hot,
                                                const std::filesystem::path& warm,
                                                const std::string& cold_endpoint,
                                                const std::string& bucket,
                                                absl::Duration attempt_timeout = absl::Seconds(20));

// Points SHOPCAST_TEST_S3_ENV at the run's s3rver env file (these tests also need PostgreSQL,
// whose variable the CTest entry sets).
void EnsureS3Env();

struct RecordingSpec {
  int segments = 2;
  int segment_bytes = 2048;
  // RetentionDecision: 2 SAVE.
  int decision = 2;
  // RecordingStatus: 3 READY.
  int status = 3;
  absl::Time ended_at = absl::FromUnixSeconds(1767225600);  // 2026-01-01
  bool poster = true;
  std::string host_id = "usr_host";
  // Sale moments, as offsets from the recording's start (markers kind 'sale').
  std::vector<absl::Duration> sales;
  bool legal_hold = false;
  // A READY clip (rec_<id>/clips/clp_….mp4 and .jpg) and a READY moment thumbnail
  // (rec_<id>/thumbs/thm_….jpg) in the hot tier, with their rows, as the clip worker leaves them.
  bool clip = false;
  bool thumbnail = false;
};

class TierWorld {
 public:
  // `cold_endpoint` empty = the run's s3rver directly.
  explicit TierWorld(const std::string& cold_endpoint = "");
  ~TierWorld();

  db::Pool& pool() { return *pool_; }
  storage::TierSet& tiers() { return *tiers_; }
  const std::string& dsn() const { return db_.dsn(); }
  const std::filesystem::path& hot() const { return hot_; }
  const std::filesystem::path& warm() const { return warm_; }
  const std::filesystem::path& scratch() const { return scratch_; }
  const S3TestServer& s3() const { return s3_; }

  // A READY recording with real segment files in the hot tier (segments of 2 s each);
  // returns its id.
  std::string AddRecording(const RecordingSpec& spec = {});
  std::string StreamOf(const std::string& recording_id);
  // The recording's clip / moment thumbnail id (AddRecording with spec.clip / .thumbnail).
  std::string ClipOf(const std::string& recording_id);
  std::string ThumbnailOf(const std::string& recording_id);

  void Exec(const std::string& sql);
  int64_t Count(const std::string& sql);
  std::string Text(const std::string& sql);

  // Problems with where `recording_id`'s objects are: each segment (and the poster, each clip's
  // MP4 and poster, each moment thumbnail) must be in exactly its pointer tier (segments.tier,
  // recordings.poster_tier, clips.mp4_tier/poster_tier, thumbnails.tier) with its recorded
  // SHA-256 and in no other tier; EXPIRED objects and deleted clips' in none. Empty = all well.
  std::vector<std::string> Audit(const std::string& recording_id);
  // Every object under a prefix in every tier ("tier:key").
  std::vector<std::string> ListEverywhere(const std::string& prefix);

 private:
  shopcast::testing::TestDatabase db_;
  shopcast::testing::TempDir dir_;
  std::filesystem::path hot_, warm_, scratch_;
  S3TestServer s3_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<storage::TierSet> tiers_;
};

}  // namespace shopcast::recording_lifecycle::testing
