#include "media/fragment_tracker.h"

#include <algorithm>

namespace shopcast::video_ingest::media {

FragmentTracker::Cuts FragmentTracker::ObserveCuts(int track, std::optional<int64_t> pts,
                                                   std::optional<int64_t> dts,
                                                   std::optional<int64_t> duration,
                                                   bool sync_point) {
  if (track < 0 || track >= kTrackCount || !pts) return {};
  if (!first_pts_[track]) first_pts_[track] = *pts;
  const bool video = track == kVideoTrack;
  if (video) {
    if (last_video_pts_ >= 0 && *pts > last_video_pts_) last_video_step_ = *pts - last_video_pts_;
    last_video_pts_ = *pts;
  }
  const bool reference = audio_only_ ? track == kAudioTrack : video;
  if (!reference) return {};
  const int64_t length = duration && *duration > 0 ? *duration : video ? last_video_step_ : 0;
  end_ns_ = std::max(end_ns_, *pts + length);
  const bool sync = video ? sync_point : true;
  Cuts cuts;
  if (cutter_.Cut(*pts, sync)) {
    ++cuts_;
    cuts.segment = *pts;
  }
  if (parts_) cuts.part = parts_->Observe(*pts, dts, sync, cuts.segment.has_value());
  return cuts;
}

void FragmentTracker::SetAudioOnly() {
  if (audio_only_) return;
  audio_only_ = true;
  // Audio that came before the decision opens the first segment.
  if (first_pts_[kAudioTrack] && !cutter_.segment_start_ns()) {
    cutter_.Cut(*first_pts_[kAudioTrack], true);
    if (parts_) parts_->Observe(*first_pts_[kAudioTrack], std::nullopt, true, false);
  }
}

int64_t FragmentTracker::first_start_ns() const {
  return first_pts_[audio_only_ ? kAudioTrack : kVideoTrack].value_or(0);
}

}  // namespace shopcast::video_ingest::media
