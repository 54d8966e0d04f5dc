#include "media/date_time_anchor.h"

namespace shopcast::video_ingest::media {

void DateTimeAnchor::Observe(absl::Time wall, int64_t media_ns) {
  if (wall_) return;
  wall_ = wall;
  media_ns_ = media_ns;
}

absl::Time DateTimeAnchor::SegmentStart(int64_t start_ns, bool first_of_session,
                                        std::optional<absl::Time> previous_end, absl::Time now) {
  if (!wall_) Observe(now, start_ns);
  absl::Time start = *wall_ + absl::Nanoseconds(start_ns - media_ns_);
  if (first_of_session && previous_end && start < *previous_end) {
    *wall_ += *previous_end - start;
    start = *previous_end;
  }
  return start;
}

}  // namespace shopcast::video_ingest::media
