#pragma once

// Where a wall-clock moment falls in a recording (issue 13 §1): through the indexed segments'
// program date times onto the recording's media timeline, the one the VOD playlist plays (each
// segment starts at the sum of the durations of the indexed segments before it; wall-clock
// gaps between sessions take no media time). Pure; times are microseconds since the epoch.
//
//   inside a segment [pdt, pdt + duration)   -> that segment, its start + (t - pdt)
//   in a gap between two consecutive          -> the later segment's start, clamped
//     sequences (a reconnect, a clock jump)
//   before sequence 0                         -> offset 0, clamped
//   after the stream's last segment (the      -> the recording's duration, clamped
//     stream ended)
//   anything that depends on a segment not    -> not placed yet (nullopt): it is placed when
//     indexed yet (a missing sequence, the       the segments covering it are indexed
//     stream still live)
//
// Segments whose ranges overlap (the server's clock stepped back) give the moment to the one
// that started last.

#include <cstdint>
#include <optional>
#include <vector>

namespace shopcast::recording_lifecycle::markers {

struct SegmentSpan {
  int64_t sequence = 0;
  int64_t pdt_us = 0;       // EXT-X-PROGRAM-DATE-TIME
  int64_t duration_us = 0;  // > 0
};

struct Placement {
  int64_t sequence = 0;         // the segment it falls in (or was clamped to)
  int64_t media_offset_us = 0;  // in the recording's timeline
  bool clamped = false;
  bool operator==(const Placement&) const = default;
};

class Timeline {
 public:
  // `segments` in any order, sequences unique. `last_sequence`: the stream's last segment once
  // it ended (StreamEnded.last_segment_sequence), nullopt while live.
  Timeline(std::vector<SegmentSpan> segments, std::optional<int64_t> last_sequence);

  std::optional<Placement> Place(int64_t occurred_us) const;

  // Sum of the indexed durations.
  int64_t duration_us() const { return total_us_; }
  // Start of the segment `sequence` in the timeline; nullopt if not indexed.
  std::optional<int64_t> StartOf(int64_t sequence) const;

 private:
  std::vector<SegmentSpan> segments_;  // by sequence
  std::vector<int64_t> starts_;        // media offset of each
  std::optional<int64_t> last_sequence_;
  int64_t total_us_ = 0;
};

}  // namespace shopcast::recording_lifecycle::markers
