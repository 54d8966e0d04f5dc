#pragma once

// The header of an RTMP video message (an FLV VIDEODATA tag body), legacy or Enhanced RTMP
// (veovera's "Enhancing RTMP, FLV", v1 and v2), read without trusting a byte of it: every field
// is bounds-checked, so a short or malformed header is an error, never an overread. Pure.
//
//   legacy:    FrameType(4) CodecID(4) | AVC and legacy HEVC (id 12): AVCPacketType(8)
//              CompositionTime(SI24) | codec data
//   enhanced:  IsExHeader(1)=1 FrameType(3) PacketType(4) | FourCC(32) unless a command frame
//              | CodedFrames of avc1/hvc1: CompositionTime(SI24) | codec data
//
// A command frame (FrameType 5, any packet type but Metadata) carries one command byte and no
// FourCC. Multitrack (6) and ModEx (7) packets (v2) are recognised but not taken apart.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace shopcast::video_ingest::rtmp {

enum class VideoCodec { kAvc, kHevc, kAv1, kVp9, kOther };

// What the codec data after the header is. Legacy AVC/HEVC packet types map onto the enhanced
// ones: 0 → kSequenceStart, 1 → kCodedFrames, 2 → kSequenceEnd.
enum class VideoPacket {
  kSequenceStart,  // A decoder configuration record (avcC, hvcC, av1C, vpcC).
  kCodedFrames,    // Frames, with a composition time offset.
  kSequenceEnd,
  kCodedFramesX,  // Frames, composition time offset zero (not sent).
  kMetadata,      // AMF-encoded metadata (HDR colour information).
  kMpeg2TsSequenceStart,
  kMultitrack,  // v2: several tracks in one message.
  kModEx,       // v2: a modifier extension before the real packet type.
  kCommand,     // A command frame (seek start/end), no media.
  kLegacy,      // A legacy codec without packet types (H.263, VP6, ...): data follows.
};

struct VideoTagHeader {
  bool enhanced = false;
  int frame_type = 0;  // 1 keyframe, 2 inter frame, 3 disposable, 4 generated keyframe, 5 command.
  VideoCodec codec = VideoCodec::kOther;
  uint8_t legacy_codec_id = 0;  // Legacy headers only.
  std::string fourcc;           // Enhanced headers with a FourCC, printable ('?' for others).
  VideoPacket packet = VideoPacket::kLegacy;
  int32_t composition_time_ms = 0;  // PTS − DTS; zero where the header carries none.
  size_t body_offset = 0;           // Where the codec data starts in the payload.

  bool keyframe() const { return frame_type == 1 || frame_type == 4; }
};

// Reads the header of a non-empty video message payload. INVALID_ARGUMENT with reason
// RTMP_VIDEO_TAG_INVALID when it is shorter than the fields its first byte announces (a legacy
// header of a codec without packet types is always whole).
absl::StatusOr<VideoTagHeader> ParseVideoTagHeader(std::span<const uint8_t> payload);

// Checks an HEVC decoder configuration record (ISO/IEC 14496-15 hvcC, the body of an HEVC
// sequence start): version 1, the fixed 23 bytes, then arrays of NAL units each inside the
// record, holding at least one SPS (type 33). INVALID_ARGUMENT/RTMP_VIDEO_TAG_INVALID otherwise.
absl::Status CheckHevcConfigurationRecord(std::span<const uint8_t> hvcc);

}  // namespace shopcast::video_ingest::rtmp
