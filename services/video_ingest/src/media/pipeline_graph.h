#pragma once

// The GStreamer elements of one session's packager and how they connect:
//
//   appsrc → flvdemux|tsdemux → queue → h264parse|h265parse → capsfilter ─→ mpegtsmux → fakesink
//                             → aacparse ─────────────────────────────────↗
//
// Threads: appsrc's (demuxer, aacparse), the video queue's (h264parse) and the muxer's. Audio
// has no queue: each muxer pad holds up to a second of media instead (aggregator latency).
//
// The demuxer's pads appear as it reads the stream; each track we package gets a branch into
// the one muxer, anything else a fakesink. Probes (installed by the caller) watch what leaves
// the parsers and what leaves the muxer.

#include <gst/gst.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "media/packager.h"

namespace shopcast::video_ingest::media {

class PipelineGraph {
 public:
  PipelineGraph() = default;
  ~PipelineGraph();
  PipelineGraph(const PipelineGraph&) = delete;
  PipelineGraph& operator=(const PipelineGraph&) = delete;

  // Makes and links appsrc → demuxer and muxer → fakesink. `max_queued_bytes` bounds appsrc.
  absl::Status Build(MediaFormat format, size_t max_queued_bytes);

  // Adds the parser (video: after a queue) for `track` (tracks.h; the video parser from the pad's
  // caps: h264parse, or h265parse for video/x-h265), installs `probe` on the parser's output
  // (before any data can flow) and links demux_pad → branch → muxer. False if anything fails.
  bool AddBranch(GstPad* demux_pad, int track, GstPadProbeCallback probe, gpointer probe_data);
  // HEVC over RTMP (flv_feed.h): an appsrc of elementary frames with `caps` (timestamps in
  // TIME), in the pipeline and started, whose src pad takes a demuxer pad's place in AddBranch.
  // nullptr if it cannot be made. Owned by the pipeline.
  GstElement* AddElementarySource(GstCaps* caps, size_t max_queued_bytes);

  // Sinks a demuxer pad we do not package (extra tracks, data tracks like KLV or SCTE-35).
  void Discard(GstPad* demux_pad);
  // The session has no video: the muxer must not wait for it.
  void ReleaseVideoPad();

  GstElement* pipeline() const { return pipeline_; }
  GstElement* appsrc() const { return appsrc_; }
  GstElement* demux() const { return demux_; }
  GstElement* muxer() const { return mux_; }
  GstPad* sink_pad() const { return sink_pad_; }

 private:
  GstElement* pipeline_ = nullptr;  // Owns the elements below.
  GstElement* appsrc_ = nullptr;
  GstElement* demux_ = nullptr;
  GstElement* mux_ = nullptr;
  GstPad* sink_pad_ = nullptr;  // The fakesink's; where muxed bytes are read.
  // Requested up front so the muxer waits for video before writing anything (flvdemux usually
  // exposes audio first); released when the session turns out audio-only.
  GstPad* video_mux_pad_ = nullptr;
};

// The track (tracks.h) a demuxer pad's caps carry, or -1 for anything we do not package.
// HEVC (video/x-h265) is the video track only when `accept_hevc`.
int TrackForCaps(GstCaps* caps, bool accept_hevc = false);
// What `pad` carries (a new reference; ANY if unknown): its current caps, else for an appsrc's
// pad the appsrc's caps (the HEVC feed's elementary sources, whose caps query fails until they
// run), else what a caps query says.
GstCaps* PadCaps(GstPad* pad);
// "video/x-h264", or "" for empty or missing caps.
std::string CapsName(GstCaps* caps);

}  // namespace shopcast::video_ingest::media
