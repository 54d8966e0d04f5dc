#include "rtmp/video_tag.h"

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

constexpr uint8_t kExHeaderBit = 0x80;
constexpr int kCommandFrame = 5;
constexpr uint8_t kLegacyAvc = 7;
constexpr uint8_t kLegacyHevc = 12;
constexpr uint8_t kLegacyAv1 = 13;  // A Chinese-CDN extension, like 12.
constexpr size_t kHvccFixedBytes = 23;
constexpr uint8_t kHevcNalSps = 33;

absl::Status Invalid(const std::string& what) {
  return Error(absl::StatusCode::kInvalidArgument, "RTMP_VIDEO_TAG_INVALID", what);
}

int32_t ReadSi24(std::span<const uint8_t> p, size_t at) {
  const uint32_t u = (uint32_t{p[at]} << 16) | (uint32_t{p[at + 1]} << 8) | p[at + 2];
  return static_cast<int32_t>(u ^ 0x800000u) - 0x800000;  // Sign-extend 24 bits.
}

VideoCodec CodecForFourCc(std::span<const uint8_t> f) {
  auto is = [&f](const char* s) {
    return f[0] == s[0] && f[1] == s[1] && f[2] == s[2] && f[3] == s[3];
  };
  if (is("avc1")) return VideoCodec::kAvc;
  if (is("hvc1")) return VideoCodec::kHevc;
  if (is("av01")) return VideoCodec::kAv1;
  if (is("vp09")) return VideoCodec::kVp9;
  return VideoCodec::kOther;
}

}  // namespace

absl::StatusOr<VideoTagHeader> ParseVideoTagHeader(std::span<const uint8_t> p) {
  if (p.empty()) return Invalid("an empty video message");
  VideoTagHeader h;
  const uint8_t first = p[0];
  if ((first & kExHeaderBit) == 0) {
    h.frame_type = first >> 4;
    h.legacy_codec_id = first & 0x0F;
    h.codec = h.legacy_codec_id == kLegacyAvc    ? VideoCodec::kAvc
              : h.legacy_codec_id == kLegacyHevc ? VideoCodec::kHevc
              : h.legacy_codec_id == kLegacyAv1  ? VideoCodec::kAv1
                                                 : VideoCodec::kOther;
    h.body_offset = 1;
    if (h.frame_type == kCommandFrame) {
      h.packet = VideoPacket::kCommand;
      return h;
    }
    if (h.legacy_codec_id != kLegacyAvc && h.legacy_codec_id != kLegacyHevc) return h;
    if (p.size() < 5) {
      // Legacy AVC this short carries nothing; flvdemux skips it (kept as it always was).
      if (h.codec == VideoCodec::kAvc) return h;
      return Invalid("a legacy HEVC video header shorter than 5 bytes");
    }
    switch (p[1]) {
      case 0:
        h.packet = VideoPacket::kSequenceStart;
        break;
      case 1:
        h.packet = VideoPacket::kCodedFrames;
        break;
      case 2:
        h.packet = VideoPacket::kSequenceEnd;
        break;
      default:
        return Invalid("legacy AVC/HEVC packet type " + std::to_string(p[1]));
    }
    h.composition_time_ms = ReadSi24(p, 2);
    h.body_offset = 5;
    return h;
  }

  h.enhanced = true;
  h.frame_type = (first >> 4) & 0x07;
  const uint8_t packet_type = first & 0x0F;
  if (packet_type != 4 && h.frame_type == kCommandFrame) {
    if (p.size() < 2) return Invalid("an enhanced RTMP command frame without its command");
    h.packet = VideoPacket::kCommand;
    h.body_offset = 2;
    return h;
  }
  switch (packet_type) {
    case 0:
      h.packet = VideoPacket::kSequenceStart;
      break;
    case 1:
      h.packet = VideoPacket::kCodedFrames;
      break;
    case 2:
      h.packet = VideoPacket::kSequenceEnd;
      break;
    case 3:
      h.packet = VideoPacket::kCodedFramesX;
      break;
    case 4:
      h.packet = VideoPacket::kMetadata;
      break;
    case 5:
      h.packet = VideoPacket::kMpeg2TsSequenceStart;
      break;
    case 6:
      h.packet = VideoPacket::kMultitrack;  // A track type and FourCC follow: not taken apart.
      h.body_offset = 1;
      return h;
    case 7:
      h.packet = VideoPacket::kModEx;  // Modifier extensions follow: not taken apart.
      h.body_offset = 1;
      return h;
    default:
      return Invalid("enhanced RTMP video packet type " + std::to_string(packet_type));
  }
  if (p.size() < 5) return Invalid("an enhanced RTMP video header without its FourCC");
  const std::span<const uint8_t> fourcc = p.subspan(1, 4);
  for (uint8_t c : fourcc) h.fourcc.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  h.codec = CodecForFourCc(fourcc);
  h.body_offset = 5;
  // Only AVC and HEVC coded frames carry a composition time offset (CodedFramesX: zero).
  if (h.packet == VideoPacket::kCodedFrames &&
      (h.codec == VideoCodec::kAvc || h.codec == VideoCodec::kHevc)) {
    if (p.size() < 8) return Invalid("enhanced RTMP coded frames without a composition time");
    h.composition_time_ms = ReadSi24(p, 5);
    h.body_offset = 8;
  }
  return h;
}

absl::Status CheckHevcConfigurationRecord(std::span<const uint8_t> r) {
  if (r.size() < kHvccFixedBytes) return Invalid("an HEVC configuration record under 23 bytes");
  if (r[0] != 1) return Invalid("an HEVC configuration record of version " + std::to_string(r[0]));
  if ((r[21] & 0x03) == 2) return Invalid("an HEVC configuration record with 3-byte NAL lengths");
  const int arrays = r[22];
  size_t at = kHvccFixedBytes;
  bool sps = false;
  for (int a = 0; a < arrays; ++a) {
    if (r.size() - at < 3) return Invalid("an HEVC configuration record cut in an array header");
    const uint8_t nal_type = r[at] & 0x3F;
    const size_t count = (size_t{r[at + 1]} << 8) | r[at + 2];
    at += 3;
    for (size_t n = 0; n < count; ++n) {
      if (r.size() - at < 2) return Invalid("an HEVC configuration record cut in a NAL length");
      const size_t length = (size_t{r[at]} << 8) | r[at + 1];
      at += 2;
      if (r.size() - at < length) return Invalid("an HEVC configuration record cut in a NAL unit");
      if (length > 0 && nal_type == kHevcNalSps) sps = true;
      at += length;
    }
  }
  if (!sps) return Invalid("an HEVC configuration record without a sequence parameter set");
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::rtmp
