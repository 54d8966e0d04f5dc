#pragma once

// Helpers for the pipeline tests: temporary folders, real ffmpeg/ffprobe runs (found on PATH),
// FLV timestamp surgery and playlist parsing.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media::testing {

using shopcast::testing::TempDir;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

// Runs `command` through /bin/sh.
CommandResult Run(const std::string& command);

// Writes `seconds` of testsrc2 640x360 30 fps (libx264 ultrafast, a keyframe every
// `gop_seconds`, no scene-cut keyframes, two B-frames as OBS sends) with a sine tone in AAC, as
// `format` ("flv" or "mpegts") to `path`. `video_codec` and `audio_codec` replace libx264/aac (e.g.
// "flv1", "mpeg2video", "libmp3lame").
void MakeTestMedia(const std::filesystem::path& path, const std::string& format, int seconds,
                   const std::string& video_codec = "libx264",
                   const std::string& audio_codec = "aac", int gop_seconds = 1);

// The same picture and tone with HEVC video (libx265 ultrafast, Main, a closed GOP every second,
// B-frames), as MPEG-TS (what SRT carries).
void MakeHevcMedia(const std::filesystem::path& path, int seconds);

// Writes `seconds` of a sine tone in AAC (48 kHz mono), no video, as `format` to `path`.
void MakeAudioOnlyMedia(const std::filesystem::path& path, const std::string& format, int seconds);

// The byte offset of the first FLV tag whose timestamp is at least `ms` (the size if none).
size_t FlvOffsetAt(const std::vector<uint8_t>& flv, int64_t ms);

std::vector<uint8_t> ReadBytes(const std::filesystem::path& path);

// Returns `flv` with `delta_ms` added to the timestamp of every audio/video tag whose timestamp
// is at least `from_ms` (an encoder clock jump; negative deltas jump backwards).
std::vector<uint8_t> ShiftFlvTimestamps(const std::vector<uint8_t>& flv, int64_t from_ms,
                                        int64_t delta_ms);

// The video tags of an FLV file that carry a keyframe: their timestamps (decode times, ms) and
// where they start.
struct FlvKeyframe {
  int64_t ms = 0;
  size_t offset = 0;
};
std::vector<FlvKeyframe> FlvKeyframes(const std::vector<uint8_t>& flv);

struct PartEntry {  // EXT-X-PART (Low-Latency HLS)
  double duration = 0;
  std::string uri;
  bool independent = false;
};

struct PlaylistEntry {
  bool discontinuity = false;
  absl::Time program_date_time;
  double duration = 0;  // EXTINF seconds.
  std::string uri;
  std::vector<PartEntry> parts;  // Listed before it.
};

struct MediaPlaylist {
  int64_t target_duration = 0;
  int64_t media_sequence = 0;
  bool ended = false;
  std::vector<PlaylistEntry> entries;
  // Low-Latency HLS: PART-TARGET (0 without), the parts of the segment in progress, the
  // preload hint's URI, and the server control line as written.
  double part_target = 0;
  std::vector<PartEntry> pending_parts;
  std::string preload_hint;
  std::string server_control;
};

// Parses the tags the packager writes; REQUIRE-fails on anything malformed.
MediaPlaylist ParseMediaPlaylist(const std::string& text);

std::string ReadText(const std::filesystem::path& path);

// ffprobe's duration of the first stream `selector` picks ("v:0", "a:0") in `file`, in seconds.
double StreamDuration(const std::filesystem::path& file, const std::string& selector);
inline double VideoDuration(const std::filesystem::path& file) {
  return StreamDuration(file, "v:0");
}

// The codec names ffprobe sees in `file`, sorted and comma-separated ("aac,h264").
std::string CodecNames(const std::filesystem::path& file);

// sha256sum's digest of `file`.
std::string Sha256Of(const std::filesystem::path& file);

}  // namespace shopcast::video_ingest::media::testing
