#pragma once

// The clips and thumbnails tables (V020) and what they read of recordings, segments and
// markers (V001, V002), on PostgreSQL. Plain rows in and out; errors are absl::Status from
// db::MapDbException. Times travel as microseconds since the epoch.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::clips {

// The provider that holds a tier's objects (rl-tiers owns the set); null when none is
// configured.
using ProviderLookup = std::function<storage::StorageProvider*(v1::StorageTier tier)>;

// recording_lifecycle.v1 enum numbers, as stored.
inline constexpr int kRecordingRecording = 1;
inline constexpr int kRecordingProcessing = 2;
inline constexpr int kRecordingReady = 3;
inline constexpr int kRecordingDeleting = 4;
inline constexpr int kRecordingDeleted = 5;
inline constexpr int kDecisionUndecided = 1;
inline constexpr int kDecisionSave = 2;
inline constexpr int kDecisionDelete = 3;
inline constexpr int kTierHot = 1;
inline constexpr int kTierExpired = 4;
inline constexpr int kJobPending = 1;
inline constexpr int kJobProcessing = 2;
inline constexpr int kJobReady = 3;
inline constexpr int kJobFailed = 4;

struct RecordingRow {
  std::string id;
  std::string stream_id;
  std::string host_id;
  std::string title;
  int status = 0;
  int decision = 0;
  int tier = 0;
  int64_t duration_us = 0;
  std::string poster_key;
  std::string primary_thumbnail_id;  // '' = none chosen.
  int64_t version = 0;
};

struct MomentRow {
  std::string id;
  std::string recording_id;  // '' while unplaced.
  std::string kind;
  std::string product_title;
  std::optional<int64_t> media_offset_us;
  bool cancelled = false;
};

struct SegmentRow {
  int64_t sequence = 0;
  int64_t media_offset_us = 0;
  int64_t duration_us = 0;
  bool discontinuity = false;
  int tier = 0;
  std::string object_key;
  std::string sha256;
};

struct ClipRow {
  std::string id;
  std::string recording_id;
  std::string creator_id;
  std::string title;
  int64_t requested_start_us = 0;
  int64_t requested_duration_us = 0;
  std::optional<int64_t> start_us;
  std::optional<int64_t> duration_us;
  std::string moment_id;
  bool automatic = false;
  int status = 0;
  std::string failure_reason;
  std::string idempotency_key;
  std::string mp4_key;
  std::string mp4_sha256;
  int64_t mp4_bytes = 0;
  std::string poster_key;
  std::string poster_sha256;
  int attempts = 0;
  int64_t created_us = 0;
  bool deleted = false;
  // Where the MP4 is now (V030; the mover carries clips with their recording); 4 = gone.
  int mp4_tier = kTierHot;
};

struct ThumbnailRow {
  std::string id;
  std::string recording_id;
  std::string kind;
  std::string moment_id;
  int64_t media_offset_us = 0;
  std::string object_key;
  std::string sha256;
  int width = 0;
  int height = 0;
  int status = 0;
  std::string failure_reason;
  int attempts = 0;
};

// What CreateClip inserts (ids and keys made by the caller).
struct NewClip {
  ClipRow row;
  // Host-made clips per recording (not deleted, not automatic) at most; 0 = no limit.
  int limit = 0;
};

struct CreatedClip {
  ClipRow clip;
  bool existed = false;  // The (creator, key) pair was taken: this is that clip.
};

class ClipStore {
 public:
  explicit ClipStore(db::Pool& pool) : pool_(pool) {}

  absl::StatusOr<std::optional<RecordingRow>> GetRecording(const std::string& id);
  absl::StatusOr<std::optional<MomentRow>> GetMoment(const std::string& id);
  absl::StatusOr<std::vector<SegmentRow>> Segments(const std::string& recording_id);

  // Inserts the clip under the recording's row lock (so the limit holds under concurrency),
  // unless (creator, idempotency_key) exists: then that clip. RESOURCE_EXHAUSTED/TOO_MANY_CLIPS
  // past the limit.
  absl::StatusOr<CreatedClip> CreateClip(const NewClip& clip, int64_t now_us);
  // Deleted clips too (deleted = true).
  absl::StatusOr<std::optional<ClipRow>> GetClip(const std::string& id);
  // Newest first, after (before_created_us, before_id) when given; not deleted.
  absl::StatusOr<std::vector<ClipRow>> ListClips(const std::string& recording_id,
                                                 std::optional<int64_t> before_created_us,
                                                 const std::string& before_id, int limit);
  // Marks it deleted (idempotent); the row as it was before (nullopt: no such clip).
  absl::StatusOr<std::optional<ClipRow>> DeleteClip(const std::string& id, int64_t now_us);

  // Jobs. Claim takes the oldest due PENDING job (or a PROCESSING one whose lease lapsed),
  // leasing it to `owner` until lease_until_us; attempts counts claims and fences the finish.
  absl::StatusOr<std::optional<ClipRow>> ClaimClip(const std::string& owner, int64_t now_us,
                                                   int64_t lease_until_us);
  // READY with what was cut; false when the lease was lost or the clip was deleted meanwhile.
  absl::StatusOr<bool> FinishClip(const ClipRow& claimed, const std::string& owner,
                                  int64_t start_us, int64_t duration_us,
                                  const std::string& mp4_sha256, int64_t mp4_bytes,
                                  const std::string& poster_key, const std::string& poster_sha256,
                                  int64_t now_us);
  // FAILED (final) or PENDING again not before retry_at_us, with the reason; false if the lease
  // was lost.
  absl::StatusOr<bool> FailClip(const ClipRow& claimed, const std::string& owner,
                                const std::string& reason, bool final, int64_t retry_at_us,
                                int64_t now_us);

  // Sale moments of SAVED, READY recordings (not expired) placed, not cancelled and without an
  // automatic clip yet (at most `limit`), with their recording.
  struct AutoCandidate {
    MomentRow moment;
    RecordingRow recording;
  };
  absl::StatusOr<std::vector<AutoCandidate>> AutoClipCandidates(int limit);
  // Inserts an automatic clip unless the moment has one (false then).
  absl::StatusOr<bool> InsertAutomaticClip(const ClipRow& row, int64_t now_us);

  // Thumbnails.
  // READY recordings (not deleted or expired) with a poster and no poster thumbnail.
  absl::StatusOr<std::vector<RecordingRow>> PosterCandidates(int limit);
  // READY recordings' placed, not cancelled sale moments without a thumbnail.
  absl::StatusOr<std::vector<AutoCandidate>> MomentThumbnailCandidates(int limit);
  // Inserts unless the recording's poster / the moment already has one (false then).
  absl::StatusOr<bool> InsertThumbnail(const ThumbnailRow& row, int64_t now_us);
  absl::StatusOr<std::optional<ThumbnailRow>> ClaimThumbnail(const std::string& owner,
                                                             int64_t now_us,
                                                             int64_t lease_until_us);
  absl::StatusOr<bool> FinishThumbnail(const ThumbnailRow& claimed, const std::string& owner,
                                       const std::string& object_key, const std::string& sha256,
                                       int width, int height, int64_t media_offset_us,
                                       int64_t now_us);
  absl::StatusOr<bool> FailThumbnail(const ThumbnailRow& claimed, const std::string& owner,
                                     const std::string& reason, bool final, int64_t retry_at_us,
                                     int64_t now_us);
  absl::StatusOr<std::optional<ThumbnailRow>> GetThumbnail(const std::string& id);
  // READY ones by media offset, after (after_offset_us, after_id) when given.
  absl::StatusOr<std::vector<ThumbnailRow>> ListThumbnails(const std::string& recording_id,
                                                           std::optional<int64_t> after_offset_us,
                                                           const std::string& after_id, int limit);
  // recordings.primary_thumbnail_id = thumbnail_id.
  absl::Status SetPrimaryThumbnail(const std::string& recording_id, const std::string& thumbnail_id,
                                   int64_t now_us);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::recording_lifecycle::clips
