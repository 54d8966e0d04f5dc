#include "clips/clip_range.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::clips {
namespace {

constexpr char kRangeInvalid[] = "CLIP_RANGE_INVALID";

std::string Seconds(int64_t us) { return absl::StrCat(static_cast<double>(us) / 1e6, " s"); }

}  // namespace

absl::Status ValidateRange(int64_t start_us, int64_t duration_us, int64_t recording_duration_us,
                           const RangeLimits& limits, const char* field_prefix) {
  const std::string start_field = absl::StrCat(field_prefix, ".start_offset");
  const std::string duration_field = absl::StrCat(field_prefix, ".duration");
  const int64_t min_us = absl::ToInt64Microseconds(limits.min_duration);
  const int64_t max_us = absl::ToInt64Microseconds(limits.max_duration);
  if (start_us < 0) {
    return InvalidArgument(start_field, kRangeInvalid, "start_offset must not be negative");
  }
  if (duration_us < min_us || duration_us > max_us) {
    return InvalidArgument(
        duration_field, kRangeInvalid,
        absl::StrCat("duration must be between ", Seconds(min_us), " and ", Seconds(max_us)));
  }
  if (start_us >= recording_duration_us) {
    return InvalidArgument(start_field, kRangeInvalid,
                           absl::StrCat("start_offset is past the recording's end (",
                                        Seconds(recording_duration_us), ")"));
  }
  if (duration_us > recording_duration_us - start_us) {
    return InvalidArgument(duration_field, kRangeInvalid,
                           absl::StrCat("start_offset + duration is past the recording's end (",
                                        Seconds(recording_duration_us), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Window> MomentWindow(int64_t moment_us, int64_t recording_duration_us,
                                    absl::Duration lead_in, absl::Duration lead_out,
                                    const RangeLimits& limits) {
  const int64_t min_us = absl::ToInt64Microseconds(limits.min_duration);
  const int64_t max_us = absl::ToInt64Microseconds(limits.max_duration);
  if (recording_duration_us < min_us) {
    return Error(absl::StatusCode::kFailedPrecondition, kRangeInvalid,
                 "the recording is shorter than the shortest clip");
  }
  const int64_t moment = std::clamp<int64_t>(moment_us, 0, recording_duration_us);
  int64_t start = std::max<int64_t>(0, moment - absl::ToInt64Microseconds(lead_in));
  int64_t end =
      std::min<int64_t>(recording_duration_us, moment + absl::ToInt64Microseconds(lead_out));
  if (end - start > max_us) end = start + max_us;
  if (end - start < min_us) {
    // Near an end of the recording: widen towards the other side.
    end = std::min(recording_duration_us, start + min_us);
    start = std::max<int64_t>(0, end - min_us);
  }
  return Window{start, end - start};
}

std::vector<size_t> SegmentsFor(const std::vector<SegmentSpan>& segments, int64_t start_us,
                                int64_t end_us) {
  std::vector<size_t> out;
  if (end_us <= start_us) return out;
  std::optional<size_t> first;
  std::optional<size_t> last;
  for (size_t i = 0; i < segments.size(); ++i) {
    const int64_t s = segments[i].media_offset_us;
    const int64_t e = s + segments[i].duration_us;
    if (e <= start_us || s >= end_us) continue;
    if (!first) first = i;
    last = i;
  }
  if (!first) return out;
  const size_t stop = std::min(segments.size() - 1, *last + 1);
  for (size_t i = *first; i <= stop; ++i) out.push_back(i);
  return out;
}

std::optional<size_t> SegmentAt(const std::vector<SegmentSpan>& segments, int64_t at_us) {
  for (size_t i = 0; i < segments.size(); ++i) {
    const int64_t s = segments[i].media_offset_us;
    if (at_us >= s && at_us < s + segments[i].duration_us) return i;
  }
  if (!segments.empty() && at_us == segments.back().media_offset_us + segments.back().duration_us) {
    return segments.size() - 1;
  }
  return std::nullopt;
}

}  // namespace shopcast::recording_lifecycle::clips
