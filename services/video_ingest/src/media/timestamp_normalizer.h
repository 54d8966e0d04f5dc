#pragma once

// Turns an encoder's timestamps into one continuous timeline. Encoders restart their clocks,
// jump forward after a pause, and 32-bit (FLV, ms) or 33-bit (MPEG-TS, 90 kHz) counters wrap;
// passed through, any of these would give a segment a duration of hours (or a negative one) and
// shift every later program date time. Pure: no GStreamer, unit-tested.

#include <cstdint>
#include <optional>
#include <vector>

namespace shopcast::video_ingest::media {

class TimestampNormalizer {
 public:
  // One buffer's times in nanoseconds; absent fields are passed through absent.
  struct Times {
    std::optional<int64_t> pts;
    std::optional<int64_t> dts;
    std::optional<int64_t> duration;
  };

  // Forward steps larger than this (per track, in decode order) are jumps, not gaps.
  static constexpr int64_t kMaxForwardStepNs = 2'000'000'000;
  // Backward steps larger than this are jumps; smaller ones are jitter (see kMinStepNs).
  static constexpr int64_t kMaxBackwardStepNs = 100'000'000;
  // Decode times leave strictly increasing per track: a buffer at or before its predecessor
  // (jitter, an encoder's muxer clamping early audio to one timestamp) is moved to just after
  // it. mpegtsmux writes such times as they come, and players and remuxers reject segments whose
  // DTS do not increase. 1 ms: FLV's resolution, and well above MPEG-TS's 90 kHz tick.
  static constexpr int64_t kMinStepNs = 1'000'000;

  explicit TimestampNormalizer(int track_count);

  // Maps one buffer of `track` (0 ≤ track < track_count) onto the continuous timeline. When the
  // track jumps, the shared offset moves so the track continues at its last timestamp plus its
  // usual frame interval; the other tracks adopt that offset when they reach the same jump.
  // Results are never negative.
  Times Normalize(int track, const Times& in);

  // How many jumps were corrected so far.
  int64_t jumps() const { return jumps_; }

 private:
  struct Track {
    bool started = false;
    int64_t offset = 0;    // Added to this track's input times.
    int64_t last_out = 0;  // Last output decode time.
    bool emitted = false;  // last_out is set.
    int64_t interval = 0;  // Usual decode-time step (or buffer duration), 0 while unknown.
  };

  static bool Plausible(int64_t step);

  std::vector<Track> tracks_;
  int64_t shared_offset_ = 0;  // The most recent offset any track chose.
  int64_t jumps_ = 0;
};

}  // namespace shopcast::video_ingest::media
