#pragma once

// Cuts a clip out of a recording's MPEG-TS segments with GStreamer, without re-encoding, into an
// MP4 whose index (moov) comes first, and decodes one keyframe into a JPEG (the clip's poster,
// a recording's thumbnails).
//
//   per run of segments without a discontinuity (their bytes fed in order to one demuxer, so
//   the source's timestamps stay continuous inside the run):
//     appsrc (the files' bytes) → tsdemux → h264parse|h265parse|aacparse → appsink
//   → ClipSelector (clip_range.h: keyframe snapping) →
//     appsrc (video) ─┐
//     appsrc (audio) ─┴→ mp4mux (faststart) → filesink
//
// Timestamps. A run's position on the recording's timeline comes from its first segment's
// media_offset_us (video-ingest's sum of durations) and its first video keyframe's PTS. Across
// a discontinuity (an encoder reconnect: timestamps start over or jump) the next run is placed
// at its own media_offset_us, moved later if needed so that its first decode time follows
// everything already written: the MP4 is continuous (the reconnect gap of wall-clock time is not
// in the media timeline). The clip is refused (FAILED_PRECONDITION/CLIP_FORMAT_CHANGED) only
// when the reconnect changed the format (codec, size, parameter sets): one MP4 track cannot
// change its sample description midway without re-encoding.
//
// Errors (machine-readable reasons):
//   NOT_FOUND/SOURCE_UNAVAILABLE          a segment file is missing or unreadable
//   INVALID_ARGUMENT/CLIP_RANGE_INVALID   nothing of the range is in the segments given
//   FAILED_PRECONDITION/SOURCE_UNSUPPORTED  no H.264/HEVC video or AAC audio in the segments
//   FAILED_PRECONDITION/CLIP_FORMAT_CHANGED  the format changed at a discontinuity in the range
//   DATA_LOSS/SOURCE_CORRUPT              the demuxer or a parser failed on the bytes
//   RESOURCE_EXHAUSTED/CLIP_TOO_LARGE     the MP4 would pass CutOptions::max_output_bytes
//   DEADLINE_EXCEEDED/CLIP_TIMEOUT        the cut took longer than CutOptions::timeout
//   INTERNAL/CLIP_MUX_FAILED              the muxer or the output file failed
//   FAILED_PRECONDITION/CUTTER_ELEMENT_MISSING  a GStreamer element is not installed
//   INVALID_ARGUMENT/FRAME_DECODE_FAILED  (posters, thumbnails) the keyframe gave no picture

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shopcast::recording_lifecycle::clips {

// One segment file on local disk, as indexed (segments table).
struct SourceSegment {
  std::filesystem::path path;
  int64_t sequence = 0;
  int64_t media_offset_us = 0;
  int64_t duration_us = 0;
  bool discontinuity = false;
};

struct FrameOptions {
  // The picture fits in max_size × max_size (aspect kept, square pixels, never upscaled).
  int max_size = 640;
  int jpeg_quality = 85;
};

struct CutOptions {
  // The whole cut (demux, mux, poster).
  absl::Duration timeout = absl::Seconds(120);
  // The MP4's size limit; a 3-minute clip at 8 Mbit/s is about 180 MiB.
  int64_t max_output_bytes = int64_t{512} << 20;
  FrameOptions poster;
  // Where the muxer keeps the media while it writes the index first; empty = beside the output.
  std::filesystem::path scratch_dir;
};

struct CutResult {
  // The clip on the recording's timeline: start = the start keyframe (or audio frame).
  int64_t start_us = 0;
  int64_t duration_us = 0;
  bool has_video = false;
  bool has_audio = false;
  int64_t bytes = 0;
  // The poster (when one was asked for and there is video).
  bool has_poster = false;
  int poster_width = 0;
  int poster_height = 0;
  int64_t video_frames = 0;
  int64_t audio_frames = 0;
};

// Cuts [start_us, start_us + duration_us) of the recording whose segments (in sequence order,
// at least those SegmentsFor() names) are `segments` into `mp4` (written under a temporary name
// and renamed: nothing is left at `mp4` on failure), and, if `poster` is not empty, the clip's
// first keyframe as a JPEG there. Blocking; any thread; GStreamer is initialised on first use.
absl::StatusOr<CutResult> CutClip(const std::vector<SourceSegment>& segments, int64_t start_us,
                                  int64_t duration_us, const std::filesystem::path& mp4,
                                  const std::filesystem::path& poster, const CutOptions& options);

struct Frame {
  std::string jpeg;
  int width = 0;
  int height = 0;
  // Where the keyframe decoded is on the recording's timeline.
  int64_t offset_us = 0;
};

// The video keyframe at or before `at_us` (the first one after it if the segment holding it
// starts later), decoded and encoded as a JPEG. FAILED_PRECONDITION/SOURCE_UNSUPPORTED without
// video.
absl::StatusOr<Frame> GrabFrame(const std::vector<SourceSegment>& segments, int64_t at_us,
                                const FrameOptions& options, absl::Duration timeout);

// OK when every GStreamer element the cutter uses is installed.
absl::Status CheckCutterElements();

// The output size for a width × height picture with pixel aspect par_n/par_d: square pixels,
// even sides, within max_size × max_size, never larger than the source.
struct PictureSize {
  int width = 0;
  int height = 0;
};
PictureSize FitPicture(int width, int height, int par_n, int par_d, int max_size);

}  // namespace shopcast::recording_lifecycle::clips
