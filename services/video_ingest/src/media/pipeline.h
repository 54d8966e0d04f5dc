#pragma once

// One live encoder session's packager: container bytes from a protocol server (FLV from RTMP,
// MPEG-TS from SRT) go through a GStreamer pipeline — demux, parse, timestamp normalisation,
// remux without re-encoding — into MPEG-TS segments cut on keyframes, each appended to the
// stream's LivePlaylist and reported.
//
//   appsrc → flvdemux|tsdemux → queue → h264parse → [normalise] → splitmuxsink(mpegtsmux)
//                             → queue → aacparse  → [normalise] ↗
//
// Time: a segment's program date time is the wall clock when the session's first buffer left
// the parsers plus the segment's media distance from that buffer, so consecutive date times
// differ by exactly the earlier segment's EXTINF.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "publish/publish.h"
#include "publish/segment.h"
#include "media/live_playlist.h"

namespace shopcast::video_ingest::media {

struct PipelineOptions {
  MediaFormat format = MediaFormat::kFlv;
  std::filesystem::path stream_dir;  // Segment files go here; must be the playlist's folder.
  std::string stream_id;             // SegmentInfo.path is "<stream_id>/<file>".
  absl::Duration target_duration = absl::Seconds(2);
  size_t max_queued_bytes = 16 * 1024 * 1024;
  absl::Duration stall_timeout = absl::Seconds(10);
  bool discontinuity = false;  // This session follows an earlier one on the same playlist.
};

// Called from one pipeline-owned thread, one at a time, never with a pipeline lock held. A
// callback must not destroy the Pipeline or call Finish (it would wait for itself).
struct PipelineEvents {
  // A segment is complete, fsynced, hashed and in the playlist. An error fails the pipeline
  // with STORAGE_FAILURE.
  std::function<absl::Status(const SegmentInfo&)> segment_closed;
  // Once, when the parsed streams' formats are known (at the latest before the first segment).
  std::function<void(const MediaInfo&)> media_info;
  // Once, terminal: reason PACKAGER_FAILURE, UNSUPPORTED_CODEC, STORAGE_FAILURE or MEDIA_STALLED.
  std::function<void(const absl::Status&)> failed;
};

class Pipeline {
 public:
  // Builds and starts a pipeline appending to `playlist`, which must outlive it and must not be
  // used by anyone else until Finish returns or the Pipeline is destroyed.
  static absl::StatusOr<std::unique_ptr<Pipeline>> Start(PipelineOptions options,
                                                         LivePlaylist& playlist,
                                                         PipelineEvents events);

  // Aborts without waiting for the last segment; never hangs.
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Queues container bytes; thread-safe, never blocks. False when the queue is over
  // max_queued_bytes or the pipeline has failed or is finishing.
  bool Push(std::span<const uint8_t> bytes);

  // Ends the input and waits up to `timeout` for the last segment to be closed and reported, then
  // tears down. OK, the failure already reported through `failed`, or DEADLINE_EXCEEDED (torn
  // down anyway).
  absl::Status Finish(absl::Duration timeout);

 private:
  class Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace shopcast::video_ingest::media
