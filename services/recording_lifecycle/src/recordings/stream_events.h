#pragma once

// What video-ingest's events mean for recordings (pure: an Event in, checked plain structs
// out). Every field is checked before anything is written: a bad event is INVALID_ARGUMENT
// with a reason naming the field (SEGMENT_PATH_INVALID, SEGMENT_SHA256_INVALID, …) and is
// refused as a whole.
//
//   video_ingest.stream_went_live -> WentLive     (opens the recording; resumed continues it)
//   video_ingest.segment_closed   -> SegmentIndex (indexes a segment)
//   video_ingest.stream_ended     -> Ended        (finalizes; the host's choice)

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::recording_lifecycle::recordings {

// Titles are 1..120 characters (code points).
inline constexpr size_t kMaxTitleChars = 120;
inline constexpr size_t kMaxDescriptionChars = 2000;
// A segment longer than this is not one video-ingest writes.
inline constexpr int64_t kMaxSegmentDurationUs = 10LL * 60 * 1'000'000;

struct WentLive {
  std::string stream_id;
  std::string host_id;
  std::string title;  // cut to kMaxTitleChars
  std::string session_id;
  bool resumed = false;
  int64_t went_live_us = 0;  // 0 if not given
};

struct SegmentIndex {
  std::string stream_id;
  std::string session_id;
  int64_t sequence = 0;
  int64_t pdt_us = 0;
  int64_t duration_us = 0;
  int64_t media_offset_us = 0;
  int64_t size_bytes = 0;
  std::string sha256;
  std::string object_key;  // SegmentClosed.path: "<stream_id>/<name>.ts"
  bool discontinuity = false;
};

// RecordingChoice numbers equal RetentionDecision's (UNDECIDED 1, SAVE 2, DELETE 3).
struct Ended {
  std::string stream_id;
  std::string host_id;
  int64_t segment_count = 0;
  int64_t last_segment_sequence = -1;  // -1 when no segment
  int64_t ended_us = 0;                // 0 if not given
  std::string poster_key;              // '' if none
  int choice = 1;
};

using StreamChange = std::variant<std::monostate, WentLive, SegmentIndex, Ended>;

// The change `event` announces (monostate: not a video-ingest event we use).
absl::StatusOr<StreamChange> StreamChangeOf(const common::v1::Event& event);

// Number of Unicode code points of valid UTF-8 `s`; nullopt if it is not valid UTF-8.
std::optional<size_t> Utf8Length(const std::string& s);
// The first `max_chars` code points of valid UTF-8 `s`.
std::string Utf8Prefix(const std::string& s, size_t max_chars);

}  // namespace shopcast::recording_lifecycle::recordings
