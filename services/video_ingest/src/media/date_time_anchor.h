#pragma once

// Program date times of a session's segments: the wall clock when the session's first buffer
// left the parsers, plus the segment's media distance from that buffer, so consecutive date
// times differ by exactly the earlier segment's EXTINF and a slow disk or a busy thread never
// shifts them. Pure: the wall clock readings are passed in; unit-tested.

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

class DateTimeAnchor {
 public:
  // A parsed buffer at media time `media_ns` left the parsers at `wall`; only the first counts.
  void Observe(absl::Time wall, int64_t media_ns);

  // The date time of a segment starting at media time `start_ns`. `now` anchors a session whose
  // buffers had no times. For the session's first segment, `previous_end` is where the
  // playlist's previous session ended: an encoder that reconnects with a burst of buffered media
  // (faster than real time) would otherwise start before it, and date times must never go back,
  // so this session's clock moves forward, once, by the overlap.
  absl::Time SegmentStart(int64_t start_ns, bool first_of_session,
                          std::optional<absl::Time> previous_end, absl::Time now);

 private:
  std::optional<absl::Time> wall_;
  int64_t media_ns_ = 0;
};

}  // namespace shopcast::video_ingest::media
