#include "rtmp/codec_check.h"

#include <string>

#include "rtmp/amf0.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

constexpr uint8_t kAacSoundFormat = 10;
constexpr uint8_t kExAudioSoundFormat = 9;  // Enhanced RTMP v2: a FourCC follows.
constexpr char kWhatWeTake[] = "; send H.264 video with AAC audio";

// A FourCC from the wire, made printable for a log line and the encoder's status message.
std::string FourCc(const std::vector<uint8_t>& p) {
  std::string s;
  for (size_t i = 1; i < 5 && i < p.size(); ++i) {
    s.push_back(p[i] >= 0x20 && p[i] < 0x7F ? static_cast<char>(p[i]) : '?');
  }
  return s;
}

std::string VideoFourCcName(const std::string& fourcc) {
  if (fourcc == "hvc1") return "HEVC (H.265) video";
  if (fourcc == "av01") return "AV1 video";
  if (fourcc == "vp09") return "VP9 video";
  if (fourcc == "avc1") return "H.264 video in enhanced RTMP framing";
  return "video codec '" + fourcc + "'";
}

std::string VideoCodecName(uint8_t id) {
  switch (id) {
    case 1:
      return "JPEG video";
    case 2:
      return "Sorenson H.263 video";
    case 3:
      return "Screen video";
    case 4:
      return "On2 VP6 video";
    case 5:
      return "On2 VP6 video with alpha";
    case 6:
      return "Screen video v2";
    case 12:
      return "HEVC (H.265) video";
    case 13:
      return "AV1 video";
    default:
      return "video codec id " + std::to_string(id);
  }
}

std::string AudioFormatName(uint8_t format) {
  switch (format) {
    case 0:
    case 3:
      return "linear PCM audio";
    case 1:
      return "ADPCM audio";
    case 2:
    case 14:
      return "MP3 audio";
    case 4:
    case 5:
    case 6:
      return "Nellymoser audio";
    case 7:
      return "G.711 A-law audio";
    case 8:
      return "G.711 mu-law audio";
    case 11:
      return "Speex audio";
    default:
      return "audio format " + std::to_string(format);
  }
}

}  // namespace

absl::Status CodecCheck::Inspect(const Message& m) {
  if (!refusal_.ok()) return refusal_;
  switch (m.type) {
    case kVideo:
      return InspectVideo(m);
    case kAudio:
      return InspectAudio(m);
    case kDataAmf0:
      ReadMetadata(m);
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status CodecCheck::Refuse(const std::string& what) {
  refusal_ = Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC", what + kWhatWeTake);
  return refusal_;
}

absl::Status CodecCheck::Malformed(const absl::Status& why) {
  refusal_ = why;
  return refusal_;
}

absl::Status CodecCheck::InspectVideo(const Message& m) {
  if (m.payload.empty()) return absl::OkStatus();  // Carries nothing to package.
  absl::StatusOr<VideoTagHeader> header = ParseVideoTagHeader(m.payload);
  if (!header.ok()) return Malformed(header.status());
  if (header->packet == VideoPacket::kCommand) return absl::OkStatus();  // No media.
  const std::string name =
      header->enhanced ? VideoFourCcName(header->fourcc) : VideoCodecName(header->legacy_codec_id);
  if (header->packet == VideoPacket::kMultitrack || header->packet == VideoPacket::kModEx) {
    return Refuse("enhanced RTMP multitrack and ModEx video is not supported");
  }
  switch (header->codec) {
    case VideoCodec::kAvc:
      if (header->enhanced) return Refuse(name + " is not supported");
      break;
    case VideoCodec::kHevc:
      if (absl::Status st = InspectHevc(*header, m.payload); !st.ok()) return st;
      break;
    default:
      return Refuse(name + " is not supported");
  }
  if (video_codec_ && *video_codec_ != header->codec) {
    return Refuse(name + " after another video codec in the same stream is not supported");
  }
  video_codec_ = header->codec;
  video_seen_ = true;
  // Audio may still follow (or never come: the packager takes video alone either way).
  if (!track_flags_) track_flags_ = kFlvAudio | kFlvVideo;
  return absl::OkStatus();
}

absl::Status CodecCheck::InspectHevc(const VideoTagHeader& header,
                                     std::span<const uint8_t> payload) {
  switch (options_.hevc) {
    case CodecCheckOptions::Hevc::kRefused:
      return Refuse("HEVC (H.265) video is not supported");
    case CodecCheckOptions::Hevc::kSrtOnly:
      refusal_ = Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC",
                       "HEVC (H.265) video over RTMP is not supported yet; publish HEVC over "
                       "SRT, or send H.264 video with AAC audio");
      return refusal_;
    case CodecCheckOptions::Hevc::kAccepted:
      break;
  }
  // What the packager's HEVC feed needs: the configuration first and whole, then frames.
  if (header.packet == VideoPacket::kSequenceStart) {
    if (absl::Status st = CheckHevcConfigurationRecord(payload.subspan(header.body_offset));
        !st.ok()) {
      return Malformed(st);
    }
    hevc_configured_ = true;
  } else if (header.packet == VideoPacket::kMpeg2TsSequenceStart) {
    return Refuse("HEVC with an MPEG-2 TS sequence start is not supported");
  } else if (!hevc_configured_ && header.packet != VideoPacket::kMetadata) {
    return Malformed(Error(absl::StatusCode::kInvalidArgument, "RTMP_VIDEO_TAG_INVALID",
                           "HEVC frames before the HEVC sequence start"));
  }
  return absl::OkStatus();
}

absl::Status CodecCheck::InspectAudio(const Message& m) {
  if (m.payload.empty()) return absl::OkStatus();
  const uint8_t format = m.payload[0] >> 4;
  if (format == kExAudioSoundFormat) {
    return Refuse("audio codec '" + FourCc(m.payload) + "' is not supported");
  }
  if (format != kAacSoundFormat) return Refuse(AudioFormatName(format) + " is not supported");
  if (track_flags_) return absl::OkStatus();
  // Audio with no video so far: an audio-only stream, or video still to come.
  if (!first_audio_ms_) first_audio_ms_ = m.timestamp;
  ++audio_tags_;
  const uint32_t covered = m.timestamp - *first_audio_ms_;  // Modulo 2^32, as RTMP counts.
  if (metadata_says_audio_only_ || (covered >= kAudioOnlyAfterMs && covered < 0x80000000u) ||
      audio_tags_ >= kAudioOnlyAfterTags) {
    track_flags_ = kFlvAudio;
  }
  return absl::OkStatus();
}

void CodecCheck::ReadMetadata(const Message& m) {
  if (video_seen_ || first_audio_ms_) return;  // Only metadata ahead of the media counts.
  absl::StatusOr<std::vector<Amf0Value>> values = DecodeAmf0(m.payload);
  if (!values.ok()) return;  // Metadata is a hint; the packager ignores what it cannot read.
  for (const Amf0Value& v : *values) {
    if (v.property("audiocodecid") != nullptr || v.property("videocodecid") != nullptr) {
      metadata_says_audio_only_ =
          v.property("audiocodecid") != nullptr && v.property("videocodecid") == nullptr;
      return;
    }
  }
}

}  // namespace shopcast::video_ingest::rtmp
