#pragma once

// Where live segments are cut: at the reference track's first sync point (a video keyframe, or
// any AAC frame when there is no video) at or after the open segment's start plus the target
// duration. A segment is thus closed the moment that sync point arrives, whatever the keyframe
// interval: with a 10 s GOP and a 2 s target every segment is one 10 s GOP, published as soon as
// the next keyframe is seen (splitmuxsink, used before, waited for the whole next GOP before
// closing a segment, so a 10 s GOP published its first segment after 20 s). Pure; unit-tested.

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

class SegmentCutter {
 public:
  explicit SegmentCutter(absl::Duration target);

  // One buffer of the reference track, in decode order, with its presentation time. The first
  // buffer opens the first segment. True when this buffer must start a new segment.
  bool Cut(int64_t pts_ns, bool sync_point);

  // The open segment's start, once the first buffer was seen.
  std::optional<int64_t> segment_start_ns() const { return start_ns_; }

 private:
  const int64_t target_ns_;
  std::optional<int64_t> start_ns_;
};

}  // namespace shopcast::video_ingest::media
