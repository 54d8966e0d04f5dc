#pragma once

// Real media for the clip tests: ffmpeg-made MPEG-TS segments as video-ingest writes them (H.264
// with B-frames, a keyframe every second, AAC), with a machine-readable frame counter burned
// into the picture, and ffprobe/ffmpeg to check what the cutter made. The counter (CounterFilter,
// ReadCounter) also marks the picture of other tests' encoders (the ingest → VOD e2e test's
// RTMP publisher).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "clips/cutter.h"

namespace shopcast::recording_lifecycle::clips::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (stderr too unless `quiet_stderr`).
};
CommandResult Run(const std::string& command, bool quiet_stderr = false);

struct MediaSpec {
  int seconds = 8;
  int segment_seconds = 2;
  bool video = true;
  bool audio = true;
  // The counter burned into frame n shows n + first_frame (CounterFilter, kClipCounterBlock).
  int first_frame = 0;
  // Placement of the first segment on the recording's timeline and its sequence number.
  int64_t media_offset_us = 0;
  int64_t first_sequence = 0;
  // The first segment follows a reconnect (the timestamps start over, as a new session's do).
  bool discontinuity = false;
  std::string size = "320x180";
  // The first picture comes this long after the first audio frame, and every audio frame is a
  // PES packet of its own: the first segment opens with audio the demuxer hands out before any
  // picture, as video-ingest's segments (mpegtsmux) do. Needs video and audio.
  int audio_lead_ms = 0;
};

// The frame counter: frame n (from 0, as ffmpeg's filters count the frames they see) of a
// picture drawn through CounterFilter(first_frame, block) carries n + first_frame as
// kCounterBits square blocks of `block` pixels in the top-left corner: bit b (least significant
// first) at x = b·block, white when set, in the top row, and its complement in the row below,
// on black. A read checks every bit against its complement, so a smeared block or a picture
// without a counter reads as no counter rather than as a wrong number. Only ffmpeg's drawbox
// filter: no fonts, no OCR. Blocks of 8 or more pixels, on a multiple of 8, survive x264's
// compression at its defaults.
inline constexpr int kCounterBits = 16;
inline constexpr int kClipCounterBlock = 8;  // MakeSegments' pictures (320×180)
// The filter chain (for -vf, or after a filter graph's last filter) that burns the counter.
// Its only quotes are single quotes (filter-graph quoting): it can stand inside a shell's
// double quotes or be passed as one argv element.
std::string CounterFilter(int64_t first_frame, int block = kClipCounterBlock);
// The counter of frame `index` (presentation order, from 0) of `media`, a file or a URL ffmpeg
// opens (an http:// segment URL with its query); -1 when that frame does not decode or carries
// no valid counter.
int64_t ReadCounter(const std::string& media, int index, int block = kClipCounterBlock);

// Writes the segments as <dir>/<prefix>NNN.ts and returns them, durations from their frames.
std::vector<SourceSegment> MakeSegments(const std::filesystem::path& dir, const std::string& prefix,
                                        const MediaSpec& spec);

struct StreamFacts {
  std::string codec;
  double start_time = 0;
  double duration = 0;
  int64_t frames = 0;  // Decoded (ffprobe -count_frames).
  int width = 0;
  int height = 0;
};
// ffprobe's view of the first stream `selector` picks ("v:0", "a:0"); codec empty if none.
StreamFacts Probe(const std::filesystem::path& file, const std::string& selector);

// Whether the first video packet of `file` is a keyframe.
bool FirstPacketIsKeyframe(const std::filesystem::path& file);

// The bytes of `file` (empty if unreadable).
std::string ReadFile(const std::filesystem::path& file);

// Frame `index` of `file`, decoded and scaled to 32×18 grey (576 bytes).
std::string FrameSignature(const std::filesystem::path& file, int index);

// Mean absolute difference of two signatures (0..255).
double Difference(const std::string& a, const std::string& b);

}  // namespace shopcast::recording_lifecycle::clips::testing
