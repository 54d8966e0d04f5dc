#pragma once

// The pure rules of a clip: which ranges are acceptable, the window around a moment, which
// segments a cut reads, and the selector that decides, unit by unit in decode order, what goes
// into the MP4 and where (keyframe snapping). No GStreamer, no database: unit-tested alone.
//
// Positions are microseconds of the recording's media timeline (segments.media_offset_us is the
// start of each segment on it).
//
// Where a clip starts and ends, and why:
//   - It starts on the video keyframe at or before the requested start (the clip's reported
//     start_offset is that keyframe's position): without re-encoding, a picture before the first
//     keyframe of a stream cannot be decoded, and snapping back (not forward) keeps every frame
//     the caller asked for.
//   - With video it ends just before the first keyframe at or after the requested end. A frame
//     whose presentation time is before the end may, with B-frames, reference a later frame in
//     the same GOP; cutting at the next keyframe (closed GOPs: nothing after it is referenced
//     from before it) is the only place where every frame kept decodes. Audio ends where the
//     video ends, so both tracks have the same length. The clip is thus [start, end) widened
//     by less than one GOP at each side.
//   - Audio-only sources: every AAC frame decodes alone, so the clip starts on the frame that
//     contains the start and ends exactly at the end (to the frame, ~21 ms).

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shopcast::recording_lifecycle::clips {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;

// Limits of a clip's requested range (config).
struct RangeLimits {
  absl::Duration min_duration = absl::Seconds(1);
  absl::Duration max_duration = absl::Minutes(3);
};

// OK if [start, start + duration) is a clip the recording can give: start >= 0, duration within
// limits, and the range within [0, recording_duration]. INVALID_ARGUMENT/CLIP_RANGE_INVALID
// (field `field_prefix`.start_offset or .duration) otherwise.
absl::Status ValidateRange(int64_t start_us, int64_t duration_us, int64_t recording_duration_us,
                           const RangeLimits& limits, const char* field_prefix = "range");

struct Window {
  int64_t start_us = 0;
  int64_t duration_us = 0;
};

// The window around a moment at `moment_us`: from `lead_in` before to `lead_out` after, clipped
// to the recording; at least limits.min_duration long (pushed away from an end of the
// recording when the moment is close to it). FAILED_PRECONDITION/CLIP_RANGE_INVALID when the
// recording itself is shorter than the minimum.
absl::StatusOr<Window> MomentWindow(int64_t moment_us, int64_t recording_duration_us,
                                    absl::Duration lead_in, absl::Duration lead_out,
                                    const RangeLimits& limits);

struct SegmentSpan {
  int64_t sequence = 0;
  int64_t media_offset_us = 0;
  int64_t duration_us = 0;
  bool discontinuity = false;
};

// Indices (into `segments`, in sequence order) of the segments a cut of [start, end) reads: the
// one holding `start` through the one after the one holding the last instant before `end` (the
// keyframe that ends the clip may be the first frame of the next segment). Empty when nothing
// overlaps.
std::vector<size_t> SegmentsFor(const std::vector<SegmentSpan>& segments, int64_t start_us,
                                int64_t end_us);

// The index of the segment holding `at_us` (the last one if at the very end); nullopt if empty
// or outside.
std::optional<size_t> SegmentAt(const std::vector<SegmentSpan>& segments, int64_t at_us);

enum class Track { kVideo, kAudio };

// One access unit offered to the selector, in decode order, at its recording position.
template <typename Payload>
struct Unit {
  Track track = Track::kVideo;
  int64_t pts_us = 0;
  int64_t dts_us = 0;
  int64_t duration_us = 0;
  bool keyframe = false;
  Payload payload{};
};

// What to write: the unit's payload at its clip position (pts 0 = the start keyframe; a video
// dts may be negative with B-frames, the muxer writes an edit list for it).
template <typename Payload>
struct Emitted {
  Track track = Track::kVideo;
  int64_t pts_us = 0;
  int64_t dts_us = 0;
  int64_t duration_us = 0;
  bool keyframe = false;
  Payload payload{};
};

// Decides keyframe snapping for a cut of [start, end). Holds at most one GOP of video (before
// the start is known) and the audio of one GOP (after the requested end, until the keyframe
// that ends the clip); everything else is emitted or dropped as it comes.
template <typename Payload>
class ClipSelector {
 public:
  ClipSelector(int64_t start_us, int64_t end_us, bool has_video)
      : start_(start_us), end_(end_us), has_video_(has_video) {}

  // Feeds one unit; appends what may be written now to `out`.
  void Offer(Unit<Payload> u, std::vector<Emitted<Payload>>& out) {
    if (state_ == State::kDone) return;
    if (state_ == State::kAudioTail) {
      // The muxer interleaves by decode time: audio just before the end keyframe's
      // presentation time can come after it in the file.
      if (u.track != Track::kAudio) return;
      if (u.pts_us >= *ended_) {
        state_ = State::kDone;
        return;
      }
      if (u.pts_us >= *started_) Emit(std::move(u), out);
      return;
    }
    if (u.track == Track::kVideo && !has_video_) return;
    if (state_ == State::kPre) {
      OfferPre(std::move(u), out);
    } else {
      OfferIn(std::move(u), out);
    }
  }

  // The input ended: whatever is held that belongs to the clip.
  void Finish(std::vector<Emitted<Payload>>& out) {
    if (state_ == State::kPre) {
      if (pending_.empty()) {
        state_ = State::kDone;
        return;
      }
      Begin(pending_.front().pts_us, out);
    }
    if (state_ == State::kIn) {
      const int64_t end = has_video_ ? video_end_ : std::min(end_, audio_end_);
      End(end, out);
    }
    state_ = State::kDone;
  }

  // True once nothing more can be emitted (the end was found, and the audio up to it).
  bool done() const { return state_ == State::kDone; }
  // The clip's start (the start keyframe's position) once known.
  std::optional<int64_t> start() const { return started_; }
  // Its end once done (exclusive).
  std::optional<int64_t> end() const { return ended_; }
  // Units held right now (bounded by a GOP).
  size_t held() const { return pending_.size() + audio_held_.size(); }

 private:
  enum class State { kPre, kIn, kAudioTail, kDone };

  void OfferPre(Unit<Payload> u, std::vector<Emitted<Payload>>& out) {
    // The unit that sets the start: video keyframes (or, audio-only, every audio frame).
    const bool anchor =
        has_video_ ? (u.track == Track::kVideo && u.keyframe) : u.track == Track::kAudio;
    if (anchor && u.pts_us <= start_) {
      pending_.clear();
      // Audio before this anchor can never be in the clip.
      std::vector<Unit<Payload>> keep;
      for (auto& a : audio_held_) {
        if (a.pts_us >= u.pts_us) keep.push_back(std::move(a));
      }
      audio_held_ = std::move(keep);
      pending_.push_back(std::move(u));
      return;
    }
    if (anchor) {  // Past the start: the clip starts at the held anchor, or here.
      const int64_t start = pending_.empty() ? u.pts_us : pending_.front().pts_us;
      Begin(start, out);
      OfferIn(std::move(u), out);
      return;
    }
    if (u.track == Track::kAudio) {
      audio_held_.push_back(std::move(u));
    } else if (!pending_.empty()) {
      pending_.push_back(std::move(u));
    }
    // Video before any keyframe: undecodable, dropped.
  }

  void Begin(int64_t start, std::vector<Emitted<Payload>>& out) {
    started_ = start;
    state_ = State::kIn;
    std::vector<Unit<Payload>> units = std::move(pending_);
    pending_.clear();
    std::vector<Unit<Payload>> audio = std::move(audio_held_);
    audio_held_.clear();
    for (auto& v : units) OfferIn(std::move(v), out);
    for (auto& a : audio) {
      if (a.pts_us >= start) OfferIn(std::move(a), out);
    }
  }

  void OfferIn(Unit<Payload> u, std::vector<Emitted<Payload>>& out) {
    if (state_ != State::kIn) return;
    if (u.track == Track::kVideo) {
      if (u.keyframe && u.pts_us >= end_ && u.pts_us > *started_) {
        End(u.pts_us, out);
        return;
      }
      video_end_ = std::max(video_end_, u.pts_us + u.duration_us);
      Emit(std::move(u), out);
      return;
    }
    if (u.pts_us < *started_) return;
    if (!has_video_) {
      if (u.pts_us >= end_) {
        End(end_, out);
        return;
      }
      audio_end_ = std::max(audio_end_, u.pts_us + u.duration_us);
      Emit(std::move(u), out);
      return;
    }
    if (u.pts_us < end_) {
      Emit(std::move(u), out);
    } else {
      audio_held_.push_back(std::move(u));
    }
  }

  void End(int64_t end, std::vector<Emitted<Payload>>& out) {
    state_ = has_video_ ? State::kAudioTail : State::kDone;
    ended_ = std::max(end, *started_);
    std::vector<Unit<Payload>> audio = std::move(audio_held_);
    audio_held_.clear();
    for (auto& a : audio) {
      if (a.pts_us < *ended_) Emit(std::move(a), out);
    }
  }

  void Emit(Unit<Payload> u, std::vector<Emitted<Payload>>& out) {
    out.push_back(Emitted<Payload>{u.track, u.pts_us - *started_, u.dts_us - *started_,
                                   u.duration_us, u.keyframe, std::move(u.payload)});
  }

  const int64_t start_;
  const int64_t end_;
  const bool has_video_;
  State state_ = State::kPre;
  std::vector<Unit<Payload>> pending_;     // The GOP of the last keyframe at or before start.
  std::vector<Unit<Payload>> audio_held_;  // Audio waiting for the start or the end.
  std::optional<int64_t> started_;
  std::optional<int64_t> ended_;
  int64_t video_end_ = 0;
  int64_t audio_end_ = 0;
};

}  // namespace shopcast::recording_lifecycle::clips
