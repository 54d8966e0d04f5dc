#pragma once

// A closed live HLS segment, as the packager reports it and the stream store records and
// announces it (SegmentClosed event) for the recording service.

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace shopcast::video_ingest {

struct SegmentInfo {
  int64_t sequence = 0;          // Media sequence: 0, 1, 2… per stream, gapless across sessions.
  absl::Time program_date_time;  // Server wall clock at the segment's first frame.
  absl::Duration duration;       // Exact media duration (EXTINF).
  absl::Duration media_offset;   // Sum of the stream's earlier segment durations.
  int64_t size_bytes = 0;
  std::string sha256;          // 64 lower-case hex characters of the file.
  std::string path;            // Relative to the segment root: "<stream id>/000123.ts".
  bool discontinuity = false;  // First segment after a reconnect or format change.
};

// What the packager learned about a session's media (from the parsed streams, not from the
// encoder's metadata, which may lie).
struct MediaInfo {
  std::string video_codec;  // "h264"
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  std::string audio_codec;  // "aac"; empty when the stream has no audio
  int audio_sample_rate = 0;
  int audio_channels = 0;
  std::string codecs;  // RFC 6381, for the master playlist: "avc1.64001f,mp4a.40.2"
};

}  // namespace shopcast::video_ingest
