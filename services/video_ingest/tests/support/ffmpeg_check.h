#pragma once

// What real tools say about media the tests sent and recorded: how many bytes ffmpeg sent, and
// how many video frames decode from a file. Failures fail the calling test (Catch2).

#include <cstdint>
#include <string>

namespace shopcast::video_ingest::ffmpeg_check {

// The byte count of everything an ffmpeg run muxed into its output, read from the final report
// it wrote with `-progress <progress_file>` (written after the trailer: the whole output).
uint64_t SentBytes(const std::string& progress_file);

// How many video frames of the first video stream in `path` decode (ffprobe -count_frames).
int DecodedVideoFrames(const std::string& path);

}  // namespace shopcast::video_ingest::ffmpeg_check
