#include "media/pipeline_graph.h"

#include <gst/app/gstappsrc.h>

#include "media/tracks.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// How much media each muxer pad may hold (see Build).
constexpr GstClockTime kMuxerPadBuffer = GST_SECOND;

}  // namespace

PipelineGraph::~PipelineGraph() {
  if (pipeline_ != nullptr) gst_element_set_state(pipeline_, GST_STATE_NULL);
  if (sink_pad_ != nullptr) gst_object_unref(sink_pad_);
  if (video_mux_pad_ != nullptr) gst_object_unref(video_mux_pad_);
  if (pipeline_ != nullptr) gst_object_unref(pipeline_);
}

absl::Status PipelineGraph::Build(MediaFormat format, size_t max_queued_bytes) {
  const bool flv = format == MediaFormat::kFlv;
  pipeline_ = gst_pipeline_new(nullptr);
  if (pipeline_ != nullptr) gst_object_ref_sink(pipeline_);
  appsrc_ = gst_element_factory_make("appsrc", nullptr);
  demux_ = gst_element_factory_make(flv ? "flvdemux" : "tsdemux", nullptr);
  mux_ = gst_element_factory_make("mpegtsmux", nullptr);
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (pipeline_ == nullptr || appsrc_ == nullptr || demux_ == nullptr || mux_ == nullptr ||
      sink == nullptr) {
    for (GstElement* e : {appsrc_, demux_, mux_, sink}) {
      if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
    }
    appsrc_ = demux_ = mux_ = nullptr;
    return Error(absl::StatusCode::kFailedPrecondition, "PACKAGER_FAILURE",
                 "a GStreamer element is missing (appsrc, flvdemux, tsdemux, mpegtsmux, "
                 "fakesink)");
  }

  GstCaps* caps = gst_caps_from_string(
      flv ? "video/x-flv" : "video/mpegts,systemstream=(boolean)true,packetsize=(int)188");
  // Byte stream into a demuxer: no timestamps here, and never block the protocol thread (the
  // queue limit is enforced by the caller).
  g_object_set(appsrc_, "caps", caps, "format", GST_FORMAT_BYTES, "stream-type",
               GST_APP_STREAM_TYPE_STREAM, "is-live", FALSE, "block", FALSE, "max-bytes",
               static_cast<guint64>(max_queued_bytes), nullptr);
  gst_caps_unref(caps);
  // The probe on its pad is the segment writer; the fakesink only ends the graph.
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  // Each muxer pad holds up to this much media (aggregator "latency"; the pipeline is not live,
  // so it adds no wait): the audio branch has no queue of its own, so the demuxer's thread
  // can run this far ahead on audio before it waits for the muxer to take video.
  g_object_set(mux_, "latency", static_cast<guint64>(kMuxerPadBuffer), nullptr);

  gst_bin_add_many(GST_BIN(pipeline_), appsrc_, demux_, mux_, sink, nullptr);
  video_mux_pad_ = gst_element_request_pad_simple(mux_, "sink_%d");
  if (video_mux_pad_ == nullptr) {
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "mpegtsmux has no sink pad");
  }
  if (!gst_element_link(appsrc_, demux_) || !gst_element_link(mux_, sink)) {
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "cannot link the pipeline");
  }
  sink_pad_ = gst_element_get_static_pad(sink, "sink");
  return absl::OkStatus();
}

namespace {

// HEVC input (README, HEVC input): the video branch's parser and its output caps by codec.
// Byte-stream and whole access units, as mpegtsmux takes them; each keyframe (an IRAP picture
// for HEVC) carries its parameter sets (config-interval=-1), so every segment and part decodes.
struct VideoParser {
  const char* element;
  const char* caps;
};

VideoParser VideoParserFor(GstPad* demux_pad) {
  GstCaps* caps = PadCaps(demux_pad);
  const bool hevc = CapsName(caps) == "video/x-h265";
  if (caps != nullptr) gst_caps_unref(caps);
  if (hevc) return {"h265parse", "video/x-h265,stream-format=byte-stream,alignment=au"};
  return {"h264parse", "video/x-h264,stream-format=byte-stream,alignment=au"};
}

}  // namespace

bool PipelineGraph::AddBranch(GstPad* demux_pad, int track, GstPadProbeCallback probe,
                              gpointer probe_data) {
  const bool video = track == kVideoTrack;
  // Video gets a queue (a thread of its own): its first buffer may wait there for the audio
  // branch, which the demuxer's thread adds. Audio is parsed on the demuxer's thread and
  // buffered in its muxer pad (kMuxerPadBuffer): a thread and a hand-off less per AAC frame.
  const VideoParser video_parser = video ? VideoParserFor(demux_pad) : VideoParser{};
  GstElement* queue = video ? gst_element_factory_make("queue", nullptr) : nullptr;
  GstElement* parser = gst_element_factory_make(video ? video_parser.element : "aacparse", nullptr);
  GstElement* filter = video ? gst_element_factory_make("capsfilter", nullptr) : nullptr;
  if ((video && queue == nullptr) || parser == nullptr || (video && filter == nullptr)) {
    for (GstElement* e : {queue, parser, filter}) {
      if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
    }
    return false;
  }
  GstElement* last = parser;
  GstElement* first = video ? queue : parser;
  gst_bin_add(GST_BIN(pipeline_), parser);
  if (video) gst_bin_add(GST_BIN(pipeline_), queue);
  if (video) {
    // SPS/PPS before every keyframe, so each segment decodes on its own.
    g_object_set(parser, "config-interval", -1, nullptr);
    GstCaps* caps = gst_caps_from_string(video_parser.caps);
    g_object_set(filter, "caps", caps, nullptr);
    gst_caps_unref(caps);
    gst_bin_add(GST_BIN(pipeline_), filter);
    last = filter;
  }
  if (video && (!gst_element_link(queue, parser) || !gst_element_link(parser, filter))) {
    return false;
  }
  GstPad* src = gst_element_get_static_pad(last, "src");
  gst_pad_add_probe(
      src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      probe, probe_data, nullptr);
  GstPad* sink = video ? GST_PAD(gst_object_ref(video_mux_pad_))
                       : gst_element_request_pad_simple(mux_, "sink_%d");
  const bool linked_out = sink != nullptr && gst_pad_link(src, sink) == GST_PAD_LINK_OK;
  gst_object_unref(src);
  if (sink != nullptr) gst_object_unref(sink);
  if (!linked_out) return false;

  if (filter != nullptr) gst_element_sync_state_with_parent(filter);
  gst_element_sync_state_with_parent(parser);
  if (queue != nullptr) gst_element_sync_state_with_parent(queue);
  GstPad* branch_sink = gst_element_get_static_pad(first, "sink");
  const bool linked_in = gst_pad_link(demux_pad, branch_sink) == GST_PAD_LINK_OK;
  gst_object_unref(branch_sink);
  return linked_in;
}

GstElement* PipelineGraph::AddElementarySource(GstCaps* caps, size_t max_queued_bytes) {
  GstElement* src = gst_element_factory_make("appsrc", nullptr);
  if (src == nullptr) return nullptr;
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "stream-type",
               GST_APP_STREAM_TYPE_STREAM, "is-live", FALSE, "block", FALSE, "max-bytes",
               static_cast<guint64>(max_queued_bytes), nullptr);
  gst_bin_add(GST_BIN(pipeline_), src);
  gst_element_sync_state_with_parent(src);
  return src;
}

void PipelineGraph::Discard(GstPad* demux_pad) {
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (sink == nullptr) return;
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(demux_pad, pad);
  gst_object_unref(pad);
}

void PipelineGraph::ReleaseVideoPad() {
  if (video_mux_pad_ == nullptr) return;
  gst_element_release_request_pad(mux_, video_mux_pad_);
  gst_object_unref(video_mux_pad_);
  video_mux_pad_ = nullptr;
}

GstCaps* PadCaps(GstPad* pad) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps != nullptr) return caps;
  GstElement* parent = gst_pad_get_parent_element(pad);
  if (parent != nullptr) {
    if (GST_IS_APP_SRC(parent)) caps = gst_app_src_get_caps(GST_APP_SRC(parent));
    gst_object_unref(parent);
  }
  return caps != nullptr ? caps : gst_pad_query_caps(pad, nullptr);
}

std::string CapsName(GstCaps* caps) {
  if (caps == nullptr || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return "";
  return gst_structure_get_name(gst_caps_get_structure(caps, 0));
}

int TrackForCaps(GstCaps* caps, bool accept_hevc) {
  const std::string name = CapsName(caps);
  if (name == "video/x-h264") return kVideoTrack;
  if (name == "video/x-h265" && accept_hevc) return kVideoTrack;
  if (name == "audio/mpeg") {
    int version = 0;
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "mpegversion", &version);
    if (version == 2 || version == 4) return kAudioTrack;  // MPEG-2 and MPEG-4 AAC.
  }
  return -1;
}

}  // namespace shopcast::video_ingest::media
