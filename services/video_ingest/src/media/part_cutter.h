#pragma once

// Where partial segments (Low-Latency HLS) are cut, by media time: a part ends before the
// reference track's first buffer that would take it beyond the part target, so no part is
// longer than the target (RFC 8216bis: a part's duration MUST NOT exceed PART-TARGET) and,
// with a steady frame rate, every part but a segment's last is within one frame of it. A
// segment cut (segment_cutter.h, taken first) always starts a part too, so a segment is a
// whole number of parts and its last part ends at the keyframe that ends it. Parts do not wait
// for keyframes: a 10 s GOP still gets a part every part target (those parts are not
// independent); a part that starts on a sync point is independent (every AAC frame is one).
//
// Timing follows decode order: with B-frames presentation times go back and forth, decode
// times do not. A boundary is placed on the presentation timeline of the segment cuts by the
// decode-to-presentation offset of the segment's opening keyframe, so a segment's first part
// starts exactly where the segment starts. Pure; unit-tested.

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

class PartCutter {
 public:
  explicit PartCutter(absl::Duration part_target);

  struct Boundary {
    int64_t at_ns = 0;  // Where the new part starts (the previous one ends), presentation time.
    bool independent = false;
  };

  // One buffer of the reference track, in decode order: its presentation time, its decode time
  // (nullopt: the presentation time), whether it is a sync point, and whether it starts a new
  // segment. The boundary when this buffer starts a new part; the first buffer opens the first
  // part without one.
  std::optional<Boundary> Observe(int64_t pts_ns, std::optional<int64_t> dts_ns, bool sync_point,
                                  bool segment_cut);

 private:
  const int64_t target_ns_;
  bool started_ = false;
  int64_t part_start_dts_ = 0;  // Decode time of the open part's first buffer.
  int64_t last_dts_ = 0;
  int64_t step_ = 0;     // The reference track's usual decode-time step.
  int64_t offset_ = 0;   // Presentation minus decode time of the segment's keyframe.
  int64_t last_at_ = 0;  // The open part's start, presentation time.
};

}  // namespace shopcast::video_ingest::media
