#include "media/part_cutter.h"

namespace shopcast::video_ingest::media {
PartCutter::PartCutter(absl::Duration part_target)
    : target_ns_(absl::ToInt64Nanoseconds(part_target)) {}

std::optional<PartCutter::Boundary> PartCutter::Observe(int64_t pts_ns,
                                                        std::optional<int64_t> dts_ns,
                                                        bool sync_point, bool segment_cut) {
  const int64_t dts = dts_ns.value_or(pts_ns);
  if (started_ && dts > last_dts_) step_ = dts - last_dts_;
  const bool first = !started_;
  started_ = true;
  last_dts_ = dts;
  if (first || segment_cut) {
    part_start_dts_ = dts;
    offset_ = pts_ns - dts;
    last_at_ = pts_ns;
    if (first) return std::nullopt;
    return Boundary{.at_ns = pts_ns, .independent = true};
  }
  // This buffer would take the open part beyond the target: it starts the next one. A part
  // holds at least one buffer, so a gap in the media cannot make empty parts.
  if (dts <= part_start_dts_ || dts + step_ - part_start_dts_ <= target_ns_) {
    return std::nullopt;
  }
  const int64_t at = dts + offset_;
  if (at <= last_at_) return std::nullopt;  // Times that went back: keep the part open.
  part_start_dts_ = dts;
  last_at_ = at;
  return Boundary{.at_ns = at, .independent = sync_point};
}

}  // namespace shopcast::video_ingest::media
