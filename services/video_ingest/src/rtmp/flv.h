#pragma once

// RTMP audio, video and data messages carry FLV tag bodies; this turns them back into an FLV
// byte stream for the packager (GStreamer's flvdemux) without touching the media.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "rtmp/chunk_stream.h"

namespace shopcast::video_ingest::rtmp {

class FlvWriter {
 public:
  // Appends the FLV file header announcing `track_flags` (0x04 audio, 0x01 video) and
  // PreviousTagSize0 to `out`. Call once, before the first tag.
  void WriteHeader(uint8_t track_flags, std::vector<uint8_t>& out);

  // Appends `m` as one FLV tag. Audio (8) and video (9) pass through; a data message (18)
  // "@setDataFrame", "onMetaData", {...} is rewritten to "onMetaData", {...}; other messages
  // are ignored (returns OK, appends nothing). INVALID_ARGUMENT/FLV_TAG_TOO_LARGE above 2^24-1
  // payload bytes.
  absl::Status WriteTag(const Message& m, std::vector<uint8_t>& out);
};

}  // namespace shopcast::video_ingest::rtmp
