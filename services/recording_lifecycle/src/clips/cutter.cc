#include "clips/cutter.h"

#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "clips/clip_range.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::clips {
namespace fs = std::filesystem;

namespace {

void InitGStreamer() {
  static std::once_flag once;
  std::call_once(once, [] { gst_init(nullptr, nullptr); });
}

struct BufferUnref {
  void operator()(GstBuffer* b) const { gst_buffer_unref(b); }
};
struct CapsUnref {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};
using BufferPtr = std::unique_ptr<GstBuffer, BufferUnref>;
using CapsPtr = std::unique_ptr<GstCaps, CapsUnref>;

CapsPtr RefCaps(GstCaps* caps) { return CapsPtr(caps != nullptr ? gst_caps_ref(caps) : nullptr); }

// Copyable payload for the selector: a buffer reference and the caps it came with.
struct BufferRef {
  std::shared_ptr<GstBuffer> buffer;
  std::shared_ptr<GstCaps> caps;
};
BufferRef MakeRef(GstBuffer* b, const std::shared_ptr<GstCaps>& caps = nullptr) {
  return BufferRef{std::shared_ptr<GstBuffer>(gst_buffer_ref(b), BufferUnref()), caps};
}
std::shared_ptr<GstCaps> ShareCaps(GstCaps* caps) {
  if (caps == nullptr) return nullptr;
  return std::shared_ptr<GstCaps>(gst_caps_ref(caps), CapsUnref());
}

// A pipeline that is stopped and released however the work ends.
class OwnedPipeline {
 public:
  OwnedPipeline() : pipeline_(gst_pipeline_new(nullptr)) {
    if (pipeline_ != nullptr) gst_object_ref_sink(pipeline_);
  }
  ~OwnedPipeline() { Release(); }
  OwnedPipeline(const OwnedPipeline&) = delete;
  OwnedPipeline& operator=(const OwnedPipeline&) = delete;
  GstElement* get() const { return pipeline_; }
  GstBin* bin() const { return GST_BIN(pipeline_); }
  void Release() {
    if (pipeline_ == nullptr) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }

 private:
  GstElement* pipeline_;
};

std::string ErrorText(GstMessage* msg) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = absl::StrCat(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), ": ",
                                  err != nullptr ? err->message : "unknown error");
  g_clear_error(&err);
  g_free(debug);
  return text;
}

absl::Status ElementMissing(absl::string_view name) {
  return Error(absl::StatusCode::kFailedPrecondition, "CUTTER_ELEMENT_MISSING",
               absl::StrCat("GStreamer element ", name,
                            " is missing: install gstreamer1.0-plugins-good/-bad"));
}

absl::Status Timeout() {
  return Error(absl::StatusCode::kDeadlineExceeded, "CLIP_TIMEOUT",
               "cutting took longer than allowed");
}

GstClockTime ToClock(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<GstClockTime>(absl::ToInt64Nanoseconds(d));
}

// Elements per codec: the parser and the caps it must output for MP4 and for the decoders.
struct CodecSpec {
  const char* caps_name;
  Track track;
  const char* parser;
  const char* output_caps;
  const char* decoder;  // Video only.
};
constexpr CodecSpec kCodecs[] = {
    {"video/x-h264", Track::kVideo, "h264parse", "video/x-h264,stream-format=avc,alignment=au",
     "openh264dec"},
    {"video/x-h265", Track::kVideo, "h265parse", "video/x-h265,stream-format=hvc1,alignment=au",
     "libde265dec"},
    {"audio/mpeg", Track::kAudio, "aacparse", "audio/mpeg,stream-format=raw", nullptr},
};

const CodecSpec* SpecFor(GstCaps* caps) {
  if (caps == nullptr || gst_caps_is_empty(caps)) return nullptr;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const absl::string_view name = gst_structure_get_name(s);
  for (const CodecSpec& c : kCodecs) {
    if (name != c.caps_name) continue;
    if (c.track == Track::kAudio) {
      int version = 0;
      gst_structure_get_int(s, "mpegversion", &version);
      if (version != 2 && version != 4) return nullptr;  // MP3 and friends: not carried.
    }
    return &c;
  }
  return nullptr;
}

GstElement* Make(const char* factory) { return gst_element_factory_make(factory, nullptr); }

// ---------------------------------------------------------------------------------------------
// Demuxing one run of files: their bytes in order into tsdemux, parsed access units out on the
// demuxer's streaming thread (no queues: both tracks arrive on one thread, in file order; so no
// sink may block that thread waiting for the other one, see LinkPad).

// Returns false to stop the run.
using UnitHandler = std::function<bool(Track, GstSample*)>;

class RunDemuxer {
 public:
  RunDemuxer(std::vector<fs::path> files, UnitHandler handler)
      : files_(std::move(files)), handler_(std::move(handler)) {}
  ~RunDemuxer() {
    pipeline_.Release();
    if (fd_ >= 0) ::close(fd_);
  }

  // Runs until the files end, the handler stops it, an error, or `deadline`.
  absl::Status Run(absl::Time deadline) {
    GstElement* src = Make("appsrc");
    GstElement* demux = Make("tsdemux");
    if (src == nullptr || demux == nullptr) {
      if (src != nullptr) gst_object_unref(gst_object_ref_sink(src));
      if (demux != nullptr) gst_object_unref(gst_object_ref_sink(demux));
      return ElementMissing(src == nullptr ? "appsrc" : "tsdemux");
    }
    GstCaps* caps = gst_caps_from_string("video/mpegts,systemstream=(boolean)true,packetsize=188");
    g_object_set(src, "caps", caps, "format", GST_FORMAT_BYTES, "stream-type",
                 GST_APP_STREAM_TYPE_STREAM, "max-bytes", static_cast<guint64>(1 << 20), nullptr);
    gst_caps_unref(caps);
    GstAppSrcCallbacks callbacks{};
    callbacks.need_data = &RunDemuxer::NeedData;
    gst_app_src_set_callbacks(GST_APP_SRC(src), &callbacks, this, nullptr);
    gst_bin_add_many(pipeline_.bin(), src, demux, nullptr);
    if (!gst_element_link(src, demux)) {
      return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED", "cannot link the demuxer");
    }
    g_signal_connect(demux, "pad-added", G_CALLBACK(&RunDemuxer::PadAdded), this);
    src_ = src;
    // Bytes with no stream in them: no pad, no sink, so no EOS message either. The end of the
    // input passes the appsrc after the demuxer has seen every byte (same thread).
    GstPad* srcpad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &RunDemuxer::InputEvent, this,
                      nullptr);
    gst_object_unref(srcpad);

    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED", "demuxer refused to start");
    }
    GstBus* bus = gst_element_get_bus(pipeline_.get());
    absl::Status result = absl::OkStatus();
    while (true) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        result = Timeout();
        break;
      }
      GstMessage* msg = gst_bus_timed_pop_filtered(
          bus, ToClock(std::min(left, absl::Milliseconds(100))),
          static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
      if (msg == nullptr) {
        if (stopped_.load() || no_streams_.load()) break;  // All it wants, or nothing to get.
        continue;
      }
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        std::string text = ErrorText(msg);
        if (!stopped_.load()) {
          result = Error(absl::StatusCode::kDataLoss, "SOURCE_CORRUPT",
                         absl::StrCat("the segments do not demux: ", text));
        }
      }
      gst_message_unref(msg);
      break;
    }
    gst_object_unref(bus);
    pipeline_.Release();
    if (result.ok() && !read_error_.empty()) {
      result = Error(absl::StatusCode::kNotFound, "SOURCE_UNAVAILABLE", read_error_);
    }
    return result;
  }

  bool saw_video() const { return video_linked_; }
  bool saw_audio() const { return audio_linked_; }

 private:
  static GstPadProbeReturn InputEvent(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<RunDemuxer*>(data);
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (event != nullptr && GST_EVENT_TYPE(event) == GST_EVENT_EOS && !self->any_pad_.load()) {
      self->no_streams_.store(true);
    }
    return GST_PAD_PROBE_OK;
  }

  static void NeedData(GstAppSrc* src, guint /*length*/, gpointer data) {
    auto* self = static_cast<RunDemuxer*>(data);
    self->Feed(src);
  }

  void Feed(GstAppSrc* src) {
    constexpr size_t kChunk = 64 * 1024;
    while (!stopped_.load()) {
      if (fd_ < 0) {
        if (next_file_ >= files_.size()) break;
        const fs::path& path = files_[next_file_++];
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
          read_error_ =
              absl::StrCat("segment ", path.filename().string(), ": ", std::strerror(errno));
          break;
        }
      }
      GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kChunk, nullptr);
      GstMapInfo map;
      gst_buffer_map(buffer, &map, GST_MAP_WRITE);
      ssize_t n;
      do {
        n = ::read(fd_, map.data, kChunk);
      } while (n < 0 && errno == EINTR);
      gst_buffer_unmap(buffer, &map);
      if (n < 0) {
        read_error_ = absl::StrCat("segment read: ", std::strerror(errno));
        gst_buffer_unref(buffer);
        break;
      }
      if (n == 0) {
        gst_buffer_unref(buffer);
        ::close(fd_);
        fd_ = -1;
        continue;
      }
      gst_buffer_set_size(buffer, n);
      gst_app_src_push_buffer(src, buffer);
      return;
    }
    gst_app_src_end_of_stream(src);
  }

  static void PadAdded(GstElement* /*demux*/, GstPad* pad, gpointer data) {
    static_cast<RunDemuxer*>(data)->LinkPad(pad);
  }

  void LinkPad(GstPad* pad) {
    any_pad_.store(true);
    GstCaps* caps = gst_pad_get_current_caps(pad);
    if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
    const CodecSpec* spec = SpecFor(caps);
    if (caps != nullptr) gst_caps_unref(caps);
    bool* linked = nullptr;
    if (spec != nullptr) linked = spec->track == Track::kVideo ? &video_linked_ : &audio_linked_;
    if (spec == nullptr || *linked) {
      // Other streams (metadata, a second audio): discarded.
      GstElement* sink = Make("fakesink");
      g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
      gst_bin_add(pipeline_.bin(), sink);
      gst_element_sync_state_with_parent(sink);
      GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
      gst_pad_link(pad, sinkpad);
      gst_object_unref(sinkpad);
      return;
    }
    GstElement* parser = Make(spec->parser);
    GstElement* filter = Make("capsfilter");
    GstElement* sink = Make("appsink");
    if (parser == nullptr || filter == nullptr || sink == nullptr) {
      for (GstElement* e : {parser, filter, sink}) {
        if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
      }
      read_error_ = absl::StrCat("element missing: ", spec->parser);
      return;
    }
    GstCaps* out = gst_caps_from_string(spec->output_caps);
    g_object_set(filter, "caps", out, nullptr);
    gst_caps_unref(out);
    // Never prerolls (async=FALSE), like the fakesink above. The sinks join a pipeline already
    // PLAYING: one that prerolls makes the pipeline lose its state (PAUSED until every sink has
    // a buffer), so the next sink synced with it only goes to PAUSED, and on its first buffer
    // it waits for PLAYING on the demuxer's one streaming thread, the thread that must bring
    // the other sink its first buffer. Segments that open with audio (video-ingest's do) then
    // hung until the deadline whenever the pads came after the pipeline reached PLAYING.
    // Nothing here syncs to a clock, so there is nothing to preroll for.
    g_object_set(sink, "sync", FALSE, "async", FALSE, "emit-signals", FALSE, "wait-on-eos", FALSE,
                 nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample =
        spec->track == Track::kVideo ? &RunDemuxer::NewVideo : &RunDemuxer::NewAudio;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
    gst_bin_add_many(pipeline_.bin(), parser, filter, sink, nullptr);
    gst_element_link_many(parser, filter, sink, nullptr);
    for (GstElement* e : {sink, filter, parser}) gst_element_sync_state_with_parent(e);
    GstPad* sinkpad = gst_element_get_static_pad(parser, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
    *linked = true;
  }

  static GstFlowReturn NewVideo(GstAppSink* sink, gpointer data) {
    return static_cast<RunDemuxer*>(data)->Deliver(sink, Track::kVideo);
  }
  static GstFlowReturn NewAudio(GstAppSink* sink, gpointer data) {
    return static_cast<RunDemuxer*>(data)->Deliver(sink, Track::kAudio);
  }

  GstFlowReturn Deliver(GstAppSink* sink, Track track) {
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_EOS;
    if (stopped_.load()) {
      gst_sample_unref(sample);
      return GST_FLOW_EOS;
    }
    const bool more = handler_(track, sample);
    gst_sample_unref(sample);
    if (!more) {
      stopped_.store(true);
      return GST_FLOW_EOS;
    }
    return GST_FLOW_OK;
  }

  const std::vector<fs::path> files_;
  const UnitHandler handler_;
  OwnedPipeline pipeline_;
  GstElement* src_ = nullptr;
  size_t next_file_ = 0;
  int fd_ = -1;
  std::string read_error_;  // Written on the streaming thread, read after it stopped.
  bool video_linked_ = false;
  bool audio_linked_ = false;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> any_pad_{false};
  std::atomic<bool> no_streams_{false};
};

// The runs of `segments`: split where a segment follows a discontinuity.
std::vector<std::vector<const SourceSegment*>> Runs(const std::vector<SourceSegment>& segments) {
  std::vector<std::vector<const SourceSegment*>> runs;
  for (const SourceSegment& s : segments) {
    if (runs.empty() || s.discontinuity) runs.emplace_back();
    runs.back().push_back(&s);
  }
  return runs;
}

absl::Status CheckReadable(const std::vector<SourceSegment>& segments) {
  for (const SourceSegment& s : segments) {
    const int fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Error(
          absl::StatusCode::kNotFound, "SOURCE_UNAVAILABLE",
          absl::StrCat("segment ", s.sequence, " is not readable: ", std::strerror(errno)));
    }
    ::close(fd);
  }
  return absl::OkStatus();
}

// Positions units of one run on the recording's timeline (see cutter.h "Timestamps").
class RunClock {
 public:
  // `last_video_dts` / `last_audio_end`: of the runs before (nullopt for none).
  RunClock(int64_t media_offset_us, bool has_video, std::optional<int64_t> last_video_dts,
           std::optional<int64_t> last_audio_end)
      : offset_(media_offset_us),
        has_video_(has_video),
        last_video_dts_(last_video_dts),
        last_audio_end_(last_audio_end) {}

  // False until the run's anchor (first video unit, or first audio unit without video) is seen.
  bool ready() const { return base_.has_value(); }

  // Sets the anchor from this unit if it is one; true once ready.
  bool Anchor(Track track, GstBuffer* b) {
    if (base_) return true;
    if (has_video_ && track != Track::kVideo) return false;
    const GstClockTime pts = GST_BUFFER_PTS(b);
    if (!GST_CLOCK_TIME_IS_VALID(pts)) return false;
    base_ = static_cast<int64_t>(pts);
    GstClockTime dts = GST_BUFFER_DTS(b);
    if (!GST_CLOCK_TIME_IS_VALID(dts)) dts = pts;
    const int64_t first_dts = offset_ + (static_cast<int64_t>(dts) - *base_) / 1000;
    // This run's pictures decode after the last one before it (1 ms later at least); audio
    // that would overlap is dropped by the caller.
    if (track == Track::kVideo && last_video_dts_ && first_dts <= *last_video_dts_) {
      shift_ = *last_video_dts_ + 1000 - first_dts;
    }
    if (track == Track::kAudio && last_audio_end_ && first_dts < *last_audio_end_) {
      shift_ = *last_audio_end_ - first_dts;
    }
    return true;
  }

  int64_t Position(GstClockTime ts) const {
    return offset_ + shift_ + (static_cast<int64_t>(ts) - *base_) / 1000;
  }

 private:
  const int64_t offset_;
  const bool has_video_;
  const std::optional<int64_t> last_video_dts_;
  const std::optional<int64_t> last_audio_end_;
  std::optional<int64_t> base_;
  int64_t shift_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Muxing: appsrc per track → mp4mux (index first) → filesink.

// Clip timestamps are written this far in so that a negative decode time (B-frames before the
// first picture) is still a valid GstClockTime; the muxer measures from the first buffer.
constexpr int64_t kTimelineBaseUs = int64_t{3600} * kMicrosPerSecond;

class Muxer {
 public:
  ~Muxer() { pipeline_.Release(); }

  absl::Status Open(const fs::path& out, const fs::path& scratch, GstCaps* video, GstCaps* audio) {
    GstElement* mux = Make("mp4mux");
    GstElement* sink = Make("filesink");
    if (mux == nullptr || sink == nullptr) {
      for (GstElement* e : {mux, sink}) {
        if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
      }
      return ElementMissing(mux == nullptr ? "mp4mux" : "filesink");
    }
    const std::string faststart_file = (scratch / "faststart.tmp").string();
    g_object_set(mux, "faststart", TRUE, "faststart-file", faststart_file.c_str(), nullptr);
    g_object_set(sink, "location", out.c_str(), "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add_many(pipeline_.bin(), mux, sink, nullptr);
    if (!gst_element_link(mux, sink)) return MuxFailed("cannot link the muxer");
    struct TrackSlot {
      GstCaps* caps;
      GstElement** slot;
      const char* pad_template;
    };
    for (const TrackSlot& t :
         {TrackSlot{video, &video_, "video_%u"}, TrackSlot{audio, &audio_, "audio_%u"}}) {
      if (t.caps == nullptr) continue;
      GstElement* src = Make("appsrc");
      g_object_set(src, "caps", t.caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "stream-type",
                   GST_APP_STREAM_TYPE_STREAM, nullptr);
      gst_bin_add(pipeline_.bin(), src);
      GstPad* sinkpad = gst_element_request_pad_simple(mux, t.pad_template);
      GstPad* srcpad = gst_element_get_static_pad(src, "src");
      const bool linked = sinkpad != nullptr && gst_pad_link(srcpad, sinkpad) == GST_PAD_LINK_OK;
      gst_object_unref(srcpad);
      if (sinkpad != nullptr) gst_object_unref(sinkpad);
      if (!linked) return MuxFailed("the muxer refused a track");
      *t.slot = src;
    }
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      return MuxFailed("the muxer refused to start");
    }
    return absl::OkStatus();
  }

  bool has(Track t) const { return (t == Track::kVideo ? video_ : audio_) != nullptr; }

  absl::Status Push(const Emitted<BufferRef>& e) {
    GstElement* src = e.track == Track::kVideo ? video_ : audio_;
    if (src == nullptr) return absl::OkStatus();
    // Our own buffer object sharing the memory, so the timestamps are ours to set.
    GstBuffer* b = gst_buffer_copy_region(
        e.payload.buffer.get(),
        static_cast<GstBufferCopyFlags>(GST_BUFFER_COPY_MEMORY | GST_BUFFER_COPY_FLAGS), 0, -1);
    GST_BUFFER_PTS(b) = static_cast<GstClockTime>((kTimelineBaseUs + e.pts_us) * 1000);
    GST_BUFFER_DTS(b) = static_cast<GstClockTime>((kTimelineBaseUs + e.dts_us) * 1000);
    GST_BUFFER_DURATION(b) =
        e.duration_us > 0 ? static_cast<GstClockTime>(e.duration_us * 1000) : GST_CLOCK_TIME_NONE;
    if (e.track == Track::kVideo) {
      if (e.keyframe) {
        GST_BUFFER_FLAG_UNSET(b, GST_BUFFER_FLAG_DELTA_UNIT);
      } else {
        GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
      }
    }
    bytes_ += static_cast<int64_t>(gst_buffer_get_size(b));
    if (gst_app_src_push_buffer(GST_APP_SRC(src), b) != GST_FLOW_OK) {
      return Failure().value_or(MuxFailed("the muxer stopped taking media"));
    }
    return absl::OkStatus();
  }

  int64_t bytes() const { return bytes_; }

  // An error the muxer posted so far, if any.
  std::optional<absl::Status> Failure() {
    if (pipeline_.get() == nullptr) return std::nullopt;
    GstBus* bus = gst_element_get_bus(pipeline_.get());
    GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    if (msg == nullptr) return std::nullopt;
    std::string text = ErrorText(msg);
    gst_message_unref(msg);
    return MuxFailed(text);
  }

  absl::Status Finish(absl::Time deadline) {
    for (GstElement* src : {video_, audio_}) {
      if (src != nullptr) gst_app_src_end_of_stream(GST_APP_SRC(src));
    }
    GstBus* bus = gst_element_get_bus(pipeline_.get());
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, ToClock(deadline - absl::Now()),
        static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
    gst_object_unref(bus);
    absl::Status result = absl::OkStatus();
    if (msg == nullptr) {
      result = Timeout();
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      result = MuxFailed(ErrorText(msg));
    }
    if (msg != nullptr) gst_message_unref(msg);
    pipeline_.Release();
    return result;
  }

 private:
  static absl::Status MuxFailed(absl::string_view text) {
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED",
                 absl::StrCat("writing the MP4 failed: ", text));
  }

  OwnedPipeline pipeline_;
  GstElement* video_ = nullptr;
  GstElement* audio_ = nullptr;
  int64_t bytes_ = 0;
};

// ---------------------------------------------------------------------------------------------
// One keyframe → JPEG.

absl::Status DecodeFailed(absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "FRAME_DECODE_FAILED", message);
}

void SetIfPresent(GstElement* e, const char* property, int value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), property) != nullptr) {
    g_object_set(e, property, value, nullptr);
  }
}

absl::StatusOr<Frame> RenderKeyframe(GstCaps* caps, GstBuffer* keyframe,
                                     const FrameOptions& options, absl::Time deadline) {
  const CodecSpec* spec = SpecFor(caps);
  if (spec == nullptr || spec->track != Track::kVideo || keyframe == nullptr) {
    return DecodeFailed("no video keyframe");
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  int width = 0, height = 0, par_n = 1, par_d = 1;
  gst_structure_get_int(s, "width", &width);
  gst_structure_get_int(s, "height", &height);
  gst_structure_get_fraction(s, "pixel-aspect-ratio", &par_n, &par_d);
  const PictureSize size = FitPicture(width, height, par_n, par_d, options.max_size);

  OwnedPipeline pipeline;
  GstElement* src = Make("appsrc");
  GstElement* parser = Make(spec->parser);
  GstElement* decoder = Make(spec->decoder);
  GstElement* scale = Make("videoscale");
  GstElement* convert = Make("videoconvert");
  GstElement* filter = Make("capsfilter");
  GstElement* encoder = Make("jpegenc");
  GstElement* sink = Make("appsink");
  GstElement* all[] = {src, parser, decoder, scale, convert, filter, encoder, sink};
  if (std::any_of(std::begin(all), std::end(all), [](GstElement* e) { return e == nullptr; })) {
    for (GstElement* e : all) {
      if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
    }
    return ElementMissing(absl::StrCat(spec->decoder, "/videoscale/videoconvert/jpegenc"));
  }
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, nullptr);
  SetIfPresent(decoder, "max-threads", 1);
  GstCaps* out_caps =
      size.width > 0
          ? gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT,
                                size.width, "height", G_TYPE_INT, size.height, "pixel-aspect-ratio",
                                GST_TYPE_FRACTION, 1, 1, nullptr)
          : gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", "width",
                                GST_TYPE_INT_RANGE, 2, options.max_size, "height",
                                GST_TYPE_INT_RANGE, 2, options.max_size, "pixel-aspect-ratio",
                                GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(filter, "caps", out_caps, nullptr);
  gst_caps_unref(out_caps);
  g_object_set(encoder, "quality", std::clamp(options.jpeg_quality, 1, 100), nullptr);
  g_object_set(sink, "sync", FALSE, "emit-signals", FALSE, "wait-on-eos", FALSE, nullptr);
  gst_bin_add_many(pipeline.bin(), src, parser, decoder, scale, convert, filter, encoder, sink,
                   nullptr);
  // RGB into jpegenc: libjpeg converts to JFIF's full range itself (limited-range YUV passed
  // through would come out washed out).
  if (!gst_element_link_many(src, parser, decoder, scale, convert, filter, encoder, sink,
                             nullptr)) {
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED", "cannot link the decoder");
  }
  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED", "the decoder refused to start");
  }
  // The keyframe twice: with B-frames the decoder may hold its first picture back for the
  // reorder delay and only let it go when the next picture (an IDR ends the window) comes.
  for (GstClockTime pts : {GstClockTime{0}, GstClockTime{GST_SECOND / 30}}) {
    GstBuffer* input = gst_buffer_copy_region(keyframe, GST_BUFFER_COPY_MEMORY, 0, -1);
    GST_BUFFER_PTS(input) = pts;
    GST_BUFFER_DTS(input) = pts;
    gst_app_src_push_buffer(GST_APP_SRC(src), input);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstBus* bus = gst_element_get_bus(pipeline.get());
  GstMessage* msg =
      gst_bus_timed_pop_filtered(bus, ToClock(deadline - absl::Now()),
                                 static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  gst_object_unref(bus);
  if (msg == nullptr) return Timeout();
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    std::string text = ErrorText(msg);
    gst_message_unref(msg);
    return DecodeFailed(text);
  }
  gst_message_unref(msg);
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 0);
  if (sample == nullptr) return DecodeFailed("the keyframe gave no picture");
  Frame frame;
  GstBuffer* jpeg = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (jpeg != nullptr && gst_buffer_map(jpeg, &map, GST_MAP_READ)) {
    frame.jpeg.assign(reinterpret_cast<const char*>(map.data), map.size);
    gst_buffer_unmap(jpeg, &map);
  }
  if (GstCaps* got = gst_sample_get_caps(sample); got != nullptr) {
    const GstStructure* gs = gst_caps_get_structure(got, 0);
    gst_structure_get_int(gs, "width", &frame.width);
    gst_structure_get_int(gs, "height", &frame.height);
  }
  gst_sample_unref(sample);
  if (frame.jpeg.empty()) return DecodeFailed("the keyframe gave no picture");
  return frame;
}

absl::Status WriteFile(const fs::path& path, absl::string_view content) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED",
                 absl::StrCat("create: ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED",
                   absl::StrCat("write: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED", "rename failed");
  }
  return absl::OkStatus();
}

// State of one cut across its runs (everything runs on one streaming thread at a time).
struct CutState {
  explicit CutState(int64_t start, int64_t end) : start_us(start), end_us(end) {}
  const int64_t start_us;
  const int64_t end_us;
  std::optional<ClipSelector<BufferRef>> selector;
  std::vector<Emitted<BufferRef>> emitted;
  // Caps the muxer was opened with, per track; the caps last seen per track (of any run); the
  // last caps object found equal to the muxer's (runs share one object per track).
  std::shared_ptr<GstCaps> track_caps[2];
  std::shared_ptr<GstCaps> latest_caps[2];
  GstCaps* checked[2] = {nullptr, nullptr};
  std::unique_ptr<Muxer> muxer;
  fs::path tmp_mp4;
  fs::path scratch;
  int64_t max_bytes = 0;
  absl::Status failure;
  // Of everything offered so far, across runs: the last video decode time, the audio's end.
  std::optional<int64_t> last_video_dts;
  std::optional<int64_t> audio_end;
  BufferRef poster_keyframe;
  CapsPtr poster_caps;
  int64_t frames[2] = {0, 0};
};

int Index(Track t) { return t == Track::kVideo ? 0 : 1; }

// Writes what the selector let through; false (with state.failure) to stop.
bool Drain(CutState& state) {
  for (Emitted<BufferRef>& e : state.emitted) {
    const int i = Index(e.track);
    if (!state.muxer) {
      // The first unit's caps for its track; the other track's as last seen (checked below
      // when its units come).
      state.track_caps[i] = e.payload.caps;
      state.track_caps[1 - i] = state.latest_caps[1 - i];
      state.muxer = std::make_unique<Muxer>();
      absl::Status s = state.muxer->Open(state.tmp_mp4, state.scratch, state.track_caps[0].get(),
                                         state.track_caps[1].get());
      if (!s.ok()) {
        state.failure = s;
        return false;
      }
    }
    if (!state.muxer->has(e.track)) continue;
    if (e.payload.caps.get() != state.checked[i]) {
      // A unit of another run: the format must not have changed.
      if (e.payload.caps == nullptr ||
          !gst_caps_is_equal(state.track_caps[i].get(), e.payload.caps.get())) {
        state.failure = Error(absl::StatusCode::kFailedPrecondition, "CLIP_FORMAT_CHANGED",
                              "the stream's format changed at a reconnect inside the range");
        return false;
      }
      state.checked[i] = e.payload.caps.get();
    }
    if (e.track == Track::kVideo && e.keyframe && !state.poster_keyframe.buffer) {
      state.poster_keyframe = e.payload;
      state.poster_caps = RefCaps(state.track_caps[0].get());
    }
    if (absl::Status s = state.muxer->Push(e); !s.ok()) {
      state.failure = s;
      return false;
    }
    ++state.frames[i];
    if (state.muxer->bytes() > state.max_bytes) {
      state.failure = Error(absl::StatusCode::kResourceExhausted, "CLIP_TOO_LARGE",
                            "the clip would be larger than allowed");
      return false;
    }
  }
  state.emitted.clear();
  return true;
}

}  // namespace

PictureSize FitPicture(int width, int height, int par_n, int par_d, int max_size) {
  if (width <= 0 || height <= 0 || max_size < 2) return {};
  if (par_n <= 0 || par_d <= 0) par_n = par_d = 1;
  const double display_width = static_cast<double>(width) * par_n / par_d;
  const double scale = std::min({1.0, max_size / display_width, max_size / double(height)});
  auto even = [max_size](double v) {
    const int rounded = static_cast<int>(std::lround(v / 2.0)) * 2;
    return std::clamp(rounded, 2, max_size - max_size % 2);
  };
  return PictureSize{even(display_width * scale), even(height * scale)};
}

absl::Status CheckCutterElements() {
  InitGStreamer();
  for (const char* name :
       {"appsrc", "appsink", "tsdemux", "h264parse", "aacparse", "mp4mux", "filesink", "fakesink",
        "capsfilter", "openh264dec", "videoscale", "videoconvert", "jpegenc"}) {
    GstElementFactory* factory = gst_element_factory_find(name);
    if (factory == nullptr) return ElementMissing(name);
    gst_object_unref(factory);
  }
  return absl::OkStatus();
}

absl::StatusOr<CutResult> CutClip(const std::vector<SourceSegment>& segments, int64_t start_us,
                                  int64_t duration_us, const fs::path& mp4, const fs::path& poster,
                                  const CutOptions& options) {
  InitGStreamer();
  const absl::Time deadline = absl::Now() + options.timeout;
  const int64_t end_us = start_us + duration_us;
  if (segments.empty() || duration_us <= 0) {
    return InvalidArgument("range", "CLIP_RANGE_INVALID", "no segments for the range");
  }
  const int64_t media_end = segments.back().media_offset_us + segments.back().duration_us;
  if (start_us < segments.front().media_offset_us || start_us >= media_end) {
    return InvalidArgument("range", "CLIP_RANGE_INVALID", "the range is outside the segments");
  }
  RETURN_IF_ERROR(CheckReadable(segments));

  CutState state(start_us, end_us);
  state.tmp_mp4 = mp4.string() + ".tmp";
  state.scratch = options.scratch_dir.empty() ? mp4.parent_path() : options.scratch_dir;
  state.max_bytes = options.max_output_bytes;
  struct Cleanup {
    fs::path path;
    fs::path faststart;
    ~Cleanup() {
      std::error_code ec;
      fs::remove(path, ec);
      fs::remove(faststart, ec);
    }
  } cleanup{state.tmp_mp4, state.scratch / "faststart.tmp"};

  bool has_video = false;
  bool first_run = true;
  for (const auto& run : Runs(segments)) {
    if (state.selector && state.selector->done()) break;
    std::vector<fs::path> files;
    for (const SourceSegment* s : run) files.push_back(s->path);
    std::shared_ptr<GstCaps> run_caps[2];
    std::optional<RunClock> clock;
    std::vector<std::pair<Track, std::shared_ptr<GstSample>>> waiting;
    RunDemuxer* demuxer_ptr = nullptr;
    const std::optional<int64_t> last_video_dts = state.last_video_dts;
    const std::optional<int64_t> last_audio_end = state.audio_end;
    const int64_t offset = run.front()->media_offset_us;

    auto offer = [&](Track track, GstSample* sample) -> bool {
      GstBuffer* b = gst_sample_get_buffer(sample);
      if (b == nullptr || !GST_CLOCK_TIME_IS_VALID(GST_BUFFER_PTS(b))) return true;
      Unit<BufferRef> u;
      u.track = track;
      u.pts_us = clock->Position(GST_BUFFER_PTS(b));
      u.dts_us = GST_CLOCK_TIME_IS_VALID(GST_BUFFER_DTS(b)) ? clock->Position(GST_BUFFER_DTS(b))
                                                            : u.pts_us;
      u.duration_us =
          GST_BUFFER_DURATION_IS_VALID(b) ? static_cast<int64_t>(GST_BUFFER_DURATION(b) / 1000) : 0;
      u.keyframe = track == Track::kVideo && !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
      if (track == Track::kAudio) {
        // At a run boundary the audio of two sessions may overlap by a frame: keep time moving.
        if (state.audio_end && u.pts_us + 1000 < *state.audio_end) return true;
        state.audio_end = u.pts_us + u.duration_us;
      } else {
        state.last_video_dts = std::max(state.last_video_dts.value_or(u.dts_us), u.dts_us);
      }
      u.payload = MakeRef(b, run_caps[Index(track)]);
      state.selector->Offer(std::move(u), state.emitted);
      if (!Drain(state)) return false;
      return !state.selector->done();
    };

    RunDemuxer demuxer(files, [&](Track track, GstSample* sample) -> bool {
      if (!run_caps[Index(track)]) {
        run_caps[Index(track)] = ShareCaps(gst_sample_get_caps(sample));
        state.latest_caps[Index(track)] = run_caps[Index(track)];
      }
      if (!clock) {
        if (first_run && !state.selector) {
          has_video = demuxer_ptr->saw_video();
          state.selector.emplace(start_us, end_us, has_video);
        }
        clock.emplace(offset, demuxer_ptr->saw_video() && has_video, last_video_dts,
                      last_audio_end);
      }
      GstBuffer* b = gst_sample_get_buffer(sample);
      if (!clock->ready()) {
        if (b == nullptr || !clock->Anchor(track, b)) {
          // Audio before the run's first picture: held (a few frames) until it is placed.
          waiting.emplace_back(
              track, std::shared_ptr<GstSample>(gst_sample_ref(sample), gst_sample_unref));
          if (waiting.size() > 2000) {
            state.failure = Error(absl::StatusCode::kDataLoss, "SOURCE_CORRUPT",
                                  "no picture in the segment's first seconds");
            return false;
          }
          return true;
        }
        std::vector<std::pair<Track, std::shared_ptr<GstSample>>> held = std::move(waiting);
        waiting.clear();
        for (auto& [t, s] : held) {
          if (!offer(t, s.get())) return false;
        }
      }
      return offer(track, sample);
    });
    demuxer_ptr = &demuxer;
    absl::Status s = demuxer.Run(deadline);
    if (!state.failure.ok()) return state.failure;
    RETURN_IF_ERROR(s);
    first_run = false;
  }
  if (!state.selector) {
    return Error(absl::StatusCode::kFailedPrecondition, "SOURCE_UNSUPPORTED",
                 "the segments hold no H.264/HEVC video or AAC audio");
  }
  state.selector->Finish(state.emitted);
  if (!Drain(state)) return state.failure;
  if (!state.selector->start() || !state.muxer) {
    return InvalidArgument("range", "CLIP_RANGE_INVALID", "no media in the range");
  }
  RETURN_IF_ERROR(state.muxer->Finish(deadline));
  std::error_code ec;
  const auto size = fs::file_size(state.tmp_mp4, ec);
  if (ec) {
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED", "the MP4 was not written");
  }
  if (static_cast<int64_t>(size) > options.max_output_bytes) {
    return Error(absl::StatusCode::kResourceExhausted, "CLIP_TOO_LARGE",
                 "the clip would be larger than allowed");
  }
  CutResult result;
  result.start_us = *state.selector->start();
  result.duration_us = state.selector->end().value_or(*state.selector->start()) - result.start_us;
  result.has_video = state.frames[0] > 0;
  result.has_audio = state.frames[1] > 0;
  result.video_frames = state.frames[0];
  result.audio_frames = state.frames[1];
  result.bytes = static_cast<int64_t>(size);
  if (!poster.empty() && state.poster_keyframe.buffer) {
    ASSIGN_OR_RETURN(Frame frame,
                     RenderKeyframe(state.poster_caps.get(), state.poster_keyframe.buffer.get(),
                                    options.poster, deadline));
    RETURN_IF_ERROR(WriteFile(poster, frame.jpeg));
    result.has_poster = true;
    result.poster_width = frame.width;
    result.poster_height = frame.height;
  }
  if (::rename(state.tmp_mp4.c_str(), mp4.c_str()) != 0) {
    return Error(absl::StatusCode::kInternal, "CLIP_MUX_FAILED",
                 absl::StrCat("rename: ", std::strerror(errno)));
  }
  return result;
}

absl::StatusOr<Frame> GrabFrame(const std::vector<SourceSegment>& segments, int64_t at_us,
                                const FrameOptions& options, absl::Duration timeout) {
  InitGStreamer();
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<SegmentSpan> spans;
  for (const SourceSegment& s : segments) {
    spans.push_back({s.sequence, s.media_offset_us, s.duration_us, s.discontinuity});
  }
  const std::optional<size_t> at = SegmentAt(spans, at_us);
  if (!at) return InvalidArgument("media_offset", "CLIP_RANGE_INVALID", "outside the recording");
  const SourceSegment& seg = segments[*at];
  RETURN_IF_ERROR(CheckReadable({seg}));
  std::optional<int64_t> base;
  BufferRef best;
  int64_t best_at = 0;
  CapsPtr caps;
  RunDemuxer demuxer({seg.path}, [&](Track track, GstSample* sample) -> bool {
    if (track != Track::kVideo) return true;
    GstBuffer* b = gst_sample_get_buffer(sample);
    if (b == nullptr || !GST_CLOCK_TIME_IS_VALID(GST_BUFFER_PTS(b))) return true;
    if (!base) base = static_cast<int64_t>(GST_BUFFER_PTS(b));
    if (GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) return true;
    const int64_t pos =
        seg.media_offset_us + (static_cast<int64_t>(GST_BUFFER_PTS(b)) - *base) / 1000;
    if (pos > at_us && best.buffer) return false;
    best = MakeRef(b);
    best_at = pos;
    caps = RefCaps(gst_sample_get_caps(sample));
    return pos <= at_us;
  });
  RETURN_IF_ERROR(demuxer.Run(deadline));
  if (!best.buffer) {
    return Error(absl::StatusCode::kFailedPrecondition, "SOURCE_UNSUPPORTED",
                 "no video keyframe in the segment");
  }
  ASSIGN_OR_RETURN(Frame frame, RenderKeyframe(caps.get(), best.buffer.get(), options, deadline));
  frame.offset_us = best_at;
  return frame;
}

}  // namespace shopcast::recording_lifecycle::clips
