#include "media/rendition_ladder.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "media/bus_watch.h"
#include "media/caps_facts.h"
#include "media/codec_strings.h"
#include "media/date_time_anchor.h"
#include "media/gstreamer_init.h"
#include "media/ladder_decoder.h"
#include "media/media_facts.h"
#include "media/segment_writer.h"
#include "media/steady_clock.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// A rung's media playlist, relative to the stream folder: "720p/live.m3u8".
std::string RungPlaylistPath(const RungSpec& spec) { return spec.name + "/live.m3u8"; }

// The cut events. A segment cut is a marker of ours, not the key-unit event the passthrough
// gives mpegtsmux: the muxer holds one pending key-unit request at a time and drops a second,
// and a rung's muxer (waiting for audio behind an encoder) can be more than a segment behind.
// Markers pass through the muxer in order with the video; the writer puts the PAT and PMT
// before each segment itself. Parts use the passthrough's part marker.
constexpr char kRungCut[] = "shopcast-rung-cut";
constexpr char kPartCut[] = "shopcast-part-cut";
// x264enc sends GstForceKeyUnit downstream before each keyframe it was forced to.
constexpr char kForceKeyUnit[] = "GstForceKeyUnit";
// Cut and keyframe notes a stalled rung may hold before the oldest are forgotten.
constexpr size_t kMaxPending = 256;
// Decoded pictures a rung's hand-off may hold, whatever its media time: raw 1080p is 3 MB a
// picture, so this bounds a slow encoder's backlog to ~2 s of it.
constexpr guint64 kMaxRawHandoffBytes = static_cast<guint64>(192) << 20;

std::optional<int64_t> Ns(GstClockTime t) {
  if (!GST_CLOCK_TIME_IS_VALID(t)) return std::nullopt;
  return static_cast<int64_t>(t);
}

}  // namespace

// ---- Metrics -----------------------------------------------------------------------------------

LadderMetrics::LadderMetrics(prometheus::Registry& registry)
    : segments_(prometheus::BuildCounter()
                    .Name("ingest_rendition_segments_total")
                    .Help("Segments written per rung of the rendition ladder")
                    .Register(registry)),
      failures_(prometheus::BuildCounter()
                    .Name("ingest_rendition_failures_total")
                    .Help("Rung pipelines that failed (encoder or pipeline error)")
                    .Register(registry)),
      restarts_(prometheus::BuildCounter()
                    .Name("ingest_rendition_restarts_total")
                    .Help("Rung pipelines rebuilt after a failure, at a segment cut")
                    .Register(registry)),
      dropped_(prometheus::BuildCounter()
                   .Name("ingest_rendition_handoff_dropped_total")
                   .Help("Source buffers a rung dropped because its hand-off was full")
                   .Register(registry)),
      encode_lag_(prometheus::BuildHistogram()
                      .Name("ingest_rendition_encode_lag_seconds")
                      .Help("From the source buffer that ends a segment leaving the parsers to "
                            "the rung listing that segment")
                      .Register(registry)),
      decoder_starts_(prometheus::BuildCounter()
                          .Name("ingest_rendition_decoder_starts_total")
                          .Help("Decoders started for the rendition ladder (one per session "
                                "with rungs, and one after each decoder failure)")
                          .Register(registry)
                          .Add({})),
      decoder_failures_(prometheus::BuildCounter()
                            .Name("ingest_rendition_decoder_failures_total")
                            .Help("Rendition ladder decoders that failed (every rung of the "
                                  "session restarts)")
                            .Register(registry)
                            .Add({})) {}

prometheus::Counter& LadderMetrics::segments(const std::string& rung) {
  return segments_.Add({{"rendition", rung}});
}
prometheus::Counter& LadderMetrics::failures(const std::string& rung) {
  return failures_.Add({{"rendition", rung}});
}
prometheus::Counter& LadderMetrics::restarts(const std::string& rung) {
  return restarts_.Add({{"rendition", rung}});
}
prometheus::Counter& LadderMetrics::dropped(const std::string& rung) {
  return dropped_.Add({{"rendition", rung}});
}
prometheus::Histogram& LadderMetrics::encode_lag(const std::string& rung) {
  return encode_lag_.Add({{"rendition", rung}},
                         prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2, 5});
}

absl::Status CheckLadderElements() {
  InitGStreamer();
  for (const char* name :
       {"appsrc", "videoscale", "videoconvert", "capsfilter", "x264enc", "mpegtsmux", "fakesink"}) {
    GstElementFactory* f = gst_element_factory_find(name);
    if (f == nullptr) {
      return Error(absl::StatusCode::kFailedPrecondition, "LADDER_ELEMENT_MISSING",
                   absl::StrCat("the rendition ladder needs the GStreamer element ", name,
                                " (gstreamer1.0-plugins-ugly, -bad, -base, -good)"));
    }
    gst_object_unref(f);
  }
  return CheckLadderDecoders();
}

class LadderSession;

// ---- One run of one rung: its own GStreamer pipeline -------------------------------------------

struct RunParams {
  RenditionLadder* ladder = nullptr;
  size_t index = 0;
  LadderSession* session = nullptr;
  LivePlaylist* passthrough = nullptr;
  PictureSize size;
  bool has_audio = false;
  int64_t first_sequence = 0;
  int64_t first_start_ns = 0;
  bool first_of_session = false;
};

class RungRun {
 public:
  explicit RungRun(RunParams p)
      : p_(p),
        rung_(*p.ladder->rungs_[p.index]),
        options_(p.ladder->options_),
        parts_(options_.part_target > absl::ZeroDuration()),
        writer_(options_.stream_dir / rung_.spec.name, p.first_sequence, parts_,
                rung_.playlist->parts_in_memory()) {}
  ~RungRun() { Teardown(); }

  absl::Status Build();

  // The source's streaming threads: a video access unit this rung takes (its picture comes
  // through PushPicture once decoded), with the passthrough's cuts at it; the audio.
  void Note(int64_t pts, const RenditionCuts& cuts, bool keyframe, absl::Duration steady);
  void PushAudio(GstPad* pad, GstBuffer* buffer);
  // The session decoder's thread: every decoded picture; the rung keeps those it was noted.
  void PushPicture(GstSample* picture);
  bool Overloaded() const;
  bool failed() const { return failed_.load(); }
  // Stops the run as a failure of its own would (its decoder failed).
  void Fail(absl::string_view why) { MarkFailed(why); }

  // Teardown: EOS into the rung (it writes its open segment up to `end_ns`), then WaitEnd.
  void SendEos(int64_t end_ns);
  void WaitEnd(absl::Time deadline);
  void Teardown();

 private:
  struct PendingCut {
    int64_t at_ns = 0;
    bool segment = false;
    bool independent = false;
    absl::Duration steady;
  };

  static GstPadProbeReturn OnScaled(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn OnEncoded(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn OnMuxed(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void HandleMuxedEvent(GstEvent* event);
  void Publish(absl::StatusOr<std::optional<SegmentWriter::Closed>> closed);
  void PublishPart(const SegmentWriter::ClosedPart& part);
  void FinalizeSegment(const SegmentWriter::Closed& closed);
  absl::Time SegmentDateTime(int64_t sequence, int64_t start_ns);
  void HandleMessage(GstMessage* msg);
  void MarkFailed(absl::string_view why);
  bool Ended() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return eos_ || failed_.load(); }
  GstElement* Make(const char* factory);

  const RunParams p_;
  RenditionLadder::Rung& rung_;
  const LadderOptions& options_;
  const bool parts_;

  GstElement* pipeline_ = nullptr;
  GstElement* vsrc_ = nullptr;
  GstElement* asrc_ = nullptr;
  GstElement* encoder_ = nullptr;
  std::unique_ptr<BusWatch> watch_;
  std::atomic<bool> failed_{false};
  std::atomic<bool> torn_down_{false};

  // Notes from the source thread for the probes.
  absl::Mutex mu_;
  std::deque<int64_t> keyframes_ ABSL_GUARDED_BY(mu_);  // Source keyframe times to force.
  // Times of the access units noted whose pictures have not come yet (decode order, so not
  // sorted when the source has B-frames).
  std::deque<int64_t> expected_ ABSL_GUARDED_BY(mu_);
  std::deque<PendingCut> cuts_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<int64_t, absl::Duration>> cut_times_ ABSL_GUARDED_BY(mu_);
  // Media times of the cut events on their way through the muxer, in order.
  std::deque<int64_t> marked_ ABSL_GUARDED_BY(mu_);
  bool audio_caps_set_ ABSL_GUARDED_BY(mu_) = false;
  uint32_t forced_ ABSL_GUARDED_BY(mu_) = 0;
  MediaFacts facts_ ABSL_GUARDED_BY(mu_);
  int64_t end_ns_ ABSL_GUARDED_BY(mu_) = 0;
  bool eos_ ABSL_GUARDED_BY(mu_) = false;

  // The encoder's streaming thread only: its output segment.
  GstSegment encoded_segment_;
  bool have_encoded_segment_ = false;

  // The muxer's streaming thread only.
  SegmentWriter writer_;
  std::optional<std::pair<int64_t, absl::Time>> open_date_time_;
  int segments_written_ = 0;
};

// ---- The session: the feed the passthrough offers to ------------------------------------------

class LadderSession final : public RenditionFeed {
 public:
  LadderSession(std::shared_ptr<RenditionLadder> ladder, LivePlaylist& passthrough,
                int64_t first_sequence, std::vector<bool> usable)
      : ladder_(std::move(ladder)),
        passthrough_(passthrough),
        first_sequence_(first_sequence),
        states_(ladder_->rungs_.size()) {
    for (size_t i = 0; i < states_.size(); ++i) {
      if (!usable[i]) states_[i].state = State::kOff;
    }
  }
  ~LadderSession() override { Finish(); }

  void OfferVideo(GstPad* pad, GstBuffer* buffer, const RenditionCuts& cuts,
                  bool has_audio) override;
  void OfferAudio(GstPad* pad, GstBuffer* buffer) override;
  void Finish() override;

  absl::Time SegmentDateTime(int64_t start_ns, bool first_of_session,
                             std::optional<absl::Time> previous_end) {
    absl::MutexLock lock(&anchor_mu_);
    return anchor_.SegmentStart(start_ns, first_of_session, previous_end, absl::Now());
  }

 private:
  enum class State { kWaiting, kRunning, kDropping, kFailed, kOff };
  struct RungState {
    State state = State::kWaiting;
    std::unique_ptr<RungRun> run;
    std::vector<std::unique_ptr<RungRun>> dead;  // Failed runs, torn down at Finish.
    int restarts = 0;
    bool skip_logged = false;
  };

  // Starts (or restarts) rung `i` at this keyframe, which starts segment `sequence`.
  void StartRung(size_t i, RungState& st, GstPad* pad, GstBuffer* buffer, int64_t sequence,
                 bool has_audio) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the session's decoder for the video of `caps` (at a keyframe); false if it failed.
  bool StartDecoder(GstCaps* caps, const std::string& codec) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The decoder's thread: a picture for the rungs.
  void OnPicture(GstSample* picture) ABSL_LOCKS_EXCLUDED(mu_);
  void RemoveRung(size_t i, RungState& st, absl::string_view why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<RenditionLadder> ladder_;
  LivePlaylist& passthrough_;
  const int64_t first_sequence_;

  absl::Mutex anchor_mu_;
  DateTimeAnchor anchor_ ABSL_GUARDED_BY(anchor_mu_);

  absl::Mutex mu_;
  std::vector<RungState> states_ ABSL_GUARDED_BY(mu_);
  // One decoder for every rung; failed ones are torn down at Finish (never under mu_, which
  // their streaming threads take to hand pictures on).
  std::unique_ptr<LadderDecoder> decoder_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<LadderDecoder>> dead_decoders_ ABSL_GUARDED_BY(mu_);
  // The decoder fell behind: nothing goes to it (and every rung drops) until a segment cut.
  bool decoder_dropping_ ABSL_GUARDED_BY(mu_) = false;
  // Finish took the runs: pictures still coming are not handed on.
  bool drained_ ABSL_GUARDED_BY(mu_) = false;
  bool seen_video_ ABSL_GUARDED_BY(mu_) = false;
  int64_t segment_cuts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t end_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_pts_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t step_ns_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// ---- RungRun -----------------------------------------------------------------------------------

GstElement* RungRun::Make(const char* factory) {
  GstElement* e = gst_element_factory_make(factory, nullptr);
  if (e != nullptr) gst_bin_add(GST_BIN(pipeline_), e);
  return e;
}

absl::Status RungRun::Build() {
  const std::string name = rung_.spec.name;
  pipeline_ = gst_pipeline_new(nullptr);
  gst_object_ref_sink(pipeline_);
  vsrc_ = Make("appsrc");
  GstElement* scale = Make("videoscale");
  GstElement* convert = Make("videoconvert");
  GstElement* raw_caps = Make("capsfilter");
  encoder_ = Make("x264enc");
  GstElement* out_caps = Make("capsfilter");
  GstElement* mux = Make("mpegtsmux");
  GstElement* sink = Make("fakesink");
  if (vsrc_ == nullptr || scale == nullptr || convert == nullptr || raw_caps == nullptr ||
      encoder_ == nullptr || out_caps == nullptr || mux == nullptr || sink == nullptr) {
    return Error(absl::StatusCode::kFailedPrecondition, "LADDER_ELEMENT_MISSING",
                 absl::StrCat("a GStreamer element of rung ", name, " is missing"));
  }
  // The hand-off of decoded pictures (their caps come with them): never blocks the decoder's
  // thread; Overloaded() bounds it.
  g_object_set(vsrc_, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, "max-bytes",
               2 * kMaxRawHandoffBytes, "emit-signals", FALSE, nullptr);
  g_object_set(scale, "add-borders", FALSE, nullptr);
  GstCaps* raw =
      gst_caps_new_simple("video/x-raw", "width", G_TYPE_INT, p_.size.width, "height", G_TYPE_INT,
                          p_.size.height, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(raw_caps, "caps", raw, nullptr);
  gst_caps_unref(raw);
  // Live-friendly x264: no lookahead or frame threads (zerolatency), no B-frames, keyframes
  // only where forced (the source's), a VBV-bounded constant bitrate.
  gst_util_set_object_arg(G_OBJECT(encoder_), "tune", "zerolatency");
  gst_util_set_object_arg(G_OBJECT(encoder_), "speed-preset", "veryfast");
  gst_util_set_object_arg(G_OBJECT(encoder_), "pass", "cbr");
  g_object_set(encoder_, "bitrate", static_cast<guint>(rung_.spec.video_kbps), "bframes", 0,
               "key-int-max", 100000, "vbv-buf-capacity", 1000, "option-string", "scenecut=0",
               nullptr);
  GstCaps* h264 = gst_caps_from_string("video/x-h264,stream-format=byte-stream,alignment=au");
  g_object_set(out_caps, "caps", h264, nullptr);
  gst_caps_unref(h264);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  if (!gst_element_link_many(vsrc_, scale, convert, raw_caps, encoder_, out_caps, mux, sink,
                             nullptr)) {
    return Error(absl::StatusCode::kInternal, "RENDITION_FAILURE",
                 absl::StrCat("cannot link rung ", name));
  }
  if (p_.has_audio) {
    asrc_ = Make("appsrc");
    if (asrc_ == nullptr) {
      return Error(absl::StatusCode::kFailedPrecondition, "LADDER_ELEMENT_MISSING", "appsrc");
    }
    g_object_set(asrc_, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, "max-bytes",
                 static_cast<guint64>(16) << 20, "emit-signals", FALSE, nullptr);
    if (!gst_element_link(asrc_, mux)) {
      return Error(absl::StatusCode::kInternal, "RENDITION_FAILURE",
                   absl::StrCat("cannot link rung ", name, "'s audio"));
    }
  }
  GstPad* scaled = gst_element_get_static_pad(raw_caps, "src");
  gst_pad_add_probe(scaled, GST_PAD_PROBE_TYPE_BUFFER, &RungRun::OnScaled, this, nullptr);
  gst_object_unref(scaled);
  GstPad* encoded = gst_element_get_static_pad(out_caps, "src");
  gst_pad_add_probe(
      encoded,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &RungRun::OnEncoded, this, nullptr);
  gst_object_unref(encoded);
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(
      sink_pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &RungRun::OnMuxed, this, nullptr);
  gst_object_unref(sink_pad);

  GstBus* bus = gst_element_get_bus(pipeline_);
  watch_ = std::make_unique<BusWatch>(
      bus, [this](GstMessage* msg) { HandleMessage(msg); }, absl::Seconds(1), [] {});
  gst_object_unref(bus);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return Error(absl::StatusCode::kInternal, "RENDITION_FAILURE",
                 absl::StrCat("rung ", name, " refused to start"));
  }
  log::Info("rendition_started")
      .Kv("stream_id", options_.stream_id)
      .Kv("rendition", name)
      .Kv("width", p_.size.width)
      .Kv("height", p_.size.height)
      .Kv("kbps", rung_.spec.video_kbps)
      .Kv("first_sequence", p_.first_sequence);
  return absl::OkStatus();
}

void RungRun::Note(int64_t pts, const RenditionCuts& cuts, bool keyframe, absl::Duration steady) {
  if (failed_.load()) return;
  absl::MutexLock lock(&mu_);
  expected_.push_back(pts);
  // A picture the decoder never made (a damaged access unit) is forgotten in time.
  if (expected_.size() > kMaxPending) expected_.pop_front();
  if (keyframe) {
    keyframes_.push_back(pts);
    if (keyframes_.size() > kMaxPending) keyframes_.pop_front();
  }
  if (cuts.segment) {
    cuts_.push_back(PendingCut{*cuts.segment, true, true, steady});
  } else if (cuts.part) {
    cuts_.push_back(PendingCut{*cuts.part, false, cuts.part_independent, steady});
  }
  if (cuts_.size() > kMaxPending) cuts_.pop_front();
}

void RungRun::PushPicture(GstSample* picture) {
  if (failed_.load()) return;
  GstBuffer* buffer = gst_sample_get_buffer(picture);
  if (buffer == nullptr) return;
  const std::optional<int64_t> pts = Ns(GST_BUFFER_PTS(buffer));
  if (!pts) return;
  {
    // Only the pictures of access units offered while this run took them: none from before
    // it started, or from while it dropped its input.
    absl::MutexLock lock(&mu_);
    auto it = std::find(expected_.begin(), expected_.end(), *pts);
    if (it == expected_.end()) return;
    expected_.erase(it);
  }
  // The buffer is shared with the other rungs (read only: videoscale writes a new one).
  gst_app_src_push_sample(GST_APP_SRC(vsrc_), picture);
}

void RungRun::PushAudio(GstPad* pad, GstBuffer* buffer) {
  if (asrc_ == nullptr || failed_.load()) return;
  {
    absl::MutexLock lock(&mu_);
    if (!audio_caps_set_) {
      GstCaps* caps = gst_pad_get_current_caps(pad);
      if (caps == nullptr) return;
      gst_app_src_set_caps(GST_APP_SRC(asrc_), caps);
      if (!gst_caps_is_empty(caps))
        facts_.SetAudio(AudioFactsFromCaps(gst_caps_get_structure(caps, 0)));
      gst_caps_unref(caps);
      audio_caps_set_ = true;
    }
  }
  gst_app_src_push_buffer(GST_APP_SRC(asrc_), gst_buffer_ref(buffer));
}

bool RungRun::Overloaded() const {
  GstAppSrc* src = GST_APP_SRC(vsrc_);
  const guint64 time = gst_app_src_get_current_level_time(src);
  if (gst_app_src_get_current_level_bytes(src) > kMaxRawHandoffBytes) return true;
  return time != GST_CLOCK_TIME_NONE &&
         time > static_cast<guint64>(absl::ToInt64Nanoseconds(options_.max_handoff));
}

// Before the encoder: force a keyframe at every source keyframe (the picture the decoder made of
// it keeps its time; a picture the decoder dropped moves the key unit to the next one).
GstPadProbeReturn RungRun::OnScaled(GstPad* pad, GstPadProbeInfo* info, gpointer self) {
  RungRun* run = static_cast<RungRun*>(self);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  const std::optional<int64_t> pts = Ns(GST_BUFFER_PTS(buffer));
  if (!pts) return GST_PAD_PROBE_OK;
  uint32_t count = 0;
  {
    absl::MutexLock lock(&run->mu_);
    bool force = false;
    while (!run->keyframes_.empty() && run->keyframes_.front() <= *pts) {
      run->keyframes_.pop_front();
      force = true;
    }
    if (!force) return GST_PAD_PROBE_OK;
    count = ++run->forced_;
  }
  // No running time: "this frame". x264enc moves its timeline by 1000 hours (so that decode
  // times never go negative) and compares a request's running time with that moved one.
  const GstClockTime t = static_cast<GstClockTime>(*pts);
  gst_pad_push_event(
      pad, gst_video_event_new_downstream_force_key_unit(t, t, GST_CLOCK_TIME_NONE, TRUE, count));
  return GST_PAD_PROBE_OK;
}

// After the encoder: the passthrough's cuts, placed before the first rung frame at or after
// each (the segment cuts fall on the keyframes forced above).
GstPadProbeReturn RungRun::OnEncoded(GstPad* pad, GstPadProbeInfo* info, gpointer self) {
  RungRun* run = static_cast<RungRun*>(self);
  if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    const GstStructure* s = gst_event_get_structure(event);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM && s != nullptr &&
        gst_structure_has_name(s, kForceKeyUnit)) {
      return GST_PAD_PROBE_DROP;  // x264enc's own: the muxer must not act on it.
    }
    if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      gst_event_copy_segment(event, &run->encoded_segment_);
      run->have_encoded_segment_ = true;
    }
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      if (caps != nullptr && !gst_caps_is_empty(caps)) {
        absl::MutexLock lock(&run->mu_);
        run->facts_.SetVideo(VideoFactsFromCaps(gst_caps_get_structure(caps, 0)));
      }
    }
    return GST_PAD_PROBE_OK;
  }
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  // x264enc's buffers carry times moved by 1000 hours (its segment moves them back): the
  // running time is the session's media time.
  std::optional<int64_t> pts = Ns(GST_BUFFER_PTS(buffer));
  if (pts && run->have_encoded_segment_ && run->encoded_segment_.format == GST_FORMAT_TIME) {
    pts = Ns(gst_segment_to_running_time(&run->encoded_segment_, GST_FORMAT_TIME,
                                         static_cast<GstClockTime>(*pts)));
  }
  std::vector<PendingCut> due;
  {
    absl::MutexLock lock(&run->mu_);
    if (run->facts_.needs_sps() && !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
      GstMapInfo map;
      if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        run->facts_.ObserveVideoBuffer(std::span<const uint8_t>(map.data, map.size));
        gst_buffer_unmap(buffer, &map);
      }
    }
    while (pts && !run->cuts_.empty() && run->cuts_.front().at_ns <= *pts) {
      due.push_back(run->cuts_.front());
      run->cuts_.pop_front();
    }
    for (const PendingCut& c : due) {
      run->cut_times_.emplace_back(c.at_ns, c.steady);
      if (run->cut_times_.size() > 64) run->cut_times_.pop_front();
      run->marked_.push_back(c.at_ns);
    }
  }
  for (const PendingCut& c : due) {
    // The muxer compares running times; the writer takes the media time from marked_, in order.
    const guint64 at = static_cast<guint64>(c.at_ns);
    GstStructure* s =
        c.segment ? gst_structure_new(kRungCut, "running-time", G_TYPE_UINT64, at, nullptr)
                  : gst_structure_new(kPartCut, "running-time", G_TYPE_UINT64, at, "independent",
                                      G_TYPE_BOOLEAN, c.independent ? TRUE : FALSE, "prefix-tables",
                                      G_TYPE_BOOLEAN, c.independent ? TRUE : FALSE, nullptr);
    gst_pad_push_event(pad, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, s));
  }
  return GST_PAD_PROBE_OK;
}

// The segment writer, as the passthrough's (pipeline.cc), on the rung muxer's thread.
GstPadProbeReturn RungRun::OnMuxed(GstPad*, GstPadProbeInfo* info, gpointer self) {
  RungRun* run = static_cast<RungRun*>(self);
  const GstPadProbeType type = GST_PAD_PROBE_INFO_TYPE(info);
  if (run->failed_.load()) return GST_PAD_PROBE_OK;  // A failed run writes nothing more.
  if ((type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    run->HandleMuxedEvent(GST_PAD_PROBE_INFO_EVENT(info));
    return GST_PAD_PROBE_OK;
  }
  auto write = [run](GstBuffer* buffer) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
    absl::Status written = run->writer_.Write(std::span<const uint8_t>(map.data, map.size));
    gst_buffer_unmap(buffer, &map);
    if (!written.ok()) run->MarkFailed(written.message());
  };
  if ((type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    write(GST_PAD_PROBE_INFO_BUFFER(info));
  } else if ((type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) write(gst_buffer_list_get(list, i));
  }
  return GST_PAD_PROBE_OK;
}

void RungRun::HandleMuxedEvent(GstEvent* event) {
  if (failed_.load()) return;
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    int64_t end_ns = 0;
    {
      absl::MutexLock lock(&mu_);
      end_ns = end_ns_;
    }
    Publish(writer_.Finish(end_ns, p_.first_start_ns));
    return;
  }
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_DOWNSTREAM) return;
  const GstStructure* s = gst_event_get_structure(event);
  if (s == nullptr ||
      (!gst_structure_has_name(s, kPartCut) && !gst_structure_has_name(s, kRungCut))) {
    return;
  }
  int64_t at = 0;
  {
    absl::MutexLock lock(&mu_);
    if (marked_.empty()) return;  // Not one of ours.
    at = marked_.front();
    marked_.pop_front();
  }
  if (gst_structure_has_name(s, kPartCut)) {
    gboolean independent = FALSE;
    gboolean prefix = FALSE;
    gst_structure_get_boolean(s, "independent", &independent);
    gst_structure_get_boolean(s, "prefix-tables", &prefix);
    absl::StatusOr<std::optional<SegmentWriter::ClosedPart>> part =
        writer_.CutPart(at, p_.first_start_ns, independent, prefix);
    if (!part.ok()) {
      MarkFailed(part.status().message());
    } else if (part->has_value()) {
      PublishPart(**part);
    }
    return;
  }
  Publish(writer_.Cut(at, p_.first_start_ns, /*prefix_tables=*/true));
}

void RungRun::Publish(absl::StatusOr<std::optional<SegmentWriter::Closed>> closed) {
  if (!closed.ok()) {
    MarkFailed(closed.status().message());
  } else if (closed->has_value()) {
    FinalizeSegment(**closed);
  }
}

absl::Time RungRun::SegmentDateTime(int64_t sequence, int64_t start_ns) {
  if (open_date_time_ && open_date_time_->first == sequence) return open_date_time_->second;
  const absl::Time t =
      p_.session->SegmentDateTime(start_ns, p_.first_of_session && sequence == p_.first_sequence,
                                  rung_.playlist->end_program_date_time());
  open_date_time_ = std::make_pair(sequence, t);
  return t;
}

void RungRun::PublishPart(const SegmentWriter::ClosedPart& part) {
  LivePlaylist::PartInfo info;
  info.sequence = part.sequence;
  info.index = part.index;
  info.duration = absl::Nanoseconds(part.end_ns - part.start_ns);
  info.independent = part.independent;
  info.data = part.data;
  if (part.index == 0) open_date_time_.reset();
  info.program_date_time = SegmentDateTime(part.sequence, part.start_ns);
  if (absl::Status s = rung_.playlist->AppendPart(info); !s.ok()) MarkFailed(s.message());
}

void RungRun::FinalizeSegment(const SegmentWriter::Closed& closed) {
  SegmentInfo segment;
  segment.sequence = closed.sequence;
  segment.program_date_time = SegmentDateTime(closed.sequence, closed.start_ns);
  open_date_time_.reset();
  std::optional<LivePlaylist::PartInfo> last_part;
  if (closed.last_part) {
    last_part = LivePlaylist::PartInfo{
        .sequence = closed.last_part->sequence,
        .index = closed.last_part->index,
        .duration = absl::Nanoseconds(closed.last_part->end_ns - closed.last_part->start_ns),
        .independent = closed.last_part->independent,
        .program_date_time = segment.program_date_time,
        .data = closed.last_part->data};
  }
  segment.duration = absl::Nanoseconds(closed.end_ns - closed.start_ns);
  segment.media_offset = rung_.playlist->media_offset();
  segment.size_bytes = closed.digest.size_bytes;
  segment.sha256 = closed.digest.sha256;
  segment.path = absl::StrCat(options_.stream_id, "/", rung_.spec.name, "/",
                              closed.location.filename().string());
  MediaInfo media;
  std::optional<absl::Duration> cut_steady;
  {
    absl::MutexLock lock(&mu_);
    media = facts_.Report(true, asrc_ != nullptr, true, true).value_or(MediaInfo{});
    for (const auto& [at, steady] : cut_times_) {
      if (at == closed.end_ns) cut_steady = steady;
    }
  }
  if (absl::Status s = rung_.playlist->Append(segment, media, last_part); !s.ok()) {
    MarkFailed(s.message());
    return;
  }
  ++segments_written_;
  const std::string& name = rung_.spec.name;
  if (options_.metrics != nullptr) {
    options_.metrics->segments(name).Increment();
    if (cut_steady) {
      options_.metrics->encode_lag(name).Observe(absl::ToDoubleSeconds(SteadyNow() - *cut_steady));
    }
  }
  log::Info("rendition_segment_closed")
      .Kv("stream_id", options_.stream_id)
      .Kv("rendition", name)
      .Kv("sequence", segment.sequence)
      .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
      .Kv("size_bytes", segment.size_bytes);
  if (segments_written_ == 1) {
    // The master lists this rung from now on (and with its measured bandwidth).
    p_.ladder->MarkWritten(p_.index);
    if (absl::Status s = p_.passthrough->WriteMaster(); !s.ok()) {
      log::Warn("rendition_master_not_written").Kv("error", std::string(s.message()));
    }
  }
  if (!options_.fault_rung.empty() && options_.fault_rung == name &&
      segments_written_ >= options_.fault_after_segments) {
    // Fault injection (tests): the encoder reports an error, as a real failure would.
    GError* err = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE,
                                      "injected rung failure (renditions_fault)");
    gst_element_post_message(encoder_,
                             gst_message_new_error(GST_OBJECT(encoder_), err, "fault injection"));
    g_error_free(err);
  }
}

void RungRun::HandleMessage(GstMessage* msg) {
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &err, &debug);
      const std::string text = absl::StrCat(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), ": ",
                                            err != nullptr ? err->message : "unknown error");
      g_clear_error(&err);
      g_free(debug);
      MarkFailed(text);
      break;
    }
    case GST_MESSAGE_EOS: {
      absl::MutexLock lock(&mu_);
      eos_ = true;
      break;
    }
    default:
      break;
  }
}

void RungRun::MarkFailed(absl::string_view why) {
  if (failed_.exchange(true)) return;
  log::Warn("rendition_failed")
      .Kv("stream_id", options_.stream_id)
      .Kv("rendition", rung_.spec.name)
      .Kv("error", std::string(why));
  if (options_.metrics != nullptr) options_.metrics->failures(rung_.spec.name).Increment();
  // The pipeline stops at Teardown (not from a streaming thread of its own); nothing of it is
  // written or listed any more. Waking WaitEnd:
  absl::MutexLock lock(&mu_);
}

void RungRun::SendEos(int64_t end_ns) {
  {
    absl::MutexLock lock(&mu_);
    end_ns_ = end_ns;
  }
  if (failed_.load() || vsrc_ == nullptr) return;
  gst_app_src_end_of_stream(GST_APP_SRC(vsrc_));
  if (asrc_ != nullptr) gst_app_src_end_of_stream(GST_APP_SRC(asrc_));
}

void RungRun::WaitEnd(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(this, &RungRun::Ended), deadline);
}

void RungRun::Teardown() {
  if (torn_down_.exchange(true)) return;
  watch_.reset();
  if (pipeline_ != nullptr) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }
}

// ---- LadderSession -----------------------------------------------------------------------------

void LadderSession::StartRung(size_t i, RungState& st, GstPad* pad, GstBuffer* buffer,
                              int64_t sequence, bool has_audio) {
  RenditionLadder::Rung& rung = *ladder_->rungs_[i];
  const std::string& name = rung.spec.name;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr || gst_caps_is_empty(caps)) {
    if (caps != nullptr) gst_caps_unref(caps);
    return;  // Next keyframe.
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  PictureSize source;
  gst_structure_get_int(s, "width", &source.width);
  gst_structure_get_int(s, "height", &source.height);
  const std::optional<PictureSize> size = ScaledSize(source, rung.spec.height);
  const std::optional<std::string> decoder = LadderDecoderFor(gst_structure_get_name(s));
  if (!size || !decoder) {
    st.state = State::kOff;
    log::Info("rendition_skipped")
        .Kv("stream_id", ladder_->options_.stream_id)
        .Kv("rendition", name)
        .Kv("source_width", source.width)
        .Kv("source_height", source.height)
        .Kv("reason", !decoder ? "codec" : "source_smaller");
    gst_caps_unref(caps);
    ladder_->SetActive(i, false);
    return;
  }
  if (st.state == State::kFailed) {
    ++st.restarts;
    if (ladder_->options_.metrics != nullptr) ladder_->options_.metrics->restarts(name).Increment();
  }
  // The rung's playlist continues at this segment: after a failure it lost the ones between.
  if (rung.playlist->next_sequence() < sequence) {
    if (absl::Status skip = rung.playlist->SkipTo(sequence, rung.playlist->media_offset());
        !skip.ok()) {
      log::Warn("rendition_skip_failed")
          .Kv("rendition", name)
          .Kv("error", std::string(skip.message()));
    }
  } else {
    (void)rung.playlist->DropPendingParts();
  }
  RunParams p;
  p.ladder = ladder_.get();
  p.index = i;
  p.session = this;
  p.passthrough = &passthrough_;
  p.size = *size;
  p.has_audio = has_audio;
  p.first_sequence = sequence;
  p.first_start_ns = static_cast<int64_t>(GST_BUFFER_PTS(buffer));
  p.first_of_session = sequence == first_sequence_;
  auto run = std::make_unique<RungRun>(p);
  const bool decoding = decoder_ != nullptr || StartDecoder(caps, *decoder);
  gst_caps_unref(caps);
  absl::Status built = decoding ? run->Build()
                                : Error(absl::StatusCode::kInternal, "RENDITION_FAILURE",
                                        "the ladder's decoder did not start");
  if (!built.ok()) {
    log::Warn("rendition_start_failed")
        .Kv("stream_id", ladder_->options_.stream_id)
        .Kv("rendition", name)
        .Kv("error", std::string(built.message()));
    if (ladder_->options_.metrics != nullptr) ladder_->options_.metrics->failures(name).Increment();
    st.dead.push_back(std::move(run));
    st.state = State::kFailed;
    if (st.restarts >= ladder_->options_.max_restarts) RemoveRung(i, st, "start_failed");
    return;
  }
  st.run = std::move(run);
  st.state = State::kRunning;
  ladder_->SetActive(i, true);
}

bool LadderSession::StartDecoder(GstCaps* caps, const std::string& codec) {
  LadderDecoder::Options o;
  o.stream_id = ladder_->options_.stream_id;
  o.codec = codec;
  o.caps = caps;
  o.max_handoff = ladder_->options_.max_handoff;
  o.on_picture = [this](GstSample* picture) { OnPicture(picture); };
  auto decoder = std::make_unique<LadderDecoder>(std::move(o));
  if (absl::Status built = decoder->Build(); !built.ok()) {
    log::Warn("rendition_decoder_start_failed")
        .Kv("stream_id", ladder_->options_.stream_id)
        .Kv("decoder", codec)
        .Kv("error", std::string(built.message()));
    dead_decoders_.push_back(std::move(decoder));
    return false;
  }
  decoder_ = std::move(decoder);
  decoder_dropping_ = false;
  if (ladder_->options_.metrics != nullptr) ladder_->options_.metrics->decoder_starts().Increment();
  return true;
}

void LadderSession::OnPicture(GstSample* picture) {
  absl::MutexLock lock(&mu_);
  if (drained_) return;
  for (RungState& st : states_) {
    if (st.run) st.run->PushPicture(picture);
  }
}

void LadderSession::RemoveRung(size_t i, RungState& st, absl::string_view why) {
  st.state = State::kOff;
  log::Warn("rendition_removed")
      .Kv("stream_id", ladder_->options_.stream_id)
      .Kv("rendition", ladder_->rungs_[i]->spec.name)
      .Kv("restarts", st.restarts)
      .Kv("reason", std::string(why));
  ladder_->SetActive(i, false);
  if (absl::Status s = passthrough_.WriteMaster(); !s.ok()) {
    log::Warn("rendition_master_not_written").Kv("error", std::string(s.message()));
  }
}

void LadderSession::OfferVideo(GstPad* pad, GstBuffer* buffer, const RenditionCuts& cuts,
                               bool has_audio) {
  const std::optional<int64_t> pts = Ns(GST_BUFFER_PTS(buffer));
  if (!pts) return;
  const absl::Duration steady = SteadyNow();
  {
    absl::MutexLock lock(&anchor_mu_);
    anchor_.Observe(absl::Now(), *pts);
  }
  const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  const bool first = !seen_video_;
  seen_video_ = true;
  if (cuts.segment) ++segment_cuts_;
  // Where the media ends so far (as the passthrough's tracker reckons it).
  if (last_pts_ >= 0 && *pts > last_pts_) step_ns_ = *pts - last_pts_;
  last_pts_ = *pts;
  const std::optional<int64_t> duration = Ns(GST_BUFFER_DURATION(buffer));
  end_ns_ = std::max(end_ns_, *pts + (duration && *duration > 0 ? *duration : step_ns_));

  const int64_t sequence = first_sequence_ + segment_cuts_;
  const bool starts_segment = keyframe && (first || cuts.segment);
  // A failed decoder stops every rung: they restart, with a new decoder, at a segment cut.
  if (cuts.segment && decoder_ && segment_cuts_ == ladder_->options_.fault_decoder_at_segment) {
    decoder_->InjectFailure();  // Tests: as a real decoder error would.
  }
  if (decoder_ && decoder_->failed()) {
    if (ladder_->options_.metrics != nullptr) {
      ladder_->options_.metrics->decoder_failures().Increment();
    }
    const std::string why = absl::StrCat("decoder: ", decoder_->failure());
    for (RungState& st : states_) {
      if (st.run) st.run->Fail(why);
    }
    dead_decoders_.push_back(std::move(decoder_));
  }
  if (starts_segment) {
    decoder_dropping_ = false;  // Decoding may resume at any segment's keyframe.
  } else if (decoder_ && !decoder_dropping_ && !cuts.segment && decoder_->Overloaded()) {
    decoder_dropping_ = true;
    log::Warn("rendition_decoder_behind").Kv("stream_id", ladder_->options_.stream_id);
  }
  bool taken = false;  // By a running rung: the decoder needs it.
  for (size_t i = 0; i < states_.size(); ++i) {
    RungState& st = states_[i];
    if (st.state == State::kOff) continue;
    if (st.run && st.run->failed()) {
      st.dead.push_back(std::move(st.run));
      st.state = State::kFailed;
      if (st.restarts >= ladder_->options_.max_restarts) {
        RemoveRung(i, st, "restarts_exhausted");
        continue;
      }
    }
    if (starts_segment) {
      if (st.state == State::kWaiting || st.state == State::kFailed) {
        StartRung(i, st, pad, buffer, sequence, has_audio);
      } else if (st.state == State::kDropping) {
        st.state = State::kRunning;  // Caught up: resume at this segment.
        log::Info("rendition_resumed")
            .Kv("stream_id", ladder_->options_.stream_id)
            .Kv("rendition", ladder_->rungs_[i]->spec.name)
            .Kv("sequence", sequence);
      }
    }
    if (st.state == State::kRunning && !cuts.segment &&
        (decoder_dropping_ || st.run->Overloaded())) {
      st.state = State::kDropping;
      log::Warn("rendition_behind")
          .Kv("stream_id", ladder_->options_.stream_id)
          .Kv("rendition", ladder_->rungs_[i]->spec.name);
    }
    if (st.state == State::kRunning) {
      st.run->Note(*pts, cuts, keyframe, steady);
      taken = true;
    } else if (st.state == State::kDropping) {
      if (ladder_->options_.metrics != nullptr) {
        ladder_->options_.metrics->dropped(ladder_->rungs_[i]->spec.name).Increment();
      }
    }
  }
  if (taken && decoder_ && !decoder_dropping_) decoder_->Push(buffer);
}

void LadderSession::OfferAudio(GstPad* pad, GstBuffer* buffer) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  for (size_t i = 0; i < states_.size(); ++i) {
    RungState& st = states_[i];
    if (st.state == State::kRunning) {
      st.run->PushAudio(pad, buffer);
    } else if (st.state == State::kDropping && ladder_->options_.metrics != nullptr) {
      ladder_->options_.metrics->dropped(ladder_->rungs_[i]->spec.name).Increment();
    }
  }
}

void LadderSession::Finish() {
  LadderDecoder* decoder = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;  // No more offers: decoder_ stays as it is.
    decoder = decoder_.get();
  }
  const absl::Time deadline = absl::Now() + ladder_->options_.flush_timeout;
  // The pictures the decoder still holds go to the rungs before their end.
  if (decoder != nullptr) {
    decoder->SendEos();
    decoder->WaitEnd(deadline);
  }
  std::vector<std::unique_ptr<RungRun>> runs;
  std::vector<bool> flush;
  std::vector<std::unique_ptr<LadderDecoder>> decoders;
  int64_t end_ns = 0;
  {
    absl::MutexLock lock(&mu_);
    drained_ = true;
    if (decoder_) decoders.push_back(std::move(decoder_));
    for (auto& d : dead_decoders_) decoders.push_back(std::move(d));
    dead_decoders_.clear();
    end_ns = end_ns_;
    const int64_t passthrough_next = passthrough_.next_sequence();
    for (size_t i = 0; i < states_.size(); ++i) {
      RungState& st = states_[i];
      for (auto& d : st.dead) runs.push_back(std::move(d)), flush.push_back(false);
      st.dead.clear();
      if (st.run) {
        // Pictures lost to a decoder that failed at the end: the open segment is not whole.
        if (decoder != nullptr && decoder->failed()) {
          st.run->Fail(absl::StrCat("decoder: ", decoder->failure()));
        }
        // The rung writes its open segment only if the passthrough wrote that one too: the
        // next session starts where the passthrough's numbering goes on.
        const bool complete =
            !st.run->failed() && passthrough_next > ladder_->rungs_[i]->playlist->next_sequence();
        runs.push_back(std::move(st.run));
        flush.push_back(complete);
      }
    }
  }
  for (auto& d : decoders) d->Teardown();
  decoders.clear();
  for (size_t i = 0; i < runs.size(); ++i) {
    if (flush[i]) runs[i]->SendEos(end_ns);
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    if (flush[i]) runs[i]->WaitEnd(deadline);
    runs[i]->Teardown();
  }
  runs.clear();
  // Parts of a segment no rung will finish leave the listings.
  for (size_t i = 0; i < ladder_->rungs_.size(); ++i) {
    (void)ladder_->rungs_[i]->playlist->DropPendingParts();
  }
}

// ---- RenditionLadder ---------------------------------------------------------------------------

RenditionLadder::RenditionLadder(LadderOptions options) : options_(std::move(options)) {
  for (const RungSpec& spec : options_.rungs) {
    auto rung = std::make_unique<Rung>();
    rung->spec = spec;
    LivePlaylist::Options o;
    o.stream_dir = options_.stream_dir / spec.name;
    o.target_duration = options_.target_duration;
    o.window = options_.window;
    o.part_target = options_.part_target;
    o.master_playlist_name.clear();  // The passthrough's index.m3u8 lists the rungs.
    o.media_playlist_name = "live.m3u8";
    if (options_.observer)
      o.on_written = options_.observer(spec.name + "/" + o.media_playlist_name);
    o.playlist_files = options_.playlist_files;
    o.parts_in_memory = options_.parts_in_memory;
    // EXT-X-RENDITION-REPORT: every playlist of the stream reports the others.
    o.renditions = options_.group;
    o.rendition_path = RungPlaylistPath(spec);
    rung->playlist = std::make_shared<LivePlaylist>(o, 0, absl::ZeroDuration());
    rungs_.push_back(std::move(rung));
  }
}

RenditionLadder::~RenditionLadder() = default;

std::shared_ptr<RenditionLadder> RenditionLadder::Create(LadderOptions options) {
  InitGStreamer();
  if (!options.group) options.group = std::make_shared<RenditionGroup>();
  return std::shared_ptr<RenditionLadder>(new RenditionLadder(std::move(options)));
}

std::shared_ptr<RenditionFeed> RenditionLadder::StartSession(LivePlaylist& passthrough,
                                                             bool discontinuity) {
  const int64_t first = passthrough.next_sequence();
  std::vector<bool> usable(rungs_.size(), true);
  {
    absl::MutexLock lock(&mu_);
    if (ended_) return nullptr;
  }
  for (size_t i = 0; i < rungs_.size(); ++i) {
    Rung& r = *rungs_[i];
    std::error_code ec;
    std::filesystem::create_directories(options_.stream_dir / r.spec.name, ec);
    if (ec) {
      log::Warn("rendition_folder_failed")
          .Kv("stream_id", options_.stream_id)
          .Kv("rendition", r.spec.name)
          .Kv("error", ec.message());
      usable[i] = false;
      continue;
    }
    if (r.playlist->next_sequence() > first) {
      // Cannot happen when rungs finish as their passthrough does; never go back.
      log::Warn("rendition_ahead_of_passthrough")
          .Kv("stream_id", options_.stream_id)
          .Kv("rendition", r.spec.name);
      usable[i] = false;
      continue;
    }
    if (r.playlist->next_sequence() < first && r.playlist->next_sequence() > 0) {
      // Segments this rung never wrote (an earlier session's failure): resumes here.
      (void)r.playlist->SkipTo(first, r.playlist->media_offset());
    } else if (r.playlist->next_sequence() < first) {
      // A fresh rung of a stream with earlier segments (a restart): starts at the same number.
      (void)r.playlist->SkipTo(first, absl::ZeroDuration());
    }
    if (discontinuity) r.playlist->MarkDiscontinuity();
  }
  for (size_t i = 0; i < rungs_.size(); ++i) {
    if (!usable[i]) SetActive(i, false);  // Not in this session's master.
  }
  return std::make_shared<LadderSession>(shared_from_this(), passthrough, first, usable);
}

std::string RenditionLadder::MasterVariants() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& r : rungs_) {
    if (!r->active || !r->written) continue;
    const LivePlaylist::VariantStats stats = r->playlist->variant_stats();
    VariantLine v;
    v.uri = r->spec.name + "/live.m3u8";
    v.bandwidth = stats.peak_bps;
    v.average_bandwidth = stats.average_bps;
    v.resolution = PictureSize{stats.media.width, stats.media.height};
    v.frame_rate = stats.media.frame_rate;
    v.codecs = stats.media.codecs;
    out += VariantText(v);
  }
  return out;
}

bool RenditionLadder::listed(size_t i) const {
  absl::MutexLock lock(&mu_);
  return rungs_[i]->active && rungs_[i]->written;
}

void RenditionLadder::SetActive(size_t i, bool active) {
  {
    absl::MutexLock lock(&mu_);
    rungs_[i]->active = active;
  }
  // A rung out of the master is out of the other playlists' rendition reports too (it rejoins
  // only with a fresh playlist object: reports are an optimisation, the master decides).
  if (!active) options_.group->Remove(RungPlaylistPath(rungs_[i]->spec));
}

void RenditionLadder::MarkWritten(size_t i) {
  absl::MutexLock lock(&mu_);
  rungs_[i]->written = true;
  rungs_[i]->active = true;
}

void RenditionLadder::End() {
  std::vector<std::shared_ptr<LivePlaylist>> written;
  {
    absl::MutexLock lock(&mu_);
    if (ended_) return;
    ended_ = true;
    for (const auto& r : rungs_) {
      if (r->written) written.push_back(r->playlist);
    }
  }
  for (const auto& p : written) {
    if (absl::Status s = p->End(); !s.ok()) {
      log::Warn("rendition_playlist_not_ended")
          .Kv("stream_id", options_.stream_id)
          .Kv("error", std::string(s.message()));
    }
  }
}

}  // namespace shopcast::video_ingest::media
