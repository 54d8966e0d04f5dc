#pragma once

// Enhanced RTMP HEVC for tests. Debian's ffmpeg 5.1 cannot publish HEVC over RTMP (its FLV
// muxer has no enhanced RTMP), so the tests frame a real libx265 stream themselves: GStreamer
// reads an MPEG-TS file made by ffmpeg (h265parse to stream-format=hvc1 gives the hvcC and
// length-prefixed access units, aacparse the raw AAC and its AudioSpecificConfig), and the
// frames become FLV tags the way OBS 30 sends them (veovera's enhanced RTMP v1): the 'hvc1'
// SequenceStart, CodedFrames with their composition time or CodedFramesX when it is zero, AAC in
// legacy tags.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace shopcast::video_ingest::media::testing {

struct FlvTagBytes {
  uint8_t type = 0;  // 8 audio, 9 video.
  uint32_t timestamp_ms = 0;
  std::vector<uint8_t> body;
};

// The tags, in timestamp order (decode order within each track), configurations first.
std::vector<FlvTagBytes> EnhancedHevcTags(const std::filesystem::path& mpegts_with_hevc);

// The same as an FLV byte stream (header announcing audio and video, then the tags), as the
// RTMP server hands a session's media to the packager.
std::vector<uint8_t> FlvBytes(const std::vector<FlvTagBytes>& tags);

}  // namespace shopcast::video_ingest::media::testing
