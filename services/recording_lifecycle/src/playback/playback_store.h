#pragma once

// Playback's reads of the recording-lifecycle database (recordings, segments, markers as
// V001/V002 define them) and its one write, the view counter.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "playback/vod_playlist.h"
#include "shopcast/db/pool.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"

namespace shopcast::recording_lifecycle::playback {

struct RecordingRow {
  std::string id;
  std::string host_id;
  v1::RecordingStatus status = v1::RECORDING_STATUS_UNSPECIFIED;
  v1::RetentionDecision decision = v1::RETENTION_DECISION_UNSPECIFIED;
  v1::StorageTier tier = v1::STORAGE_TIER_UNSPECIFIED;
  int64_t duration_us = 0;
  std::string poster_key;
  // Its stream was gated (paid access, V040): playing it needs the host, an admin or a pass.
  bool gated = false;
};

struct SegmentRow {
  PlaylistSegment segment;
  v1::StorageTier tier = v1::STORAGE_TIER_UNSPECIFIED;
  std::string object_key;
  int64_t size_bytes = 0;
  std::string sha256;
};

struct MomentRow {
  std::optional<int64_t> media_offset_us;  // nullopt: not placed yet
  bool cancelled = false;
};

class PlaybackStore {
 public:
  explicit PlaybackStore(db::Pool& pool) : pool_(pool) {}

  // nullopt when there is no such recording.
  absl::StatusOr<std::optional<RecordingRow>> Recording(const std::string& id);
  // Whether `viewer_id` holds an unrevoked access pass for the recording's stream.
  absl::StatusOr<bool> HoldsPass(const std::string& recording_id, const std::string& viewer_id);
  absl::StatusOr<std::vector<SegmentRow>> Segments(const std::string& recording_id);
  absl::StatusOr<std::optional<SegmentRow>> Segment(const std::string& recording_id,
                                                    int64_t sequence);
  absl::StatusOr<std::vector<PlaylistMarker>> Markers(const std::string& recording_id);
  // A sale marker of this recording; nullopt when there is none.
  absl::StatusOr<std::optional<MomentRow>> Moment(const std::string& moment_id,
                                                  const std::string& recording_id);
  // view_count + 1, last_played_at = now.
  absl::Status CountView(const std::string& recording_id);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::recording_lifecycle::playback
