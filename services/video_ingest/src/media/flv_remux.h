#pragma once

// What the native passthrough engine (native_packager.h) needs to turn FLV tags into MPEG-TS
// elementary streams, without GStreamer's parsers: the AVC decoder configuration record (its
// parameter sets and NAL length size), length-prefixed access units rewritten as Annex B (an
// access unit delimiter first, the SPS and PPS before every keyframe that lacks them, as
// h264parse config-interval=-1 does), the picture size and frame rate from the SPS, and AAC
// frames framed as ADTS from the AudioSpecificConfig. Every length is checked against the
// bytes there: malformed input is an error, never an overread. Pure; unit-tested and fuzzed.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shopcast::video_ingest::media {

// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 avcC).
struct AvcConfig {
  int nal_length_size = 4;  // 1, 2 or 4.
  std::vector<std::vector<uint8_t>> sps;
  std::vector<std::vector<uint8_t>> pps;
};

// INVALID_ARGUMENT/FLV_INVALID when the record is short, its length size is 3, or a parameter
// set runs past its end; at least one SPS is required.
absl::StatusOr<AvcConfig> ParseAvcConfig(std::span<const uint8_t> avcc);

// Appends the access unit `frame` (NAL units each behind a `config.nal_length_size` length) to
// `out` as Annex B: an access unit delimiter, then (for a keyframe without an SPS of its own)
// the configuration's SPS and PPS, then its NAL units (delimiters it carries are dropped).
// INVALID_ARGUMENT/FLV_INVALID when a length runs past the frame (nothing is appended then).
absl::Status AppendAnnexB(const AvcConfig& config, std::span<const uint8_t> frame, bool keyframe,
                          std::vector<uint8_t>& out);

// What an H.264 SPS says about the picture.
struct SpsFacts {
  int width = 0;
  int height = 0;
  double frame_rate = 0;  // From the VUI timing information; 0 when it has none.
};
// Reads an SPS NAL unit (its header byte included). Nullopt when it is cut short or malformed.
std::optional<SpsFacts> ParseAvcSps(std::span<const uint8_t> sps);

// An AudioSpecificConfig reduced to what an ADTS header carries.
struct AacConfig {
  int object_type = 2;
  int frequency_index = 4;  // 44.1 kHz is 4, 48 kHz 3.
  int sample_rate = 44100;
  int channels = 2;  // channel_configuration, 1..7.
};
// INVALID_ARGUMENT/FLV_INVALID for a config ADTS cannot carry (an explicit frequency, channel
// configuration 0) or one cut short.
absl::StatusOr<AacConfig> ParseAacConfig(std::span<const uint8_t> asc);

// Appends an ADTS header (7 bytes, no CRC) and the raw frame. INVALID_ARGUMENT/FLV_INVALID for a
// frame too long for ADTS (over 8 KiB with its header).
absl::Status AppendAdts(const AacConfig& config, std::span<const uint8_t> raw,
                        std::vector<uint8_t>& out);

}  // namespace shopcast::video_ingest::media
