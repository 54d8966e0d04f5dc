#pragma once

// What real tools say about media the tests sent and recorded: how many bytes ffmpeg sent, and
// how many video frames decode from a file. Failures fail the calling test (Catch2).

#include <cstdint>
#include <string>

namespace shopcast::video_ingest::ffmpeg_check {

// The byte count of everything an ffmpeg run muxed into its output, read from the final report
// it wrote with `-progress <progress_file>` (written after the trailer: the whole output).
uint64_t SentBytes(const std::string& progress_file);

// ffmpeg decodes every stream of `path` (a file or an HLS playlist); its error output, "" when
// clean. Frames keep the file's 90 kHz time base: by default ffmpeg re-times decoded video to
// 1/frame-rate from the file's start, and when a segment starts with audio a fraction of a
// frame before the keyframe (audio sorts by decode time, and B-frames decode before they show)
// millisecond timestamps from FLV land two frames in one tick, which its null muxer reports as
// "non monotonically increasing dts" although every frame decoded.
std::string DecodeErrors(const std::string& path);

// How many video frames of the first video stream in `path` decode (ffprobe -count_frames).
int DecodedVideoFrames(const std::string& path);

}  // namespace shopcast::video_ingest::ffmpeg_check
