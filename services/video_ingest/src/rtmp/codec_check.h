#pragma once

// Decides from an admitted publisher's first media tags whether the packager can take them, so
// an encoder sending what we cannot package is told at once, by name, instead of being cut later
// as a packager failure or a stall. Accepted: H.264 video (FLV codec id 7) with AAC audio (sound
// format 10) or without audio. Refused at the first tag that carries it, before it is passed on:
// HEVC (the legacy id 12 or enhanced RTMP's 'hvc1') unless CodecCheckOptions accept it, AV1,
// VP9, every other legacy video codec, and any audio but AAC (MP3, Speex, G.711, enhanced RTMP's
// Opus, ...); a video codec that changes mid-stream.
//
// Video headers are read by ParseVideoTagHeader (video_tag.h): one malformed (shorter than its
// fields, unknown packet types) is INVALID_ARGUMENT/RTMP_VIDEO_TAG_INVALID, a protocol error
// rather than a codec refusal. Accepted HEVC must open with a valid sequence start (hvcC).
//
// It also decides which tracks the stream carries, for the FLV header the packager reads
// (flvdemux waits for every track the header announces): audio and video at the first video
// tag; audio only (a host with the camera off, packaged as audio-only HLS) at the first audio
// tag when the stream's metadata announced it (onMetaData with an audiocodecid and no
// videocodecid, as ffmpeg and OBS send it), or, without such metadata, once audio has covered
// kAudioOnlyAfterMs of media time (or kAudioOnlyAfterTags tags) without a single video tag.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "rtmp/chunk_stream.h"
#include "rtmp/video_tag.h"

namespace shopcast::video_ingest::rtmp {

struct CodecCheckOptions {
  // HEVC input (README, HEVC input). kRefused: passthrough only, HEVC is UNSUPPORTED_CODEC.
  // kSrtOnly: refused over RTMP with a pointer to SRT (a deployment whose packager cannot read
  // HEVC from FLV). kAccepted: taken; the packager reads HEVC FLV itself (media/flv_feed.h),
  // since GStreamer 1.22's flvdemux has no HEVC.
  enum class Hevc { kRefused, kSrtOnly, kAccepted };
  Hevc hevc = Hevc::kRefused;
};

class CodecCheck {
 public:
  CodecCheck() = default;
  explicit CodecCheck(CodecCheckOptions options) : options_(options) {}

  static constexpr uint32_t kAudioOnlyAfterMs = 2000;
  static constexpr int kAudioOnlyAfterTags = 200;  // Whatever the timestamps claim.

  static constexpr uint8_t kFlvAudio = 0x04;
  static constexpr uint8_t kFlvVideo = 0x01;

  // OK to pass `m` (an audio, video or data message) on; otherwise INVALID_ARGUMENT with reason
  // UNSUPPORTED_CODEC and a message for the encoder's operator naming what was refused. After a
  // refusal every call returns it again.
  absl::Status Inspect(const Message& m);

  // The video codec taken so far (the first video tag's), nullopt before any.
  std::optional<VideoCodec> video_codec() const { return video_codec_; }

  // The stream's tracks as FLV header flags (kFlvAudio | kFlvVideo, or kFlvAudio alone), once
  // the media inspected so far decide them; nullopt before.
  std::optional<uint8_t> track_flags() const { return track_flags_; }
  // The tracks for a stream that ends (or outgrows the holding buffer) before track_flags()
  // decided: audio alone if only audio came, otherwise both.
  uint8_t track_flags_at_end() const {
    if (track_flags_) return *track_flags_;
    return first_audio_ms_ ? kFlvAudio : kFlvAudio | kFlvVideo;
  }

 private:
  absl::Status Refuse(const std::string& what);
  absl::Status InspectVideo(const Message& m);
  absl::Status InspectHevc(const VideoTagHeader& header, std::span<const uint8_t> payload);
  absl::Status InspectAudio(const Message& m);
  void ReadMetadata(const Message& m);

  absl::Status Malformed(const absl::Status& why);

  CodecCheckOptions options_;
  absl::Status refusal_;
  bool video_seen_ = false;
  std::optional<VideoCodec> video_codec_;
  bool hevc_configured_ = false;  // An accepted HEVC stream sent its sequence start.
  bool metadata_says_audio_only_ = false;
  std::optional<uint32_t> first_audio_ms_;
  std::optional<uint8_t> track_flags_;
  int audio_tags_ = 0;
};

}  // namespace shopcast::video_ingest::rtmp
