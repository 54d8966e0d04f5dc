#pragma once

// Follows a session's parsed buffers (normalised times, decode order) to say where segments
// start and end: the reference track is video, or audio once the session turns out audio-only;
// a new segment starts at the reference track's first sync point at or after the target
// (segment_cutter.h); with Low-Latency HLS, parts are cut on the same buffers (part_cutter.h);
// the media ends at the reference track's latest presentation time plus its frame duration.
// Pure: no GStreamer, unit-tested.

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "media/part_cutter.h"
#include "media/segment_cutter.h"
#include "media/tracks.h"

namespace shopcast::video_ingest::media {

class FragmentTracker {
 public:
  // `part_target` zero: no partial segments.
  explicit FragmentTracker(absl::Duration target, absl::Duration part_target = absl::ZeroDuration())
      : cutter_(target) {
    if (part_target > absl::ZeroDuration()) parts_.emplace(part_target);
  }

  // What one buffer starts: a new segment (at this media time) and/or a new part. A segment
  // cut always comes with a part boundary at the same time when parts are on.
  struct Cuts {
    std::optional<int64_t> segment;
    std::optional<PartCutter::Boundary> part;
  };

  // One parsed buffer of `track`. `sync_point` is false for video frames that need earlier
  // ones to decode (every AAC frame is a sync point); `dts` its decode time when it has one.
  Cuts ObserveCuts(int track, std::optional<int64_t> pts, std::optional<int64_t> dts,
                   std::optional<int64_t> duration, bool sync_point);

  // The same without parts: the cut's media time when this buffer must start a new segment.
  std::optional<int64_t> Observe(int track, std::optional<int64_t> pts,
                                 std::optional<int64_t> duration, bool sync_point) {
    return ObserveCuts(track, pts, std::nullopt, duration, sync_point).segment;
  }

  // The session has no video: audio becomes the reference from its first buffer on.
  void SetAudioOnly();
  bool audio_only() const { return audio_only_; }

  // Where the first segment starts: the reference track's first presentation time (0 before).
  int64_t first_start_ns() const;
  // The end of the reference track's media so far.
  int64_t end_ns() const { return end_ns_; }
  // How many cuts were made (numbering the muxer's key-unit requests).
  uint32_t cuts() const { return cuts_; }

 private:
  SegmentCutter cutter_;
  std::optional<PartCutter> parts_;
  bool audio_only_ = false;
  std::optional<int64_t> first_pts_[kTrackCount];
  int64_t end_ns_ = 0;
  int64_t last_video_pts_ = -1;
  int64_t last_video_step_ = 0;  // Frame interval, for video buffers without a duration.
  uint32_t cuts_ = 0;
};

}  // namespace shopcast::video_ingest::media
