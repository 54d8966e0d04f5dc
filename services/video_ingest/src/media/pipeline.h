#pragma once

// One live encoder session's packager: container bytes from a protocol server (FLV from RTMP,
// MPEG-TS from SRT) go through a GStreamer pipeline — demux, parse, timestamp normalisation,
// remux without re-encoding — into MPEG-TS segments, each appended to the stream's LivePlaylist
// and reported.
//
//   appsrc → flvdemux|tsdemux → queue → h264parse → [normalise, cut] → mpegtsmux → [writer]
//                             → queue → aacparse  → [normalise, cut] ↗
//
// Cuts: at the first keyframe at or after the target duration (segment_cutter.h), or the first
// AAC frame for audio-only sessions; the probe marks the cut with an event before that buffer,
// the muxer passes it on in order, and the segment writer (a probe before a fakesink) closes the
// file there and posts it to the event thread, which fsyncs, hashes and appends it. Stalls are
// judged by media flow (media_watchdog.h) on the steady clock.
//
// Low-Latency HLS (PackagerOptions::part_target): the same probe also marks part boundaries
// (part_cutter.h) with an event of ours, which the muxer passes on in order with the video (or
// audio); the writer closes the part file there and appends it to the playlist at once. A
// segment cut is also the end of its last part, which is listed with the segment.
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
#include "media/live_playlist.h"
#include "media/packager.h"
#include "media/packager_metrics.h"
#include "publish/publish.h"
#include "publish/segment.h"

namespace shopcast::video_ingest::media {

// The GStreamer packager (see packager.h for the contract).
class Pipeline final : public Packager {
 public:
  // Builds and starts a pipeline appending to `playlist`, which must outlive it and must not be
  // used by anyone else until Finish returns or the Pipeline is destroyed.
  // `metrics` (optional) must outlive it.
  static absl::StatusOr<std::unique_ptr<Pipeline>> Start(PackagerOptions options,
                                                         LivePlaylist& playlist,
                                                         PackagerEvents events,
                                                         PackagerMetrics* metrics = nullptr);

  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  bool Push(std::span<const uint8_t> bytes) override;
  absl::Status Finish(absl::Duration timeout) override;

 private:
  class Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// Starts Pipelines.
class GstPackagerFactory final : public PackagerFactory {
 public:
  // `metrics` (optional) must outlive the factory and every pipeline it started.
  explicit GstPackagerFactory(PackagerMetrics* metrics = nullptr) : metrics_(metrics) {}

  absl::StatusOr<std::unique_ptr<Packager>> Start(PackagerOptions options, LivePlaylist& playlist,
                                                  PackagerEvents events) override;

 private:
  PackagerMetrics* const metrics_;
};

}  // namespace shopcast::video_ingest::media
