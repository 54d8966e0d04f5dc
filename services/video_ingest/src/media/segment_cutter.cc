#include "media/segment_cutter.h"

namespace shopcast::video_ingest::media {

SegmentCutter::SegmentCutter(absl::Duration target)
    : target_ns_(absl::ToInt64Nanoseconds(target)) {}

bool SegmentCutter::Cut(int64_t pts_ns, bool sync_point) {
  if (!start_ns_) {
    start_ns_ = pts_ns;
    return false;
  }
  if (!sync_point || pts_ns - *start_ns_ < target_ns_) return false;
  start_ns_ = pts_ns;
  return true;
}

}  // namespace shopcast::video_ingest::media
