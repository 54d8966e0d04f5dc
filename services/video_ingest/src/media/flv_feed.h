#pragma once

// HEVC over RTMP: GStreamer 1.22's flvdemux cannot demux HEVC (neither legacy codec id 12 nor
// enhanced RTMP's 'hvc1'), so the packager reads such a session's FLV itself and feeds the
// elementary streams to its parsers (pipeline.cc, the HEVC feed block). This is the pure part:
// FLV bytes, in pieces of any size, become tags, and tags become what the parsers take. Bounded:
// a tag is at most 2^24 − 1 bytes (FLV's size field); malformed input is an error, never an
// overread. Unit-tested; the RTMP server already checked every video header (video_tag.h).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"

namespace shopcast::video_ingest::media {

struct FlvTag {
  uint8_t type = 0;  // 8 audio, 9 video, 18 script data.
  uint32_t timestamp_ms = 0;
  std::vector<uint8_t> body;
};

// Splits an FLV byte stream (file header, PreviousTagSize0, tags) into tags.
class FlvTagSplitter {
 public:
  // Appends `bytes`; every tag completed by them goes to `out`. INVALID_ARGUMENT/
  // FLV_INVALID for a stream that is not FLV (the signature, a header size under 9).
  absl::Status Feed(std::span<const uint8_t> bytes, std::vector<FlvTag>& out);
  // The header's track flags (0x04 audio, 0x01 video) once the header was read.
  std::optional<uint8_t> track_flags() const { return track_flags_; }
  // Bytes held for an incomplete header or tag.
  size_t buffered_bytes() const { return pending_.size(); }

 private:
  std::vector<uint8_t> pending_;
  std::optional<uint8_t> track_flags_;
  size_t skip_ = 0;  // Header bytes beyond 9, and PreviousTagSize fields, still to drop.
};

// What a tag of an HEVC session gives the packager's parsers.
struct ElementaryUnit {
  enum class Kind {
    kNone,         // Nothing to package (script data, commands, metadata, sequence end).
    kVideoConfig,  // An hvcC record: the video caps' codec_data.
    kVideoFrame,   // One access unit, NAL units with length prefixes (stream-format=hvc1).
    kAudioConfig,  // An AudioSpecificConfig: the audio caps' codec_data.
    kAudioFrame,   // One raw AAC frame.
  };
  Kind kind = Kind::kNone;
  int64_t dts_ms = 0;
  int64_t pts_ms = 0;  // dts + composition time.
  bool keyframe = false;
  std::span<const uint8_t> data;  // Into the tag's body.
};

// Reads an audio or video tag of a session whose video is HEVC (enhanced RTMP 'hvc1' or legacy
// codec id 12) and whose audio is AAC. INVALID_ARGUMENT/FLV_INVALID for a malformed header or
// another codec (the RTMP server refuses those before they get here).
absl::Status ReadElementaryUnit(const FlvTag& tag, ElementaryUnit& out);

// Whether the first video tag of a session (its body) is HEVC: the HEVC feed is used then.
bool IsHevcVideoTag(std::span<const uint8_t> body);

}  // namespace shopcast::video_ingest::media
