#include "media/pipeline.h"

#include <fcntl.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "media/codec_strings.h"
#include "media/file_io.h"
#include "media/gstreamer_init.h"
#include "media/media_watchdog.h"
#include "media/segment_cutter.h"
#include "media/steady_clock.h"
#include "media/timestamp_normalizer.h"
#include "media/ts_tables.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr int kVideoTrack = 0;
constexpr int kAudioTrack = 1;
constexpr int kTrackCount = 2;
// How often the event thread wakes without bus traffic to run the watchdog and see stop_.
constexpr absl::Duration kPollInterval = absl::Milliseconds(50);
// Application message posted by streaming threads to fail the pipeline from the event thread.
constexpr char kFailureMessage[] = "shopcast-media-failure";
// Application message: the segment writer closed a segment file.
constexpr char kSegmentWritten[] = "shopcast-segment-written";
// The downstream force-key-unit event (GstVideo's "GstForceKeyUnit" structure, built by hand to
// avoid linking gstreamer-video for one event): mpegtsmux forwards it just before the keyframe
// it names, after every earlier-timed audio packet, and repeats PAT and PMT after it.
constexpr char kForceKeyUnit[] = "GstForceKeyUnit";
// Our own cut marker for audio-only sessions (mpegtsmux acts on key-unit events for video only);
// the muxer passes it through in order with the audio.
constexpr char kAudioCut[] = "shopcast-audio-cut";

std::optional<int64_t> ToNs(GstClockTime t) {
  if (!GST_CLOCK_TIME_IS_VALID(t)) return std::nullopt;
  return static_cast<int64_t>(t);
}

GstClockTime FromNs(const std::optional<int64_t>& ns) {
  return ns ? static_cast<GstClockTime>(*ns) : GST_CLOCK_TIME_NONE;
}

bool IsStorageError(const GError* err) {
  if (err->domain != GST_RESOURCE_ERROR) return false;
  switch (err->code) {
    case GST_RESOURCE_ERROR_OPEN_WRITE:
    case GST_RESOURCE_ERROR_OPEN_READ_WRITE:
    case GST_RESOURCE_ERROR_WRITE:
    case GST_RESOURCE_ERROR_CLOSE:
    case GST_RESOURCE_ERROR_SYNC:
    case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
      return true;
    default:
      return false;
  }
}

std::string CapsName(GstCaps* caps) {
  if (caps == nullptr || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return "";
  return gst_structure_get_name(gst_caps_get_structure(caps, 0));
}

// The status for a failure reason, with the code that says what it means (packager.h).
absl::Status ReasonStatus(absl::string_view reason, absl::string_view message) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (reason == "UNSUPPORTED_CODEC") code = absl::StatusCode::kInvalidArgument;
  if (reason == "MEDIA_STALLED") code = absl::StatusCode::kDeadlineExceeded;
  if (reason == "STORAGE_FAILURE") code = absl::StatusCode::kDataLoss;
  return Error(code, reason, message);
}

// Writes all of `bytes` to `fd`; false with errno set on failure.
bool WriteAll(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

class Pipeline::Impl {
 public:
  Impl(PackagerOptions options, LivePlaylist& playlist, PackagerEvents events)
      : options_(std::move(options)),
        playlist_(playlist),
        events_(std::move(events)),
        first_sequence_(playlist.next_sequence()),
        cutter_(options_.target_duration),
        watchdog_(options_.stall_timeout),
        next_sequence_(first_sequence_) {}

  ~Impl() {
    Teardown();
    if (video_mux_pad_ != nullptr) gst_object_unref(video_mux_pad_);
    if (bus_ != nullptr) gst_object_unref(bus_);
    if (pipeline_ != nullptr) gst_object_unref(pipeline_);
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Build();
  bool Push(std::span<const uint8_t> bytes);
  // False when the input does not start like the expected container.
  bool Sniff(std::span<const uint8_t> bytes);
  absl::Status Finish(absl::Duration timeout);
  // Stops the event thread and the pipeline; idempotent.
  void Teardown();

 private:
  // Per parsed track; lives as long as the Impl (pad probes point at it).
  struct Track {
    Impl* impl = nullptr;
    int index = 0;
    GstSegment upstream_segment;  // Only touched by this pad's streaming thread.
    bool have_segment = false;
  };

  // Streaming-thread side.
  static void OnPadAdded(GstElement* demux, GstPad* pad, gpointer self);
  static void OnNoMorePads(GstElement* demux, gpointer self);
  // Once the tracks are known: fails a session with none we take, makes one without video
  // audio-only.
  void SettleTracks();
  static GstPadProbeReturn OnProbe(GstPad* pad, GstPadProbeInfo* info, gpointer track);
  static GstPadProbeReturn OnMuxed(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void HandlePad(GstPad* pad);
  bool AddBranch(GstPad* demux_pad, int track);
  void LinkToFakesink(GstPad* demux_pad);
  void HandleBuffer(Track& track, GstPad* pad, GstPadProbeInfo* info);
  void HandleEvent(Track& track, GstPadProbeInfo* info);
  void RecordCaps(int track, GstCaps* caps);
  void PostFailure(absl::string_view reason, absl::string_view message);

  // Segment writer: the muxer's streaming thread, under writer_mu_.
  void WriteMuxed(std::span<const uint8_t> bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  void CloseSegment(int64_t end_ns, int64_t first_start_ns)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  void HandleMuxedEvent(GstEvent* event);

  // Event-thread side.
  void Run();
  void HandleMessage(GstMessage* msg);
  void HandleError(GstMessage* msg);
  void FinalizeSegment(int64_t sequence, const std::string& location, int64_t start_ns,
                       int64_t end_ns);
  void MaybeEmitMediaInfo(bool force);
  void CheckWatchdog();
  void Fail(const absl::Status& status);
  void Complete(const absl::Status& status);

  const PackagerOptions options_;
  LivePlaylist& playlist_;
  const PackagerEvents events_;
  const int64_t first_sequence_;

  GstElement* pipeline_ = nullptr;
  GstElement* appsrc_ = nullptr;  // Owned by pipeline_.
  GstElement* mux_ = nullptr;     // Owned by pipeline_.
  // Requested up front so the muxer waits for video before writing anything (flvdemux usually
  // exposes audio first); released when the session turns out to be audio-only.
  GstPad* video_mux_pad_ = nullptr;
  GstBus* bus_ = nullptr;
  std::thread thread_;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> stop_{false};
  // False when the FLV header says there is no video: flvdemux never says no-more-pads then.
  std::atomic<bool> flv_announces_video_{true};
  // The first bytes of input, until they prove the container (Push callers may be concurrent).
  absl::Mutex sniff_mu_;
  std::string sniffed_ ABSL_GUARDED_BY(sniff_mu_);
  bool sniff_done_ ABSL_GUARDED_BY(sniff_mu_) = false;

  // Shared between streaming threads, Push and the event thread.
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Track>> tracks_ ABSL_GUARDED_BY(mu_);
  bool linked_[kTrackCount] ABSL_GUARDED_BY(mu_) = {false, false};
  bool no_more_pads_ ABSL_GUARDED_BY(mu_) = false;
  // No video track: segments are cut on audio frames.
  bool audio_only_ ABSL_GUARDED_BY(mu_) = false;
  TimestampNormalizer normalizer_ ABSL_GUARDED_BY(mu_){kTrackCount};
  SegmentCutter cutter_ ABSL_GUARDED_BY(mu_);
  MediaWatchdog watchdog_ ABSL_GUARDED_BY(mu_);
  uint32_t cuts_ ABSL_GUARDED_BY(mu_) = 0;
  // Program date times (wall clock): when the first buffer left the parsers, and its time.
  std::optional<absl::Time> anchor_wall_ ABSL_GUARDED_BY(mu_);
  int64_t anchor_media_ns_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<int64_t> first_pts_ns_[kTrackCount] ABSL_GUARDED_BY(mu_);
  int64_t reference_end_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_video_step_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_video_pts_ns_ ABSL_GUARDED_BY(mu_) = -1;
  // What the parsers told us.
  bool video_caps_ ABSL_GUARDED_BY(mu_) = false;
  bool audio_caps_ ABSL_GUARDED_BY(mu_) = false;
  MediaInfo facts_ ABSL_GUARDED_BY(mu_);
  std::string avc_codec_ ABSL_GUARDED_BY(mu_);
  std::string h264_profile_ ABSL_GUARDED_BY(mu_);
  std::string h264_level_ ABSL_GUARDED_BY(mu_);
  int aac_object_type_ ABSL_GUARDED_BY(mu_) = 0;

  // The segment being written.
  absl::Mutex writer_mu_;  // Never held with mu_.
  int fd_ ABSL_GUARDED_BY(writer_mu_) = -1;
  int64_t next_sequence_ ABSL_GUARDED_BY(writer_mu_);
  std::string location_ ABSL_GUARDED_BY(writer_mu_);
  std::optional<int64_t> next_start_ns_ ABSL_GUARDED_BY(writer_mu_);  // Set by a cut.
  std::optional<int64_t> start_ns_ ABSL_GUARDED_BY(writer_mu_);       // Of the open segment.
  bool prefix_tables_ ABSL_GUARDED_BY(writer_mu_) = false;
  bool write_failed_ ABSL_GUARDED_BY(writer_mu_) = false;
  TsTables tables_ ABSL_GUARDED_BY(writer_mu_);

  // Event thread only.
  bool terminal_ = false;
  bool media_info_sent_ = false;
  MediaInfo media_info_;

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;  // Guarded by done_mu_.
  absl::Status result_;  // Guarded by done_mu_.
};

// ---- Building --------------------------------------------------------------------------------

absl::Status Pipeline::Impl::Build() {
  const bool flv = options_.format == MediaFormat::kFlv;
  pipeline_ = gst_pipeline_new(nullptr);
  if (pipeline_ != nullptr) gst_object_ref_sink(pipeline_);
  appsrc_ = gst_element_factory_make("appsrc", nullptr);
  GstElement* demux = gst_element_factory_make(flv ? "flvdemux" : "tsdemux", nullptr);
  mux_ = gst_element_factory_make("mpegtsmux", nullptr);
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (pipeline_ == nullptr || appsrc_ == nullptr || demux == nullptr || mux_ == nullptr ||
      sink == nullptr) {
    for (GstElement* e : {appsrc_, demux, mux_, sink}) {
      if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
    }
    appsrc_ = mux_ = nullptr;
    return Error(absl::StatusCode::kFailedPrecondition, "PACKAGER_FAILURE",
                 "a GStreamer element is missing (appsrc, flvdemux, tsdemux, mpegtsmux, "
                 "fakesink)");
  }

  GstCaps* caps = gst_caps_from_string(
      flv ? "video/x-flv" : "video/mpegts,systemstream=(boolean)true,packetsize=(int)188");
  // Byte stream into a demuxer: no timestamps here, and never block the protocol thread (the
  // queue limit is enforced in Push).
  g_object_set(appsrc_, "caps", caps, "format", GST_FORMAT_BYTES, "stream-type",
               GST_APP_STREAM_TYPE_STREAM, "is-live", FALSE, "block", FALSE, "max-bytes",
               static_cast<guint64>(options_.max_queued_bytes), nullptr);
  gst_caps_unref(caps);
  // One muxer for the whole session; the segment writer (a probe on the sink) cuts its output.
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);

  gst_bin_add_many(GST_BIN(pipeline_), appsrc_, demux, mux_, sink, nullptr);
  video_mux_pad_ = gst_element_request_pad_simple(mux_, "sink_%d");
  if (video_mux_pad_ == nullptr) {
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "mpegtsmux has no sink pad");
  }
  if (!gst_element_link(appsrc_, demux) || !gst_element_link(mux_, sink)) {
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "cannot link the pipeline");
  }
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sink_pad,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                 GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                                 GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    &Impl::OnMuxed, this, nullptr);
  gst_object_unref(sink_pad);
  g_signal_connect(demux, "pad-added", G_CALLBACK(&Impl::OnPadAdded), this);
  g_signal_connect(demux, "no-more-pads", G_CALLBACK(&Impl::OnNoMorePads), this);

  bus_ = gst_element_get_bus(pipeline_);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "pipeline refused to start");
  }
  thread_ = std::thread([this] { Run(); });
  log::Info("media_pipeline_started")
      .Kv("stream_id", options_.stream_id)
      .Kv("format", flv ? "flv" : "mpegts")
      .Kv("first_sequence", first_sequence_);
  return absl::OkStatus();
}

void Pipeline::Impl::OnPadAdded(GstElement*, GstPad* pad, gpointer self) {
  static_cast<Impl*>(self)->HandlePad(pad);
}

void Pipeline::Impl::OnNoMorePads(GstElement*, gpointer self) {
  Impl* impl = static_cast<Impl*>(self);
  {
    absl::MutexLock lock(&impl->mu_);
    impl->no_more_pads_ = true;
  }
  impl->SettleTracks();
}

void Pipeline::Impl::SettleTracks() {
  bool video = false;
  bool audio = false;
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    video = linked_[kVideoTrack];
    audio = linked_[kAudioTrack];
    if (!video && audio && !audio_only_) {
      // A host with the camera off: audio-only HLS, cut on audio frames from the first one.
      audio_only_ = true;
      no_more_pads_ = true;
      release = true;
      const std::optional<int64_t> first = first_pts_ns_[kAudioTrack];
      if (first && !cutter_.segment_start_ns()) cutter_.Cut(*first, true);
    }
  }
  if (!video && !audio) {
    PostFailure("UNSUPPORTED_CODEC", "the stream has neither H.264 video nor AAC audio");
  } else if (release) {
    // Otherwise the muxer would wait for video forever.
    gst_element_release_request_pad(mux_, video_mux_pad_);
  }
}

void Pipeline::Impl::HandlePad(GstPad* pad) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  const std::string name = CapsName(caps);
  int track = -1;
  if (name == "video/x-h264") {
    track = kVideoTrack;
  } else if (name == "audio/mpeg") {
    int version = 0;
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "mpegversion", &version);
    if (version == 2 || version == 4) track = kAudioTrack;  // MPEG-2 and MPEG-4 AAC.
  }
  gchar* caps_text = caps != nullptr ? gst_caps_to_string(caps) : g_strdup("(none)");
  const std::string description = caps_text;
  g_free(caps_text);
  if (caps != nullptr) gst_caps_unref(caps);

  bool duplicate = false;
  if (track >= 0) {
    absl::MutexLock lock(&mu_);
    duplicate = linked_[track];
  }
  const bool media = name.rfind("video/", 0) == 0 || name.rfind("audio/", 0) == 0;
  if (track >= 0 && !duplicate) {
    if (!AddBranch(pad, track)) {
      PostFailure("PACKAGER_FAILURE", absl::StrCat("cannot link a branch for ", description));
    } else if (track == kAudioTrack && options_.format == MediaFormat::kFlv &&
               !flv_announces_video_.load()) {
      SettleTracks();
    }
  } else if (media && !duplicate) {
    PostFailure("UNSUPPORTED_CODEC",
                absl::StrCat("only H.264 video and AAC audio are accepted, got ", description));
  } else {
    // Extra tracks of a kind we already package, and data tracks (KLV, SCTE-35…): dropped.
    LinkToFakesink(pad);
  }
}

bool Pipeline::Impl::AddBranch(GstPad* demux_pad, int track) {
  const bool video = track == kVideoTrack;
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* parser = gst_element_factory_make(video ? "h264parse" : "aacparse", nullptr);
  GstElement* filter = video ? gst_element_factory_make("capsfilter", nullptr) : nullptr;
  if (queue == nullptr || parser == nullptr || (video && filter == nullptr)) return false;
  GstElement* last = parser;
  gst_bin_add_many(GST_BIN(pipeline_), queue, parser, nullptr);
  if (video) {
    // SPS/PPS before every keyframe, so each segment decodes on its own.
    g_object_set(parser, "config-interval", -1, nullptr);
    GstCaps* caps = gst_caps_from_string("video/x-h264,stream-format=byte-stream,alignment=au");
    g_object_set(filter, "caps", caps, nullptr);
    gst_caps_unref(caps);
    gst_bin_add(GST_BIN(pipeline_), filter);
    last = filter;
  }
  if (!gst_element_link(queue, parser) || (video && !gst_element_link(parser, filter))) {
    return false;
  }

  Track* probe_track = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto t = std::make_unique<Track>();
    t->impl = this;
    t->index = track;
    gst_segment_init(&t->upstream_segment, GST_FORMAT_TIME);
    probe_track = t.get();
    tracks_.push_back(std::move(t));
    linked_[track] = true;
  }
  GstPad* src = gst_element_get_static_pad(last, "src");
  gst_pad_add_probe(
      src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &Impl::OnProbe, probe_track, nullptr);
  GstPad* sink = video ? GST_PAD(gst_object_ref(video_mux_pad_))
                       : gst_element_request_pad_simple(mux_, "sink_%d");
  const bool linked_out = sink != nullptr && gst_pad_link(src, sink) == GST_PAD_LINK_OK;
  gst_object_unref(src);
  if (sink != nullptr) gst_object_unref(sink);
  if (!linked_out) return false;

  if (filter != nullptr) gst_element_sync_state_with_parent(filter);
  gst_element_sync_state_with_parent(parser);
  gst_element_sync_state_with_parent(queue);
  GstPad* queue_sink = gst_element_get_static_pad(queue, "sink");
  const bool linked_in = gst_pad_link(demux_pad, queue_sink) == GST_PAD_LINK_OK;
  gst_object_unref(queue_sink);
  return linked_in;
}

void Pipeline::Impl::LinkToFakesink(GstPad* demux_pad) {
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (sink == nullptr) return;
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(demux_pad, pad);
  gst_object_unref(pad);
}

void Pipeline::Impl::PostFailure(absl::string_view reason, absl::string_view message) {
  const std::string r(reason);
  const std::string m(message);
  GstStructure* s = gst_structure_new(kFailureMessage, "reason", G_TYPE_STRING, r.c_str(),
                                      "message", G_TYPE_STRING, m.c_str(), nullptr);
  gst_bus_post(bus_, gst_message_new_application(GST_OBJECT(pipeline_), s));
}

// ---- Pad probes after the parsers ------------------------------------------------------------

GstPadProbeReturn Pipeline::Impl::OnProbe(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  Track* track = static_cast<Track*>(data);
  if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    track->impl->HandleBuffer(*track, pad, info);
  } else if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    track->impl->HandleEvent(*track, info);
  }
  return GST_PAD_PROBE_OK;
}

void Pipeline::Impl::HandleBuffer(Track& track, GstPad* pad, GstPadProbeInfo* info) {
  GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buffer;

  // Normalise in running time: the demuxer's segment may start anywhere (MPEG-TS starts at its
  // first PCR) and may be replaced mid-stream; downstream only ever sees one segment from 0.
  auto running = [&track](GstClockTime t) -> std::optional<int64_t> {
    if (!GST_CLOCK_TIME_IS_VALID(t)) return std::nullopt;
    if (!track.have_segment || track.upstream_segment.format != GST_FORMAT_TIME) return ToNs(t);
    guint64 rt = 0;
    int sign = gst_segment_to_running_time_full(&track.upstream_segment, GST_FORMAT_TIME, t, &rt);
    if (sign == 0) return std::nullopt;
    return sign > 0 ? static_cast<int64_t>(rt) : -static_cast<int64_t>(rt);
  };
  TimestampNormalizer::Times in;
  in.pts = running(GST_BUFFER_PTS(buffer));
  in.dts = running(GST_BUFFER_DTS(buffer));
  in.duration = ToNs(GST_BUFFER_DURATION(buffer));

  const absl::Time wall = absl::Now();  // Only for program date times.
  const absl::Duration steady = SteadyNow();
  const bool video = track.index == kVideoTrack;
  const bool sync_point = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstEvent* cut = nullptr;
  {
    absl::MutexLock lock(&mu_);
    TimestampNormalizer::Times out = normalizer_.Normalize(track.index, in);
    GST_BUFFER_PTS(buffer) = FromNs(out.pts);
    GST_BUFFER_DTS(buffer) = FromNs(out.dts);

    if (!anchor_wall_ && out.pts) {
      anchor_wall_ = wall;
      anchor_media_ns_ = *out.pts;
    }
    watchdog_.MediaParsed(steady);
    if (out.pts && !first_pts_ns_[track.index]) first_pts_ns_[track.index] = *out.pts;

    const bool reference = video || audio_only_;
    if (video && out.pts) {
      if (last_video_pts_ns_ >= 0 && *out.pts > last_video_pts_ns_) {
        last_video_step_ns_ = *out.pts - last_video_pts_ns_;
      }
      last_video_pts_ns_ = *out.pts;
    }
    if (reference && out.pts) {
      int64_t duration = out.duration && *out.duration > 0 ? *out.duration
                         : video                           ? last_video_step_ns_
                                                           : 0;
      reference_end_ns_ = std::max(reference_end_ns_, *out.pts + duration);
      // Audio frames are all sync points (every AAC frame decodes alone).
      if (cutter_.Cut(*out.pts, video ? sync_point : true)) {
        const guint64 at = static_cast<guint64>(*out.pts);
        GstStructure* s =
            video ? gst_structure_new(kForceKeyUnit, "timestamp", G_TYPE_UINT64, at,
                                      "stream-time", G_TYPE_UINT64, at, "running-time",
                                      G_TYPE_UINT64, at, "all-headers", G_TYPE_BOOLEAN, TRUE,
                                      "count", G_TYPE_UINT, ++cuts_, nullptr)
                  : gst_structure_new(kAudioCut, "running-time", G_TYPE_UINT64, at, nullptr);
        cut = gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, s);
      }
    }
    if (video && avc_codec_.empty()) {
      GstMapInfo map;
      if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        auto codec = AvcCodecFromAnnexB(std::span<const uint8_t>(map.data, map.size));
        if (codec) avc_codec_ = *codec;
        gst_buffer_unmap(buffer, &map);
      }
    }
  }
  // Serialized, so it reaches the muxer just before this buffer.
  if (cut != nullptr) gst_pad_push_event(pad, cut);
}

void Pipeline::Impl::HandleEvent(Track& track, GstPadProbeInfo* info) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_SEGMENT: {
      gst_event_copy_segment(event, &track.upstream_segment);
      track.have_segment = true;
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      GstEvent* replacement = gst_event_new_segment(&segment);
      gst_event_set_seqnum(replacement, gst_event_get_seqnum(event));
      gst_event_unref(event);
      GST_PAD_PROBE_INFO_DATA(info) = replacement;
      break;
    }
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      RecordCaps(track.index, caps);
      break;
    }
    default:
      break;
  }
}

void Pipeline::Impl::RecordCaps(int track, GstCaps* caps) {
  if (caps == nullptr || gst_caps_is_empty(caps)) return;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  absl::MutexLock lock(&mu_);
  if (track == kVideoTrack) {
    video_caps_ = true;
    facts_.video_codec = "h264";
    gst_structure_get_int(s, "width", &facts_.width);
    gst_structure_get_int(s, "height", &facts_.height);
    int num = 0;
    int den = 0;
    if (gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0 && den > 0) {
      facts_.frame_rate = static_cast<double>(num) / den;
    }
    const char* profile = gst_structure_get_string(s, "profile");
    const char* level = gst_structure_get_string(s, "level");
    h264_profile_ = profile != nullptr ? profile : "";
    h264_level_ = level != nullptr ? level : "";
  } else {
    audio_caps_ = true;
    facts_.audio_codec = "aac";
    gst_structure_get_int(s, "rate", &facts_.audio_sample_rate);
    gst_structure_get_int(s, "channels", &facts_.audio_channels);
    int object_type = 0;
    const GValue* value = gst_structure_get_value(s, "codec_data");
    if (value != nullptr && G_VALUE_HOLDS(value, GST_TYPE_BUFFER)) {
      GstBuffer* config = gst_value_get_buffer(value);
      GstMapInfo map;
      if (config != nullptr && gst_buffer_map(config, &map, GST_MAP_READ)) {
        object_type = AacObjectTypeFromConfig(std::span<const uint8_t>(map.data, map.size));
        gst_buffer_unmap(config, &map);
      }
    }
    if (object_type == 0) {
      const char* profile = gst_structure_get_string(s, "profile");
      if (profile != nullptr) object_type = AacObjectTypeFromProfile(profile);
    }
    aac_object_type_ = object_type;
  }
}

// ---- Segment writer (the muxer's streaming thread) -------------------------------------------

GstPadProbeReturn Pipeline::Impl::OnMuxed(GstPad*, GstPadProbeInfo* info, gpointer self) {
  Impl* impl = static_cast<Impl*>(self);
  const GstPadProbeType type = GST_PAD_PROBE_INFO_TYPE(info);
  if ((type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    impl->HandleMuxedEvent(GST_PAD_PROBE_INFO_EVENT(info));
    return GST_PAD_PROBE_OK;
  }
  auto write = [impl](GstBuffer* buffer) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
    {
      absl::MutexLock lock(&impl->writer_mu_);
      impl->WriteMuxed(std::span<const uint8_t>(map.data, map.size));
    }
    gst_buffer_unmap(buffer, &map);
  };
  if ((type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    write(GST_PAD_PROBE_INFO_BUFFER(info));
  } else if ((type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) {
      write(gst_buffer_list_get(list, i));
    }
  }
  {
    absl::MutexLock lock(&impl->mu_);
    impl->watchdog_.MediaWritten(SteadyNow());
  }
  // The fakesink after this probe only ends the graph.
  return GST_PAD_PROBE_OK;
}

void Pipeline::Impl::WriteMuxed(std::span<const uint8_t> bytes) {
  if (write_failed_ || bytes.empty()) return;
  if (fd_ < 0) {
    location_ = (options_.stream_dir / absl::StrFormat("%06d.ts", next_sequence_)).string();
    fd_ = ::open(location_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      write_failed_ = true;
      PostFailure("STORAGE_FAILURE",
                  absl::StrCat("cannot create ", location_, ": ", std::strerror(errno)));
      return;
    }
    start_ns_ = next_start_ns_;
    if (prefix_tables_) {
      // Audio-only cuts fall between AAC frames, where the muxer repeats no tables.
      const std::string tables = tables_.Packets();
      if (!WriteAll(fd_, std::span<const uint8_t>(
                             reinterpret_cast<const uint8_t*>(tables.data()), tables.size()))) {
        write_failed_ = true;
        PostFailure("STORAGE_FAILURE",
                    absl::StrCat("cannot write ", location_, ": ", std::strerror(errno)));
        return;
      }
    }
  }
  tables_.Observe(bytes);
  if (!WriteAll(fd_, bytes)) {
    write_failed_ = true;
    PostFailure("STORAGE_FAILURE",
                absl::StrCat("cannot write ", location_, ": ", std::strerror(errno)));
  }
}

void Pipeline::Impl::CloseSegment(int64_t end_ns, int64_t first_start_ns) {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && !write_failed_) {
    write_failed_ = true;
    PostFailure("STORAGE_FAILURE",
                absl::StrCat("cannot close ", location_, ": ", std::strerror(errno)));
  }
  if (write_failed_) return;
  // The first segment starts with the reference track's first buffer, later ones at a cut.
  const int64_t start_ns = start_ns_.value_or(first_start_ns);
  GstStructure* s = gst_structure_new(
      kSegmentWritten, "sequence", G_TYPE_INT64, next_sequence_, "location", G_TYPE_STRING,
      location_.c_str(), "start", G_TYPE_INT64, start_ns, "end", G_TYPE_INT64,
      std::max(end_ns, start_ns), nullptr);
  gst_bus_post(bus_, gst_message_new_application(GST_OBJECT(pipeline_), s));
  ++next_sequence_;
}

void Pipeline::Impl::HandleMuxedEvent(GstEvent* event) {
  int64_t end_ns = 0;
  int64_t first_start_ns = 0;
  {
    absl::MutexLock lock(&mu_);
    end_ns = reference_end_ns_;
    first_start_ns = first_pts_ns_[audio_only_ ? kAudioTrack : kVideoTrack].value_or(0);
  }
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    absl::MutexLock lock(&writer_mu_);
    CloseSegment(end_ns, first_start_ns);
    return;
  }
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_DOWNSTREAM) return;
  const GstStructure* s = gst_event_get_structure(event);
  guint64 at = 0;
  if (s == nullptr || !gst_structure_get_uint64(s, "running-time", &at)) return;
  const bool video_cut = gst_structure_has_name(s, kForceKeyUnit);
  if (!video_cut && !gst_structure_has_name(s, kAudioCut)) return;
  absl::MutexLock lock(&writer_mu_);
  CloseSegment(static_cast<int64_t>(at), first_start_ns);
  next_start_ns_ = static_cast<int64_t>(at);
  prefix_tables_ = !video_cut;
}

// ---- Input -----------------------------------------------------------------------------------

bool Pipeline::Impl::Push(std::span<const uint8_t> bytes) {
  if (!accepting_.load()) return false;
  if (bytes.empty()) return true;
  if (!Sniff(bytes)) {
    accepting_.store(false);
    PostFailure("PACKAGER_FAILURE", options_.format == MediaFormat::kFlv
                                        ? "the input is not FLV"
                                        : "the input is not an MPEG transport stream");
    return false;
  }
  const guint64 queued = gst_app_src_get_current_level_bytes(GST_APP_SRC(appsrc_));
  if (queued + bytes.size() > options_.max_queued_bytes) return false;
  {
    absl::MutexLock lock(&mu_);
    watchdog_.InputArrived(SteadyNow());
  }
  GstBuffer* buffer = gst_buffer_new_memdup(bytes.data(), bytes.size());
  return gst_app_src_push_buffer(GST_APP_SRC(appsrc_), buffer) == GST_FLOW_OK;
}

bool Pipeline::Impl::Sniff(std::span<const uint8_t> bytes) {
  // Demuxers resynchronise silently on garbage, which would only surface as a stall many
  // seconds later; the container's signature says at once whether this is media at all.
  absl::MutexLock lock(&sniff_mu_);
  if (sniff_done_) return true;
  const bool flv = options_.format == MediaFormat::kFlv;
  const absl::string_view signature = flv ? absl::string_view("FLV") : absl::string_view("\x47");
  // FLV: the signature, the version and the flags byte (which tracks the encoder announces).
  const size_t want = flv ? 5 : 1;
  const size_t take = std::min(bytes.size(), want - sniffed_.size());
  sniffed_.append(reinterpret_cast<const char*>(bytes.data()), take);
  const size_t check = std::min(sniffed_.size(), signature.size());
  if (signature.substr(0, check) != absl::string_view(sniffed_).substr(0, check)) return false;
  sniff_done_ = sniffed_.size() == want;
  if (sniff_done_ && flv) flv_announces_video_.store((sniffed_[4] & 0x01) != 0);
  return true;
}

absl::Status Pipeline::Impl::Finish(absl::Duration timeout) {
  if (accepting_.exchange(false)) gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
  bool finished = false;
  absl::Status result;
  {
    // A steady deadline: a wall-clock step must not cut the wait short or stretch it.
    const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
    std::unique_lock<std::mutex> lock(done_mu_);
    finished = done_cv_.wait_until(lock, deadline, [this] { return done_; });
    result = result_;
  }
  Teardown();
  if (!finished) {
    log::Warn("media_pipeline_finish_timeout").Kv("stream_id", options_.stream_id);
    return Error(absl::StatusCode::kDeadlineExceeded, "FINISH_TIMEOUT",
                 "the last segment was not closed in time");
  }
  return result;
}

void Pipeline::Impl::Teardown() {
  accepting_.store(false);
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (pipeline_ != nullptr) gst_element_set_state(pipeline_, GST_STATE_NULL);
}

// ---- Event thread ----------------------------------------------------------------------------

void Pipeline::Impl::Run() {
  while (!stop_.load() && !terminal_) {
    GstMessage* msg =
        gst_bus_timed_pop(bus_, static_cast<GstClockTime>(absl::ToInt64Nanoseconds(kPollInterval)));
    if (msg != nullptr) {
      HandleMessage(msg);
      gst_message_unref(msg);
    }
    if (terminal_) break;
    MaybeEmitMediaInfo(false);
    CheckWatchdog();
  }
}

void Pipeline::Impl::HandleMessage(GstMessage* msg) {
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR:
      HandleError(msg);
      break;
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_warning(msg, &err, &debug);
      log::Warn("media_pipeline_warning")
          .Kv("stream_id", options_.stream_id)
          .Kv("element", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)))
          .Kv("warning", err != nullptr ? err->message : "")
          .Kv("debug", debug != nullptr ? debug : "");
      g_clear_error(&err);
      g_free(debug);
      break;
    }
    case GST_MESSAGE_APPLICATION: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (s != nullptr && gst_structure_has_name(s, kFailureMessage)) {
        const char* reason = gst_structure_get_string(s, "reason");
        const char* message = gst_structure_get_string(s, "message");
        Fail(ReasonStatus(reason != nullptr ? reason : "PACKAGER_FAILURE",
                          message != nullptr ? message : ""));
      } else if (s != nullptr && gst_structure_has_name(s, kSegmentWritten)) {
        gint64 sequence = 0;
        gint64 start = 0;
        gint64 end = 0;
        const char* location = gst_structure_get_string(s, "location");
        if (location != nullptr && gst_structure_get_int64(s, "sequence", &sequence) &&
            gst_structure_get_int64(s, "start", &start) &&
            gst_structure_get_int64(s, "end", &end) && !stop_.load()) {
          FinalizeSegment(sequence, location, start, end);
        }
      }
      break;
    }
    case GST_MESSAGE_EOS:
      // The writer posted the last segment before the sink saw EOS: it is finalised already.
      Complete(absl::OkStatus());
      break;
    default:
      break;
  }
}

void Pipeline::Impl::HandleError(GstMessage* msg) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  const std::string element = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
  const std::string text = err != nullptr ? err->message : "unknown error";
  log::Warn("media_pipeline_error")
      .Kv("stream_id", options_.stream_id)
      .Kv("element", element)
      .Kv("error", text)
      .Kv("debug", debug != nullptr ? debug : "");
  absl::string_view reason = "PACKAGER_FAILURE";
  if (err != nullptr && IsStorageError(err)) {
    reason = "STORAGE_FAILURE";
  } else if (err != nullptr && err->domain == GST_STREAM_ERROR &&
             err->code == GST_STREAM_ERROR_CODEC_NOT_FOUND) {
    reason = "UNSUPPORTED_CODEC";
  }
  g_clear_error(&err);
  g_free(debug);
  Fail(ReasonStatus(reason, absl::StrCat("packaging failed in ", element, ": ", text)));
}

void Pipeline::Impl::FinalizeSegment(int64_t sequence, const std::string& location,
                                     int64_t start_ns, int64_t end_ns) {
  if (terminal_) return;
  absl::StatusOr<FileDigest> digest = SyncAndDigest(location);
  if (!digest.ok()) {
    Fail(digest.status());
    return;
  }
  MaybeEmitMediaInfo(/*force=*/true);

  SegmentInfo segment;
  segment.sequence = sequence;
  {
    absl::MutexLock lock(&mu_);
    if (!anchor_wall_) anchor_wall_ = absl::Now();
    segment.program_date_time = *anchor_wall_ + absl::Nanoseconds(start_ns - anchor_media_ns_);
    // An encoder that reconnects with a burst of buffered media (faster than real time) would
    // otherwise start before the previous session ended: date times must never go back, so
    // this session's clock moves forward, once, by the overlap.
    const std::optional<absl::Time> previous_end = playlist_.end_program_date_time();
    if (sequence == first_sequence_ && previous_end && segment.program_date_time < *previous_end) {
      *anchor_wall_ += *previous_end - segment.program_date_time;
      segment.program_date_time = *previous_end;
    }
  }
  segment.duration = absl::Nanoseconds(std::max<int64_t>(0, end_ns - start_ns));
  segment.media_offset = playlist_.media_offset();
  segment.size_bytes = digest->size_bytes;
  segment.sha256 = digest->sha256;
  segment.path = absl::StrCat(options_.stream_id, "/",
                              std::filesystem::path(location).filename().string());
  segment.discontinuity = options_.discontinuity && sequence == first_sequence_;

  const int64_t over_before = playlist_.segments_over_target();
  if (absl::Status s = playlist_.Append(segment, media_info_); !s.ok()) {
    Fail(s.code() == absl::StatusCode::kDataLoss ? s
                                                 : ReasonStatus("PACKAGER_FAILURE", s.message()));
    return;
  }
  if (playlist_.segments_over_target() > over_before) {
    // The playlist's target was fixed by an earlier session with shorter keyframe intervals.
    log::Warn("hls_segment_over_target")
        .Kv("stream_id", options_.stream_id)
        .Kv("sequence", sequence)
        .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
        .Kv("target_s", playlist_.target_duration_s());
  }
  log::Info("hls_segment_closed")
      .Kv("stream_id", options_.stream_id)
      .Kv("sequence", sequence)
      .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
      .Kv("size_bytes", segment.size_bytes);
  if (events_.segment_closed) events_.segment_closed(segment);
}

void Pipeline::Impl::MaybeEmitMediaInfo(bool force) {
  if (media_info_sent_) return;
  MediaInfo info;
  {
    absl::MutexLock lock(&mu_);
    const bool video = linked_[kVideoTrack];
    const bool audio = linked_[kAudioTrack];
    const bool ready = (no_more_pads_ || (video && audio)) && (video || audio) &&
                       (!video || (video_caps_ && !avc_codec_.empty())) && (!audio || audio_caps_);
    if (!ready && !force) return;
    info = facts_;
    std::vector<std::string> codecs;
    if (video) {
      std::string avc = avc_codec_;
      if (avc.empty()) avc = AvcCodecFromProfileLevel(h264_profile_, h264_level_).value_or("");
      if (!avc.empty()) codecs.push_back(avc);
    } else {
      info.video_codec.clear();
    }
    if (audio) {
      codecs.push_back(AacCodec(aac_object_type_));
    } else {
      info.audio_codec.clear();
    }
    info.codecs = absl::StrJoin(codecs, ",");
  }
  media_info_ = info;
  media_info_sent_ = true;
  log::Info("media_info")
      .Kv("stream_id", options_.stream_id)
      .Kv("codecs", info.codecs)
      .Kv("width", info.width)
      .Kv("height", info.height)
      .Kv("frame_rate", info.frame_rate);
  if (events_.media_info) events_.media_info(info);
}

void Pipeline::Impl::CheckWatchdog() {
  std::optional<std::string> stalled;
  {
    absl::MutexLock lock(&mu_);
    stalled = watchdog_.Check(SteadyNow());
  }
  if (stalled) Fail(ReasonStatus("MEDIA_STALLED", *stalled));
}

void Pipeline::Impl::Fail(const absl::Status& status) {
  if (terminal_) return;
  terminal_ = true;
  accepting_.store(false);
  log::Warn("media_pipeline_failed")
      .Kv("stream_id", options_.stream_id)
      .Kv("reason", ReasonOf(status))
      .Kv("message", std::string(status.message()));
  if (events_.failed) events_.failed(status);
  // Stop work now; Finish or the destructor release the rest.
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  Complete(status);
}

void Pipeline::Impl::Complete(const absl::Status& status) {
  terminal_ = true;
  std::lock_guard<std::mutex> lock(done_mu_);
  done_ = true;
  result_ = status;
  done_cv_.notify_all();
}

// ---- Public surface --------------------------------------------------------------------------

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Pipeline::~Pipeline() = default;

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::Start(PackagerOptions options,
                                                          LivePlaylist& playlist,
                                                          PackagerEvents events) {
  if (options.stream_dir.empty() || options.target_duration <= absl::ZeroDuration() ||
      options.stall_timeout <= absl::ZeroDuration() || options.max_queued_bytes == 0) {
    return Error(absl::StatusCode::kInvalidArgument, "INVALID_PIPELINE_OPTIONS",
                 "stream_dir, target_duration, stall_timeout and max_queued_bytes are required");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.stream_dir, ec);
  if (ec) {
    return Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE",
                 absl::StrCat("cannot create ", options.stream_dir.string(), ": ", ec.message()));
  }
  InitGStreamer();
  if (options.discontinuity) playlist.MarkDiscontinuity();
  auto impl = std::make_unique<Impl>(std::move(options), playlist, std::move(events));
  RETURN_IF_ERROR(impl->Build());
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

bool Pipeline::Push(std::span<const uint8_t> bytes) { return impl_->Push(bytes); }

absl::Status Pipeline::Finish(absl::Duration timeout) { return impl_->Finish(timeout); }

absl::StatusOr<std::unique_ptr<Packager>> GstPackagerFactory::Start(PackagerOptions options,
                                                                    LivePlaylist& playlist,
                                                                    PackagerEvents events) {
  ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                   Pipeline::Start(std::move(options), playlist, std::move(events)));
  return std::unique_ptr<Packager>(std::move(pipeline));
}

}  // namespace shopcast::video_ingest::media
