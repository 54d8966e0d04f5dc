#pragma once

// The HLS playlists of one live stream: a sliding-window media playlist and a one-variant master
// playlist. It outlives one encoder session, so a reconnect continues the same media sequence
// after an EXT-X-DISCONTINUITY. Pure C++ (no GStreamer). Thread-safe: one session appends at a
// time, but the runtime may end the playlist (EndStream, grace expiry) while a session that is
// being replaced still flushes.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/date_ranges.h"
#include "media/playlist_progress.h"
#include "publish/segment.h"

namespace shopcast::video_ingest::media {

class LivePlaylist {
 public:
  struct Options {
    std::filesystem::path stream_dir;  // Where the playlists (and the segments) live.
    absl::Duration target_duration;    // The packager's target (see target_duration_s()).
    int window = 6;                    // Segments listed in the media playlist.
    std::string media_playlist_name = "live.m3u8";
    std::string master_playlist_name = "index.m3u8";
    // Called after each successful write of the media playlist, with the playlist's lock held
    // (so calls are in order): the HLS origin wakes the blocking reloads it satisfies. It must
    // only record and post, never block or call back into this object.
    std::function<void(const PlaylistProgress&)> on_written;
  };

  // Resumes at `next_sequence` after `media_offset` of earlier media (0 and zero for a new
  // stream; after a restart, the values recorded for the stream's last segment).
  LivePlaylist(Options options, int64_t next_sequence, absl::Duration media_offset);

  // The sequence number the next appended segment must carry.
  int64_t next_sequence() const ABSL_LOCKS_EXCLUDED(mu_);
  // The total duration of all segments appended so far (including before a resume).
  absl::Duration media_offset() const ABSL_LOCKS_EXCLUDED(mu_);

  // When the last appended segment ends in wall-clock terms (its date time plus its duration),
  // or nullopt before the first Append of this object.
  std::optional<absl::Time> end_program_date_time() const ABSL_LOCKS_EXCLUDED(mu_);

  // Marks the next appended segment with EXT-X-DISCONTINUITY (a new encoder session).
  void MarkDiscontinuity() ABSL_LOCKS_EXCLUDED(mu_);

  // Adds `segment` (sequence must equal next_sequence(); it is marked as a discontinuity if
  // MarkDiscontinuity() was called or segment.discontinuity is set) and atomically rewrites both
  // playlists. A write error is returned (STORAGE_FAILURE) but the segment stays appended, so the
  // next successful write is complete again.
  absl::Status Append(const SegmentInfo& segment, const MediaInfo& media) ABSL_LOCKS_EXCLUDED(mu_);

  // EXT-X-TARGETDURATION. RFC 8216 forbids changing it, so it is chosen once, when the first
  // segment is appended (nothing is published before): the configured target's ceiling, or the
  // first segment's EXTINF rounded to the nearest second if that is longer (an encoder whose
  // keyframe interval is longer than the target makes every segment one GOP long). It then stays
  // for the life of this object, across reconnects.
  int64_t target_duration_s() const ABSL_LOCKS_EXCLUDED(mu_);

  // Segments appended whose rounded EXTINF exceeds the target duration (a reconnecting encoder
  // with a longer keyframe interval than the first one). They are listed anyway: dropping media
  // is worse for viewers than a long segment, which players tolerate; the tag still stays.
  int64_t segments_over_target() const ABSL_LOCKS_EXCLUDED(mu_);

  // Live timed metadata (date_ranges.h): keeps `range` and, once the playlist lists a segment
  // (a DATERANGE needs a program date time beside it), rewrites the media playlist at once, so
  // players see it without waiting for the next segment. True if written now; false if it was
  // already held (by id) or waits for the first segment. INVALID_ARGUMENT as ValidateDateRange
  // says; FAILED_PRECONDITION PLAYLIST_ENDED once ended; a write error as Append's.
  absl::StatusOr<bool> AddDateRange(DateRange range) ABSL_LOCKS_EXCLUDED(mu_);

  // Rewrites the media playlist with EXT-X-ENDLIST: the stream is over; Append fails afterwards.
  absl::Status End() ABSL_LOCKS_EXCLUDED(mu_);

  // The text of the media / master playlist as it would be written now.
  std::string MediaPlaylistText() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string MasterPlaylistText() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    int64_t sequence = 0;
    absl::Time program_date_time;
    int64_t duration_ms = 0;
    std::string uri;
    bool discontinuity = false;
  };

  // Writes the media playlist and, when that worked, tells options_.on_written.
  absl::Status WriteMediaPlaylist() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string MediaText() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string MasterText() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Options options_;  // Const after construction.
  mutable absl::Mutex mu_;
  int64_t next_sequence_ ABSL_GUARDED_BY(mu_);
  absl::Duration media_offset_ ABSL_GUARDED_BY(mu_);
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Discontinuities that slid out of the window.
  int64_t discontinuity_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  // Fixed by the first Append (target_fixed_); players rely on it staying put.
  int64_t target_duration_s_ ABSL_GUARDED_BY(mu_);
  bool target_fixed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t segments_over_target_ ABSL_GUARDED_BY(mu_) = 0;
  bool pending_discontinuity_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Time> end_program_date_time_ ABSL_GUARDED_BY(mu_);
  DateRangeSet date_ranges_ ABSL_GUARDED_BY(mu_);

  // For the master playlist.
  MediaInfo media_ ABSL_GUARDED_BY(mu_);
  double peak_bps_ ABSL_GUARDED_BY(mu_) = 0;
  double total_bits_ ABSL_GUARDED_BY(mu_) = 0;
  double total_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::video_ingest::media
