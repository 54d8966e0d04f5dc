#include "media/timestamp_normalizer.h"

#include <algorithm>

namespace shopcast::video_ingest::media {
namespace {

// Used as a track's frame interval until it has shown one (one frame at 25 fps).
constexpr int64_t kDefaultIntervalNs = 40'000'000;

}  // namespace

TimestampNormalizer::TimestampNormalizer(int track_count)
    : tracks_(static_cast<size_t>(std::max(track_count, 1))) {}

bool TimestampNormalizer::Plausible(int64_t step) {
  return step >= -kMaxBackwardStepNs && step <= kMaxForwardStepNs;
}

TimestampNormalizer::Times TimestampNormalizer::Normalize(int track_index, const Times& in) {
  if (track_index < 0 || static_cast<size_t>(track_index) >= tracks_.size()) return in;
  Track& track = tracks_[static_cast<size_t>(track_index)];
  // Decode order is monotonic; presentation order is not (B-frames), so jumps are judged on DTS.
  std::optional<int64_t> key = in.dts ? in.dts : in.pts;
  if (!key) return in;

  if (!track.started) {
    track.started = true;
    track.offset = shared_offset_;
  } else {
    int64_t step = *key + track.offset - track.last_out;
    if (!Plausible(step)) {
      if (track.offset != shared_offset_ && Plausible(*key + shared_offset_ - track.last_out)) {
        // Another track already corrected this same jump: follow it so tracks stay in sync.
        track.offset = shared_offset_;
      } else {
        int64_t interval = track.interval > 0 ? track.interval : kDefaultIntervalNs;
        track.offset = track.last_out + interval - *key;
        shared_offset_ = track.offset;
        ++jumps_;
      }
    } else if (step > 0) {
      track.interval = in.duration && *in.duration > 0 ? *in.duration : step;
    }
  }
  if (in.duration && *in.duration > 0) track.interval = *in.duration;

  Times out = in;
  if (out.pts) out.pts = std::max<int64_t>(0, *out.pts + track.offset);
  if (out.dts) out.dts = std::max<int64_t>(0, *out.dts + track.offset);
  int64_t key_out = *(out.dts ? out.dts : out.pts);
  if (track.emitted && key_out <= track.last_out) {
    // Same shift for both, so a frame's presentation delay (B-frames) is kept.
    int64_t shift = track.last_out + kMinStepNs - key_out;
    if (out.pts) *out.pts += shift;
    if (out.dts) *out.dts += shift;
    key_out += shift;
  }
  track.last_out = key_out;
  track.emitted = true;
  return out;
}

}  // namespace shopcast::video_ingest::media
