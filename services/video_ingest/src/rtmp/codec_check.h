#pragma once

// Decides from an admitted publisher's first media tags whether the packager can take them, so
// an encoder sending what we cannot package is told at once, by name, instead of being cut later
// as a packager failure or a stall. Accepted: H.264 video (FLV codec id 7) with AAC audio (sound
// format 10) or without audio. Refused at the first tag that carries it, before it is passed on:
// HEVC (the legacy id 12 or enhanced RTMP's 'hvc1'), AV1, VP9, every other legacy video codec,
// and any audio but AAC (MP3, Speex, G.711, enhanced RTMP's Opus, ...).
//
// Audio-only streams (a host with the camera off) are refused too, for now: the packager cuts
// segments on video keyframes and has no audio-only graph yet. They are recognised from the
// stream's metadata (onMetaData with an audiocodecid and no videocodecid, as ffmpeg and OBS
// send it) at the first audio tag, or, without such metadata, once audio has covered
// kAudioOnlyAfter of media time without a single video tag.

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "rtmp/chunk_stream.h"

namespace shopcast::video_ingest::rtmp {

class CodecCheck {
 public:
  static constexpr uint32_t kAudioOnlyAfterMs = 2000;
  static constexpr int kAudioOnlyAfterTags = 200;  // Whatever the timestamps claim.

  // OK to pass `m` (an audio, video or data message) on; otherwise INVALID_ARGUMENT with reason
  // UNSUPPORTED_CODEC and a message for the encoder's operator naming what was refused. After a
  // refusal every call returns it again.
  absl::Status Inspect(const Message& m);

 private:
  absl::Status Refuse(const std::string& what);
  absl::Status InspectVideo(const Message& m);
  absl::Status InspectAudio(const Message& m);
  void ReadMetadata(const Message& m);

  absl::Status refusal_;
  bool video_seen_ = false;
  bool metadata_says_audio_only_ = false;
  std::optional<uint32_t> first_audio_ms_;
  int audio_tags_ = 0;
};

}  // namespace shopcast::video_ingest::rtmp
