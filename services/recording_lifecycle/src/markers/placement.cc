#include "markers/placement.h"

#include <algorithm>

namespace shopcast::recording_lifecycle::markers {

Timeline::Timeline(std::vector<SegmentSpan> segments, std::optional<int64_t> last_sequence)
    : segments_(std::move(segments)), last_sequence_(last_sequence) {
  std::sort(segments_.begin(), segments_.end(),
            [](const SegmentSpan& a, const SegmentSpan& b) { return a.sequence < b.sequence; });
  starts_.reserve(segments_.size());
  for (const SegmentSpan& s : segments_) {
    starts_.push_back(total_us_);
    total_us_ += s.duration_us;
  }
}

std::optional<int64_t> Timeline::StartOf(int64_t sequence) const {
  auto it = std::lower_bound(segments_.begin(), segments_.end(), sequence,
                             [](const SegmentSpan& s, int64_t seq) { return s.sequence < seq; });
  if (it == segments_.end() || it->sequence != sequence) return std::nullopt;
  return starts_[static_cast<size_t>(it - segments_.begin())];
}

std::optional<Placement> Timeline::Place(int64_t t) const {
  if (segments_.empty()) return std::nullopt;
  // Inside a segment: the one that started last wins an overlap.
  std::optional<size_t> inside;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const SegmentSpan& s = segments_[i];
    if (t >= s.pdt_us && t - s.pdt_us < s.duration_us) {
      if (!inside || s.pdt_us >= segments_[*inside].pdt_us) inside = i;
    }
  }
  if (inside) {
    const SegmentSpan& s = segments_[*inside];
    return Placement{s.sequence, starts_[*inside] + (t - s.pdt_us), false};
  }
  // Outside every segment: the first segment (in media order) that starts after it.
  size_t next = segments_.size();
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i].pdt_us > t) {
      next = i;
      break;
    }
  }
  if (next == segments_.size()) {
    // After the end of the last indexed segment: final only once that is the stream's last.
    const SegmentSpan& last = segments_.back();
    if (!last_sequence_ || last.sequence != *last_sequence_) return std::nullopt;
    return Placement{last.sequence, total_us_, true};
  }
  if (next == 0) {
    // Before the first indexed segment: final only if that is the stream's first.
    if (segments_[0].sequence != 0) return std::nullopt;
    return Placement{segments_[0].sequence, 0, true};
  }
  // In a gap: final only between consecutive sequences (else a missing segment may cover it).
  if (segments_[next - 1].sequence + 1 != segments_[next].sequence) return std::nullopt;
  return Placement{segments_[next].sequence, starts_[next], true};
}

}  // namespace shopcast::recording_lifecycle::markers
