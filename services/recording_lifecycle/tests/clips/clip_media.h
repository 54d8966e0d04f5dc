#pragma once

// Real media for the clip tests: ffmpeg-made MPEG-TS segments as video-ingest writes them (H.264
// with B-frames, a keyframe every second, AAC), with a frame counter burned into the picture,
// and ffprobe/ffmpeg to check what the cutter made.

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
  // The counter burned into frame n shows n + first_frame.
  int first_frame = 0;
  // Placement of the first segment on the recording's timeline and its sequence number.
  int64_t media_offset_us = 0;
  int64_t first_sequence = 0;
  // The first segment follows a reconnect (the timestamps start over, as a new session's do).
  bool discontinuity = false;
  std::string size = "320x180";
};

// Writes the segments as <dir>/<prefix>NNN.ts and returns them, durations from their frames.
std::vector<SourceSegment> MakeSegments(const std::filesystem::path& dir,
                                        const std::string& prefix, const MediaSpec& spec);

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
