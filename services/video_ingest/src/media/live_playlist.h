#pragma once

// The HLS playlists of one live stream: a sliding-window media playlist and a one-variant master
// playlist. It outlives one encoder session, so a reconnect continues the same media sequence
// after an EXT-X-DISCONTINUITY. Pure C++ (no GStreamer). Not thread-safe: one session appends at
// a time.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "publish/segment.h"

namespace shopcast::video_ingest::media {

class LivePlaylist {
 public:
  struct Options {
    std::filesystem::path stream_dir;  // Where the playlists (and the segments) live.
    absl::Duration target_duration;    // The packager's target; the tag starts at its ceiling.
    int window = 6;                    // Segments listed in the media playlist.
    std::string media_playlist_name = "live.m3u8";
    std::string master_playlist_name = "index.m3u8";
  };

  // Resumes at `next_sequence` after `media_offset` of earlier media (0 and zero for a new
  // stream; after a restart, the values recorded for the stream's last segment).
  LivePlaylist(Options options, int64_t next_sequence, absl::Duration media_offset);

  // The sequence number the next appended segment must carry.
  int64_t next_sequence() const { return next_sequence_; }
  // The total duration of all segments appended so far (including before a resume).
  absl::Duration media_offset() const { return media_offset_; }

  // When the last appended segment ends in wall-clock terms (its date time plus its duration),
  // or nullopt before the first Append of this object.
  std::optional<absl::Time> end_program_date_time() const { return end_program_date_time_; }

  // Marks the next appended segment with EXT-X-DISCONTINUITY (a new encoder session).
  void MarkDiscontinuity() { pending_discontinuity_ = true; }

  // Adds `segment` (sequence must equal next_sequence(); it is marked as a discontinuity if
  // MarkDiscontinuity() was called or segment.discontinuity is set) and atomically rewrites both
  // playlists. A write error is returned (STORAGE_FAILURE) but the segment stays appended, so the
  // next successful write is complete again.
  absl::Status Append(const SegmentInfo& segment, const MediaInfo& media);

  // Rewrites the media playlist with EXT-X-ENDLIST: the stream is over; Append fails afterwards.
  absl::Status End();

  // The text of the media / master playlist as it would be written now.
  std::string MediaPlaylistText() const;
  std::string MasterPlaylistText() const;

 private:
  struct Entry {
    int64_t sequence = 0;
    absl::Time program_date_time;
    int64_t duration_ms = 0;
    std::string uri;
    bool discontinuity = false;
  };

  absl::Status WriteMediaPlaylist() const;

  Options options_;
  int64_t next_sequence_;
  absl::Duration media_offset_;
  std::deque<Entry> entries_;
  int64_t discontinuity_sequence_ = 0;  // Discontinuities that slid out of the window.
  int64_t target_duration_s_;           // Only ever grows: players rely on it staying put.
  bool pending_discontinuity_ = false;
  bool ended_ = false;
  std::optional<absl::Time> end_program_date_time_;

  // For the master playlist.
  MediaInfo media_;
  double peak_bps_ = 0;
  double total_bits_ = 0;
  double total_seconds_ = 0;
};

}  // namespace shopcast::video_ingest::media
