#include "media/pipeline.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "media/bus_watch.h"
#include "media/caps_facts.h"
#include "media/codec_strings.h"
#include "media/date_time_anchor.h"
#include "media/flv_feed.h"
#include "media/fragment_tracker.h"
#include "media/gstreamer_init.h"
#include "media/media_facts.h"
#include "media/media_watchdog.h"
#include "media/pipeline_graph.h"
#include "media/segment_writer.h"
#include "media/steady_clock.h"
#include "media/timestamp_normalizer.h"
#include "media/tracks.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// How often the bus thread runs the watchdog and looks whether the media facts are complete.
constexpr absl::Duration kTickInterval = absl::Milliseconds(50);
// How long the first video buffer waits for the audio branch (see AwaitAudioBranch).
constexpr absl::Duration kAudioBranchWait = absl::Seconds(2);
// Application message posted by streaming threads to fail the pipeline from the bus thread.
constexpr char kFailureMessage[] = "shopcast-media-failure";
// The downstream force-key-unit event (GstVideo's "GstForceKeyUnit" structure, built by hand to
// avoid linking gstreamer-video for one event): mpegtsmux forwards it just before the keyframe
// it names, after every earlier-timed audio packet, and repeats PAT and PMT after it.
constexpr char kForceKeyUnit[] = "GstForceKeyUnit";
// Our own cut marker for audio-only sessions (mpegtsmux acts on key-unit events for video only);
// the muxer passes it through in order with the audio.
constexpr char kAudioCut[] = "shopcast-audio-cut";
// Our part boundary marker (Low-Latency HLS): also passed through in order with its track; a
// boundary on a video frame reaches the writer right after the video before it was muxed.
constexpr char kPartCut[] = "shopcast-part-cut";

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

// The status for a failure reason, with the code that says what it means (packager.h).
absl::Status ReasonStatus(absl::string_view reason, absl::string_view message) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (reason == "UNSUPPORTED_CODEC") code = absl::StatusCode::kInvalidArgument;
  if (reason == "MEDIA_STALLED") code = absl::StatusCode::kDeadlineExceeded;
  if (reason == "STORAGE_FAILURE") code = absl::StatusCode::kDataLoss;
  return Error(code, reason, message);
}

}  // namespace

// Threads: the demuxer's and parsers' streaming threads (pads, probes), the muxer's streaming
// thread (segment writer, segment publication), the shared bus thread (errors, the watchdog
// tick, media facts) and the session's own callers (Push, Finish). Events reach PackagerEvents
// in order: every segment_closed before failed, and nothing after either ended the session.
class Pipeline::Impl {
 public:
  Impl(PackagerOptions options, LivePlaylist& playlist, PackagerEvents events,
       PackagerMetrics* metrics)
      : options_(std::move(options)),
        playlist_(playlist),
        events_(std::move(events)),
        metrics_(metrics),
        first_sequence_(playlist.next_sequence()),
        parts_(options_.part_target > absl::ZeroDuration()),
        writer_(options_.stream_dir, first_sequence_, parts_, playlist.parts_in_memory()),
        tracker_(options_.target_duration, options_.part_target),
        watchdog_(options_.stall_timeout) {
    // HEVC over RTMP: only an FLV session that may carry HEVC is looked into.
    if (options_.accept_hevc && options_.format == MediaFormat::kFlv) feed_ = FlvFeed::kUndecided;
  }

  ~Impl() { Teardown(); }

  absl::Status Build();
  bool Push(std::span<const uint8_t> bytes);
  absl::Status Finish(absl::Duration timeout);
  // Stops the bus watch and the pipeline; idempotent.
  void Teardown();

 private:
  // One parsed track; lives as long as the Impl (its probe points at it).
  struct Track {
    Impl* impl = nullptr;
    int index = 0;
    GstSegment upstream_segment;  // Only touched by this pad's streaming thread.
    bool have_segment = false;
  };

  // Demuxer and parser side (streaming threads).
  static void OnPadAdded(GstElement* demux, GstPad* pad, gpointer self);
  static void OnNoMorePads(GstElement* demux, gpointer self);
  void HandlePad(GstPad* pad);
  // Once the tracks are known: fails a session with none we take, makes one without video
  // audio-only.
  void SettleTracks();
  static GstPadProbeReturn OnParsed(GstPad* pad, GstPadProbeInfo* info, gpointer track);
  void AwaitAudioBranch();
  bool AudioBranchSettled() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return branch_added_[kAudioTrack] || tracks_settled_ || stopping_;
  }
  void HandleBuffer(Track& track, GstPad* pad, GstPadProbeInfo* info);
  void HandleEvent(Track& track, GstPadProbeInfo* info);
  // False when the input does not start like the expected container.
  bool Sniff(std::span<const uint8_t> bytes);
  // Queues container bytes on the demuxer's appsrc.
  bool PushToDemux(std::span<const uint8_t> bytes);
  // Ends the input: EOS on every source that was fed.
  void EndInput();

  // HEVC over RTMP (flv_feed.h): with accept_hevc an FLV session is held until its first video
  // tag says what it is; H.264 (or no video) goes on through flvdemux as always, HEVC is read
  // here and fed as elementary frames to appsrcs in the demuxer's place.
  enum class FlvFeed { kDemux, kUndecided, kElementary };
  bool FeedFlv(std::span<const uint8_t> bytes);
  bool PushElementary(const FlvTag& tag) ABSL_EXCLUSIVE_LOCKS_REQUIRED(feed_mu_);
  GstElement* AddElementarySource(const char* caps_name, std::span<const uint8_t> config,
                                  const char* fields);

  // Muxer side (its streaming thread).
  static GstPadProbeReturn OnMuxed(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void HandleMuxedEvent(GstEvent* event);
  void Publish(absl::StatusOr<std::optional<SegmentWriter::Closed>> closed);
  void FinalizeSegment(const SegmentWriter::Closed& closed);
  void PublishPart(const SegmentWriter::ClosedPart& part);
  // The program date time of segment `sequence` starting at `start_ns`, computed once per
  // segment (its parts are listed before it is complete).
  absl::Time SegmentDateTime(int64_t sequence, int64_t start_ns);
  // When the buffer that ends the media at `at_ns` left the parsers (and forgets older ones).
  std::optional<absl::Duration> TakeCutTime(int64_t at_ns);
  void ObservePublishDelay(std::optional<absl::Duration> since, bool part);

  // Bus side (the shared bus thread).
  void HandleMessage(GstMessage* msg);
  void HandleError(GstMessage* msg);
  void Tick();
  void Fail(const absl::Status& status);
  void Complete(const absl::Status& status);

  // Any thread.
  void PostFailure(absl::string_view reason, absl::string_view message);
  void MaybeEmitMediaInfo(bool force);
  bool terminal();

  const PackagerOptions options_;
  LivePlaylist& playlist_;
  const PackagerEvents events_;
  PackagerMetrics* const metrics_;
  const int64_t first_sequence_;
  const bool parts_;  // Low-Latency HLS.

  PipelineGraph graph_;
  std::unique_ptr<BusWatch> watch_;
  std::atomic<bool> accepting_{true};
  // False when the FLV header says there is no video: flvdemux never says no-more-pads then.
  std::atomic<bool> flv_announces_video_{true};
  // HEVC over RTMP: the FLV feed (see FeedFlv).
  absl::Mutex feed_mu_;
  FlvFeed feed_ ABSL_GUARDED_BY(feed_mu_) = FlvFeed::kDemux;
  FlvTagSplitter splitter_ ABSL_GUARDED_BY(feed_mu_);
  std::vector<uint8_t> held_bytes_ ABSL_GUARDED_BY(feed_mu_);  // While undecided.
  std::vector<FlvTag> held_tags_ ABSL_GUARDED_BY(feed_mu_);
  GstElement* video_src_ ABSL_GUARDED_BY(feed_mu_) = nullptr;  // Owned by the pipeline.
  GstElement* audio_src_ ABSL_GUARDED_BY(feed_mu_) = nullptr;
  // The first bytes of input, until they prove the container (Push callers may be concurrent).
  absl::Mutex sniff_mu_;
  std::string sniffed_ ABSL_GUARDED_BY(sniff_mu_);
  bool sniff_done_ ABSL_GUARDED_BY(sniff_mu_) = false;

  // The muxer's streaming thread only.
  SegmentWriter writer_;
  std::vector<uint8_t> muxed_block_;  // A buffer list's bytes, reused.
  std::optional<std::pair<int64_t, absl::Time>> open_segment_date_time_;  // {sequence, time}
  // Set by the first Teardown: the parts of a segment left unfinished were dropped.
  std::atomic<bool> torn_down_{false};

  // The media as it flows: streaming threads, Push and the bus thread.
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Track>> tracks_ ABSL_GUARDED_BY(mu_);
  bool linked_[kTrackCount] ABSL_GUARDED_BY(mu_) = {false, false};
  // The branch is in place up to its muxer pad.
  bool branch_added_[kTrackCount] ABSL_GUARDED_BY(mu_) = {false, false};
  bool tracks_settled_ ABSL_GUARDED_BY(mu_) = false;
  bool video_released_ ABSL_GUARDED_BY(mu_) = false;  // AwaitAudioBranch is over.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  TimestampNormalizer normalizer_ ABSL_GUARDED_BY(mu_){kTrackCount};
  FragmentTracker tracker_ ABSL_GUARDED_BY(mu_);
  MediaWatchdog watchdog_ ABSL_GUARDED_BY(mu_);
  DateTimeAnchor anchor_ ABSL_GUARDED_BY(mu_);
  MediaFacts facts_ ABSL_GUARDED_BY(mu_);
  // {media time, steady time} of cuts on their way through the muxer (publish delay metric).
  std::deque<std::pair<int64_t, absl::Duration>> cut_times_ ABSL_GUARDED_BY(mu_);

  // What was told to PackagerEvents; held while telling, so events never interleave.
  absl::Mutex events_mu_;  // Taken before mu_ when both are needed, never after.
  bool terminal_ ABSL_GUARDED_BY(events_mu_) = false;
  bool segments_failed_ ABSL_GUARDED_BY(events_mu_) = false;
  bool media_info_sent_ ABSL_GUARDED_BY(events_mu_) = false;
  MediaInfo media_info_ ABSL_GUARDED_BY(events_mu_);

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;    // Guarded by done_mu_.
  absl::Status result_;  // Guarded by done_mu_.
};

// ---- Building --------------------------------------------------------------------------------

absl::Status Pipeline::Impl::Build() {
  RETURN_IF_ERROR(graph_.Build(options_.format, options_.max_queued_bytes));
  gst_pad_add_probe(
      graph_.sink_pad(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &Impl::OnMuxed, this, nullptr);
  g_signal_connect(graph_.demux(), "pad-added", G_CALLBACK(&Impl::OnPadAdded), this);
  g_signal_connect(graph_.demux(), "no-more-pads", G_CALLBACK(&Impl::OnNoMorePads), this);

  GstBus* bus = gst_element_get_bus(graph_.pipeline());
  watch_ = std::make_unique<BusWatch>(
      bus, [this](GstMessage* msg) { HandleMessage(msg); }, kTickInterval, [this] { Tick(); });
  gst_object_unref(bus);
  if (gst_element_set_state(graph_.pipeline(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "pipeline refused to start");
  }
  log::Info("media_pipeline_started")
      .Kv("stream_id", options_.stream_id)
      .Kv("format", options_.format == MediaFormat::kFlv ? "flv" : "mpegts")
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
    impl->tracks_settled_ = true;
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
    if (!video && audio && !tracker_.audio_only()) {
      // A host with the camera off: audio-only HLS, cut on audio frames from the first one.
      tracker_.SetAudioOnly();
      tracks_settled_ = true;
      release = true;
    }
  }
  if (!video && !audio) {
    PostFailure("UNSUPPORTED_CODEC", "the stream has neither H.264 video nor AAC audio");
  } else if (release) {
    graph_.ReleaseVideoPad();  // Otherwise the muxer would wait for video forever.
  }
}

void Pipeline::Impl::HandlePad(GstPad* pad) {
  GstCaps* caps = PadCaps(pad);
  const std::string name = CapsName(caps);
  const int track = TrackForCaps(caps, options_.accept_hevc);
  gchar* caps_text = caps != nullptr ? gst_caps_to_string(caps) : g_strdup("(none)");
  const std::string description = caps_text;
  g_free(caps_text);
  if (caps != nullptr) gst_caps_unref(caps);

  Track* probe_track = nullptr;
  bool duplicate = false;
  if (track >= 0) {
    absl::MutexLock lock(&mu_);
    duplicate = linked_[track];
    if (!duplicate) {
      auto t = std::make_unique<Track>();
      t->impl = this;
      t->index = track;
      gst_segment_init(&t->upstream_segment, GST_FORMAT_TIME);
      probe_track = t.get();
      tracks_.push_back(std::move(t));
      linked_[track] = true;
    }
  }
  const bool media = name.rfind("video/", 0) == 0 || name.rfind("audio/", 0) == 0;
  if (probe_track != nullptr) {
    const bool added = graph_.AddBranch(pad, track, &Impl::OnParsed, probe_track);
    if (added) {
      absl::MutexLock lock(&mu_);
      branch_added_[track] = true;
    }
    if (!added) {
      PostFailure("PACKAGER_FAILURE", absl::StrCat("cannot link a branch for ", description));
    } else if (track == kAudioTrack && options_.format == MediaFormat::kFlv &&
               !flv_announces_video_.load()) {
      SettleTracks();
    }
  } else if (name == "video/x-h265" && !duplicate) {
    // HEVC input: taken only with the rendition ladder (PackagerOptions::accept_hevc).
    PostFailure("UNSUPPORTED_CODEC",
                "HEVC (H.265) video is accepted only with the rendition ladder on; send H.264 "
                "video with AAC audio");
  } else if (media && !duplicate) {
    PostFailure("UNSUPPORTED_CODEC",
                absl::StrCat("only H.264 video and AAC audio are accepted, got ", description));
  } else {
    // Extra tracks of a kind we already package, and data tracks (KLV, SCTE-35…): dropped.
    graph_.Discard(pad);
  }
}

// ---- Pad probes after the parsers ------------------------------------------------------------

GstPadProbeReturn Pipeline::Impl::OnParsed(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  Track* track = static_cast<Track*>(data);
  if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    track->impl->HandleBuffer(*track, pad, info);
  } else if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    track->impl->HandleEvent(*track, info);
  }
  return GST_PAD_PROBE_OK;
}

// mpegtsmux creates a stream for every sink pad from its caps when it first muxes, and fails the
// session ("Could not create handler for stream") if a pad has none yet. flvdemux exposes video
// first, so the first video buffer could reach the muxer while the audio branch is being added.
// It waits (on its own streaming thread, behind a queue) until the audio branch is in place —
// the muxer then waits for audio data, which comes after its caps — or the tracks are known to
// have no audio, or kAudioBranchWait passes (an encoder announcing audio it never sends).
void Pipeline::Impl::AwaitAudioBranch() {
  absl::MutexLock lock(&mu_);
  if (video_released_) return;
  mu_.AwaitWithTimeout(absl::Condition(this, &Impl::AudioBranchSettled), kAudioBranchWait);
  video_released_ = true;
}

void Pipeline::Impl::HandleBuffer(Track& track, GstPad* pad, GstPadProbeInfo* info) {
  if (track.index == kVideoTrack) AwaitAudioBranch();
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
  FragmentTracker::Cuts cuts;
  uint32_t cut_count = 0;
  bool audio_only = false;
  bool has_audio = false;
  {
    absl::MutexLock lock(&mu_);
    has_audio = linked_[kAudioTrack];
    TimestampNormalizer::Times out = normalizer_.Normalize(track.index, in);
    GST_BUFFER_PTS(buffer) = FromNs(out.pts);
    GST_BUFFER_DTS(buffer) = FromNs(out.dts);
    if (out.pts) anchor_.Observe(wall, *out.pts);
    watchdog_.MediaParsed(steady);
    cuts = tracker_.ObserveCuts(track.index, out.pts, out.dts, out.duration, sync_point);
    cut_count = tracker_.cuts();
    audio_only = tracker_.audio_only();
    if (cuts.segment || cuts.part) {
      cut_times_.emplace_back(cuts.segment ? *cuts.segment : cuts.part->at_ns, steady);
      if (cut_times_.size() > 64) cut_times_.pop_front();  // Markers a muxer never passed on.
    }
    if (video && facts_.needs_sps()) {
      GstMapInfo map;
      if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        facts_.ObserveVideoBuffer(std::span<const uint8_t>(map.data, map.size));
        gst_buffer_unmap(buffer, &map);
      }
    }
  }
  if (video && sync_point && options_.keyframes) options_.keyframes->OfferKeyframe(pad, buffer);
  if (options_.renditions) {
    // The rendition ladder: its rungs cut where this session cuts (rendition_feed.h).
    if (video) {
      RenditionCuts rc;
      rc.segment = cuts.segment;
      if (cuts.part) {
        rc.part = cuts.part->at_ns;
        rc.part_independent = cuts.part->independent;
      }
      options_.renditions->OfferVideo(pad, buffer, rc, has_audio);
    } else if (!audio_only) {
      options_.renditions->OfferAudio(pad, buffer);
    }
  }
  if (!cuts.segment && cuts.part) {
    // A part boundary inside a segment. Its part gets the PAT and PMT first when it can be
    // played from (the muxer repeats them only at segment cuts).
    const bool independent = cuts.part->independent;
    GstStructure* s = gst_structure_new(
        kPartCut, "running-time", G_TYPE_UINT64, static_cast<guint64>(cuts.part->at_ns),
        "independent", G_TYPE_BOOLEAN, independent ? TRUE : FALSE, "prefix-tables", G_TYPE_BOOLEAN,
        independent || audio_only ? TRUE : FALSE, nullptr);
    gst_pad_push_event(pad, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, s));
    return;
  }
  if (!cuts.segment) return;
  const guint64 at = static_cast<guint64>(*cuts.segment);
  GstStructure* s =
      video ? gst_structure_new(kForceKeyUnit, "timestamp", G_TYPE_UINT64, at, "stream-time",
                                G_TYPE_UINT64, at, "running-time", G_TYPE_UINT64, at, "all-headers",
                                G_TYPE_BOOLEAN, TRUE, "count", G_TYPE_UINT, cut_count, nullptr)
            : gst_structure_new(kAudioCut, "running-time", G_TYPE_UINT64, at, nullptr);
  // Serialized, so it reaches the muxer just before this buffer.
  gst_pad_push_event(pad, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, s));
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
      if (caps == nullptr || gst_caps_is_empty(caps)) break;
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      absl::MutexLock lock(&mu_);
      if (track.index == kVideoTrack) {
        // HEVC input: the codec string is read from HEVC's SPS (hvc1.…).
        facts_.SetVideoCodec(gst_structure_has_name(s, "video/x-h265")
                                 ? MediaFacts::VideoCodec::kHevc
                                 : MediaFacts::VideoCodec::kH264);
        facts_.SetVideo(VideoFactsFromCaps(s));
      } else {
        facts_.SetAudio(AudioFactsFromCaps(s));
      }
      break;
    }
    default:
      break;
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
  auto write = [impl](std::span<const uint8_t> bytes) {
    absl::Status written = impl->writer_.Write(bytes);
    if (!written.ok()) impl->PostFailure(ReasonOf(written), written.message());
  };
  if ((type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      write(std::span<const uint8_t>(map.data, map.size));
      gst_buffer_unmap(buffer, &map);
    }
  } else if ((type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    // mpegtsmux hands over what one input buffer made as a list of 188-byte packets: written
    // as one block (a write per packet and file was most of the writer's cost). No cut falls
    // inside a list (cuts are events, between lists), so the files get the same bytes.
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    std::vector<uint8_t>& block = impl->muxed_block_;
    block.clear();
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) {
      GstBuffer* buffer = gst_buffer_list_get(list, i);
      const size_t at = block.size();
      block.resize(at + gst_buffer_get_size(buffer));
      gst_buffer_extract(buffer, 0, block.data() + at, block.size() - at);
    }
    write(block);
  }
  {
    absl::MutexLock lock(&impl->mu_);
    impl->watchdog_.MediaWritten(SteadyNow());
  }
  // The fakesink after this probe only ends the graph.
  return GST_PAD_PROBE_OK;
}

void Pipeline::Impl::HandleMuxedEvent(GstEvent* event) {
  int64_t end_ns = 0;
  int64_t first_start_ns = 0;
  {
    absl::MutexLock lock(&mu_);
    end_ns = tracker_.end_ns();
    first_start_ns = tracker_.first_start_ns();
  }
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    Publish(writer_.Finish(end_ns, first_start_ns));
    return;
  }
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_DOWNSTREAM) return;
  const GstStructure* s = gst_event_get_structure(event);
  guint64 at = 0;
  if (s == nullptr || !gst_structure_get_uint64(s, "running-time", &at)) return;
  if (gst_structure_has_name(s, kPartCut)) {
    gboolean independent = FALSE;
    gboolean prefix = FALSE;
    gst_structure_get_boolean(s, "independent", &independent);
    gst_structure_get_boolean(s, "prefix-tables", &prefix);
    absl::StatusOr<std::optional<SegmentWriter::ClosedPart>> part =
        writer_.CutPart(static_cast<int64_t>(at), first_start_ns, independent, prefix);
    if (!part.ok()) {
      PostFailure(ReasonOf(part.status()), part.status().message());
    } else if (part->has_value()) {
      PublishPart(**part);
    }
    return;
  }
  const bool video_cut = gst_structure_has_name(s, kForceKeyUnit);
  if (!video_cut && !gst_structure_has_name(s, kAudioCut)) return;
  // Audio-only cuts fall between AAC frames, where the muxer repeats no tables.
  Publish(writer_.Cut(static_cast<int64_t>(at), first_start_ns, !video_cut));
}

void Pipeline::Impl::Publish(absl::StatusOr<std::optional<SegmentWriter::Closed>> closed) {
  if (!closed.ok()) {
    PostFailure(ReasonOf(closed.status()), closed.status().message());
  } else if (closed->has_value()) {
    FinalizeSegment(**closed);
  }
}

void Pipeline::Impl::FinalizeSegment(const SegmentWriter::Closed& closed) {
  MaybeEmitMediaInfo(/*force=*/true);
  SegmentInfo segment;
  segment.sequence = closed.sequence;
  segment.program_date_time = SegmentDateTime(closed.sequence, closed.start_ns);
  open_segment_date_time_.reset();
  const std::optional<absl::Duration> cut_time =
      closed.end_ns > closed.start_ns ? TakeCutTime(closed.end_ns) : std::nullopt;
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
  segment.media_offset = playlist_.media_offset();
  segment.size_bytes = closed.digest.size_bytes;
  segment.sha256 = closed.digest.sha256;
  segment.path = absl::StrCat(options_.stream_id, "/", closed.location.filename().string());
  segment.discontinuity = options_.discontinuity && closed.sequence == first_sequence_;

  absl::MutexLock lock(&events_mu_);
  if (terminal_ || segments_failed_) return;
  const int64_t over_before = playlist_.segments_over_target();
  if (absl::Status s = playlist_.Append(segment, media_info_, last_part); !s.ok()) {
    segments_failed_ = true;
    PostFailure(s.code() == absl::StatusCode::kDataLoss ? "STORAGE_FAILURE" : "PACKAGER_FAILURE",
                s.message());
    return;
  }
  if (playlist_.segments_over_target() > over_before) {
    // The playlist's target was fixed by an earlier session with shorter keyframe intervals.
    log::Warn("hls_segment_over_target")
        .Kv("stream_id", options_.stream_id)
        .Kv("sequence", segment.sequence)
        .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
        .Kv("target_s", playlist_.target_duration_s());
  }
  ObservePublishDelay(cut_time, /*part=*/false);
  if (last_part && metrics_ != nullptr) metrics_->parts_written().Increment();
  log::Info("hls_segment_closed")
      .Kv("stream_id", options_.stream_id)
      .Kv("sequence", segment.sequence)
      .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
      .Kv("size_bytes", segment.size_bytes);
  if (events_.segment_closed) events_.segment_closed(segment);
}

absl::Time Pipeline::Impl::SegmentDateTime(int64_t sequence, int64_t start_ns) {
  if (open_segment_date_time_ && open_segment_date_time_->first == sequence) {
    return open_segment_date_time_->second;
  }
  const std::optional<absl::Time> previous_end = playlist_.end_program_date_time();
  absl::Time t;
  {
    absl::MutexLock lock(&mu_);
    t = anchor_.SegmentStart(start_ns, sequence == first_sequence_, previous_end, absl::Now());
  }
  open_segment_date_time_ = std::make_pair(sequence, t);
  return t;
}

std::optional<absl::Duration> Pipeline::Impl::TakeCutTime(int64_t at_ns) {
  absl::MutexLock lock(&mu_);
  while (!cut_times_.empty() && cut_times_.front().first < at_ns) cut_times_.pop_front();
  if (cut_times_.empty() || cut_times_.front().first != at_ns) return std::nullopt;
  const absl::Duration steady = cut_times_.front().second;
  cut_times_.pop_front();
  return steady;
}

void Pipeline::Impl::ObservePublishDelay(std::optional<absl::Duration> since, bool part) {
  if (metrics_ == nullptr || !since) return;
  const double seconds = absl::ToDoubleSeconds(SteadyNow() - *since);
  (part ? metrics_->part_publish() : metrics_->segment_publish()).Observe(seconds);
}

void Pipeline::Impl::PublishPart(const SegmentWriter::ClosedPart& part) {
  LivePlaylist::PartInfo info;
  info.sequence = part.sequence;
  info.index = part.index;
  info.duration = absl::Nanoseconds(part.end_ns - part.start_ns);
  info.independent = part.independent;
  info.data = part.data;
  const std::optional<absl::Duration> cut_time = TakeCutTime(part.end_ns);
  absl::MutexLock lock(&events_mu_);
  if (terminal_ || segments_failed_) return;
  // The segment's date time; its start is where its first part started.
  if (part.index == 0) open_segment_date_time_.reset();
  info.program_date_time = SegmentDateTime(part.sequence, part.start_ns);
  if (absl::Status s = playlist_.AppendPart(info); !s.ok()) {
    segments_failed_ = true;
    PostFailure(s.code() == absl::StatusCode::kDataLoss ? "STORAGE_FAILURE" : "PACKAGER_FAILURE",
                s.message());
    return;
  }
  ObservePublishDelay(cut_time, /*part=*/true);
  if (metrics_ != nullptr) metrics_->parts_written().Increment();
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
  if (options_.accept_hevc && options_.format == MediaFormat::kFlv) return FeedFlv(bytes);
  return PushToDemux(bytes);
}

bool Pipeline::Impl::PushToDemux(std::span<const uint8_t> bytes) {
  GstAppSrc* appsrc = GST_APP_SRC(graph_.appsrc());
  const guint64 queued = gst_app_src_get_current_level_bytes(appsrc);
  if (queued + bytes.size() > options_.max_queued_bytes) return false;
  {
    absl::MutexLock lock(&mu_);
    watchdog_.InputArrived(SteadyNow());
  }
  GstBuffer* buffer = gst_buffer_new_memdup(bytes.data(), bytes.size());
  return gst_app_src_push_buffer(appsrc, buffer) == GST_FLOW_OK;
}

void Pipeline::Impl::EndInput() {
  absl::MutexLock lock(&feed_mu_);
  if (feed_ == FlvFeed::kUndecided) {
    // Ended before its first video tag (audio only, or nothing): flvdemux takes what came.
    feed_ = FlvFeed::kDemux;
    if (!held_bytes_.empty()) PushToDemux(held_bytes_);
    held_bytes_.clear();
    held_tags_.clear();
  }
  if (feed_ == FlvFeed::kElementary && (video_src_ != nullptr || audio_src_ != nullptr)) {
    for (GstElement* src : {video_src_, audio_src_}) {
      if (src != nullptr) gst_app_src_end_of_stream(GST_APP_SRC(src));
    }
    return;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(graph_.appsrc()));
}

// ---- HEVC over RTMP: the FLV feed ------------------------------------------------------------

namespace {
// Held at most this long undecided (an FLV that announces video but sends none): then flvdemux.
constexpr size_t kMaxUndecidedBytes = 4 * 1024 * 1024;
}  // namespace

bool Pipeline::Impl::FeedFlv(std::span<const uint8_t> bytes) {
  absl::MutexLock lock(&feed_mu_);
  if (feed_ == FlvFeed::kDemux) return PushToDemux(bytes);
  std::vector<FlvTag> tags;
  if (absl::Status s = splitter_.Feed(bytes, tags); !s.ok()) {
    accepting_.store(false);
    PostFailure("PACKAGER_FAILURE", s.message());
    return false;
  }
  {
    absl::MutexLock media_lock(&mu_);
    watchdog_.InputArrived(SteadyNow());
  }
  if (feed_ == FlvFeed::kUndecided) {
    held_bytes_.insert(held_bytes_.end(), bytes.begin(), bytes.end());
    for (FlvTag& t : tags) held_tags_.push_back(std::move(t));
    tags.clear();
    std::optional<bool> hevc;
    const std::optional<uint8_t> flags = splitter_.track_flags();
    if (flags && (*flags & 0x01) == 0) hevc = false;  // No video announced: audio-only FLV.
    for (const FlvTag& t : held_tags_) {
      if (hevc || t.type != 9 || t.body.empty()) continue;
      hevc = IsHevcVideoTag(t.body);
    }
    if (!hevc && held_bytes_.size() > kMaxUndecidedBytes) hevc = false;
    if (!hevc) return true;
    if (!*hevc) {
      feed_ = FlvFeed::kDemux;
      const bool pushed = PushToDemux(held_bytes_);
      held_bytes_ = {};
      held_tags_ = {};
      return pushed;
    }
    feed_ = FlvFeed::kElementary;
    log::Info("media_hevc_flv_feed").Kv("stream_id", options_.stream_id);
    tags = std::move(held_tags_);
    held_tags_ = {};
    held_bytes_ = {};
  }
  for (const FlvTag& t : tags) {
    if (!PushElementary(t)) return false;
  }
  return true;
}

GstElement* Pipeline::Impl::AddElementarySource(const char* caps_name,
                                                std::span<const uint8_t> config,
                                                const char* fields) {
  GstCaps* caps = gst_caps_from_string(absl::StrCat(caps_name, ",", fields).c_str());
  GstBuffer* codec_data = gst_buffer_new_memdup(config.data(), config.size());
  gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, codec_data, nullptr);
  gst_buffer_unref(codec_data);
  GstElement* src = graph_.AddElementarySource(caps, options_.max_queued_bytes);
  gst_caps_unref(caps);
  if (src == nullptr) return nullptr;
  GstPad* pad = gst_element_get_static_pad(src, "src");
  HandlePad(pad);  // As if a demuxer exposed it: the branch, its probe, the muxer pad.
  gst_object_unref(pad);
  return src;
}

bool Pipeline::Impl::PushElementary(const FlvTag& tag) {
  ElementaryUnit unit;
  if (absl::Status s = ReadElementaryUnit(tag, unit); !s.ok()) {
    accepting_.store(false);
    PostFailure("UNSUPPORTED_CODEC", s.message());
    return false;
  }
  const bool audio_announced = (splitter_.track_flags().value_or(0x05) & 0x04) != 0;
  GstElement* target = nullptr;
  switch (unit.kind) {
    case ElementaryUnit::Kind::kNone:
      return true;
    case ElementaryUnit::Kind::kVideoConfig:
    case ElementaryUnit::Kind::kAudioConfig: {
      const bool video = unit.kind == ElementaryUnit::Kind::kVideoConfig;
      GstElement*& src = video ? video_src_ : audio_src_;
      if (src != nullptr || (!video && !audio_announced)) return true;  // Kept: the first.
      src = video
                ? AddElementarySource("video/x-h265", unit.data, "stream-format=hvc1,alignment=au")
                : AddElementarySource("audio/mpeg", unit.data,
                                      "mpegversion=4,stream-format=raw,framed=true");
      if (src == nullptr) {
        accepting_.store(false);
        PostFailure("PACKAGER_FAILURE", "cannot add an elementary source");
        return false;
      }
      if (video_src_ != nullptr && (audio_src_ != nullptr || !audio_announced)) {
        absl::MutexLock lock(&mu_);
        tracks_settled_ = true;
      }
      return true;
    }
    case ElementaryUnit::Kind::kVideoFrame:
      target = video_src_;
      break;
    case ElementaryUnit::Kind::kAudioFrame:
      target = audio_src_;
      break;
  }
  if (target == nullptr) return true;  // Frames before their configuration carry nothing.
  GstAppSrc* appsrc = GST_APP_SRC(target);
  if (gst_app_src_get_current_level_bytes(appsrc) + unit.data.size() > options_.max_queued_bytes) {
    return false;
  }
  GstBuffer* buffer = gst_buffer_new_memdup(unit.data.data(), unit.data.size());
  GST_BUFFER_DTS(buffer) = static_cast<GstClockTime>(unit.dts_ms) * GST_MSECOND;
  GST_BUFFER_PTS(buffer) =
      static_cast<GstClockTime>(std::max<int64_t>(unit.pts_ms, 0)) * GST_MSECOND;
  if (!unit.keyframe) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return gst_app_src_push_buffer(appsrc, buffer) == GST_FLOW_OK;
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
  if (accepting_.exchange(false)) EndInput();
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
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;  // Frees a video buffer waiting in AwaitAudioBranch.
  }
  watch_.reset();  // No bus callback runs after this.
  if (graph_.pipeline() != nullptr) gst_element_set_state(graph_.pipeline(), GST_STATE_NULL);
  // The streaming threads have stopped. A segment this session left unfinished is never
  // listed, so neither are its parts; the next session writes that segment afresh. Only the
  // first time: after Finish returned the playlist may be another session's.
  if (parts_ && !torn_down_.exchange(true)) {
    if (absl::Status s = playlist_.DropPendingParts(); !s.ok()) {
      log::Warn("hls_parts_drop_failed")
          .Kv("stream_id", options_.stream_id)
          .Kv("error", std::string(s.message()));
    }
  }
  if (options_.keyframes) options_.keyframes->Finish();  // No offer comes after NULL.
  if (options_.renditions) options_.renditions->Finish();
}

// ---- Bus thread ------------------------------------------------------------------------------

void Pipeline::Impl::HandleMessage(GstMessage* msg) {
  if (terminal()) return;
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
      }
      break;
    }
    case GST_MESSAGE_EOS:
      // The muxer's thread published the last segment before the sink saw EOS.
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

void Pipeline::Impl::Tick() {
  if (terminal()) return;
  MaybeEmitMediaInfo(/*force=*/false);
  std::optional<std::string> stalled;
  {
    absl::MutexLock lock(&mu_);
    stalled = watchdog_.Check(SteadyNow());
  }
  if (stalled) Fail(ReasonStatus("MEDIA_STALLED", *stalled));
}

void Pipeline::Impl::Fail(const absl::Status& status) {
  {
    // From here on no segment is published: one being published now is told first.
    absl::MutexLock lock(&events_mu_);
    if (terminal_) return;
    terminal_ = true;
  }
  accepting_.store(false);
  log::Warn("media_pipeline_failed")
      .Kv("stream_id", options_.stream_id)
      .Kv("reason", ReasonOf(status))
      .Kv("message", std::string(status.message()));
  if (events_.failed) events_.failed(status);
  // Stop work now; Finish or the destructor release the rest.
  gst_element_set_state(graph_.pipeline(), GST_STATE_NULL);
  Complete(status);
}

void Pipeline::Impl::Complete(const absl::Status& status) {
  {
    absl::MutexLock lock(&events_mu_);
    terminal_ = true;
  }
  std::lock_guard<std::mutex> lock(done_mu_);
  if (done_) return;
  done_ = true;
  result_ = status;
  done_cv_.notify_all();
}

// ---- Any thread ------------------------------------------------------------------------------

void Pipeline::Impl::PostFailure(absl::string_view reason, absl::string_view message) {
  const std::string r(reason);
  const std::string m(message);
  GstStructure* s = gst_structure_new(kFailureMessage, "reason", G_TYPE_STRING, r.c_str(),
                                      "message", G_TYPE_STRING, m.c_str(), nullptr);
  gst_element_post_message(graph_.pipeline(),
                           gst_message_new_application(GST_OBJECT(graph_.pipeline()), s));
}

void Pipeline::Impl::MaybeEmitMediaInfo(bool force) {
  absl::MutexLock events_lock(&events_mu_);
  if (media_info_sent_ || terminal_) return;
  std::optional<MediaInfo> info;
  {
    absl::MutexLock lock(&mu_);
    info = facts_.Report(linked_[kVideoTrack], linked_[kAudioTrack], tracks_settled_, force);
  }
  if (!info) return;
  media_info_ = *info;
  media_info_sent_ = true;
  log::Info("media_info")
      .Kv("stream_id", options_.stream_id)
      .Kv("codecs", info->codecs)
      .Kv("width", info->width)
      .Kv("height", info->height)
      .Kv("frame_rate", info->frame_rate);
  if (events_.media_info) events_.media_info(*info);
}

bool Pipeline::Impl::terminal() {
  absl::MutexLock lock(&events_mu_);
  return terminal_;
}

// ---- Public surface --------------------------------------------------------------------------

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Pipeline::~Pipeline() = default;

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::Start(PackagerOptions options,
                                                          LivePlaylist& playlist,
                                                          PackagerEvents events,
                                                          PackagerMetrics* metrics) {
  if (options.stream_dir.empty() || options.target_duration <= absl::ZeroDuration() ||
      options.stall_timeout <= absl::ZeroDuration() || options.max_queued_bytes == 0) {
    return Error(absl::StatusCode::kInvalidArgument, "INVALID_PIPELINE_OPTIONS",
                 "stream_dir, target_duration, stall_timeout and max_queued_bytes are required");
  }
  if (options.part_target < absl::ZeroDuration() || options.part_target > options.target_duration) {
    return Error(absl::StatusCode::kInvalidArgument, "INVALID_PIPELINE_OPTIONS",
                 "part_target must be between zero (no parts) and target_duration");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.stream_dir, ec);
  if (ec) {
    return Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE",
                 absl::StrCat("cannot create ", options.stream_dir.string(), ": ", ec.message()));
  }
  InitGStreamer();
  if (options.discontinuity) playlist.MarkDiscontinuity();
  auto impl = std::make_unique<Impl>(std::move(options), playlist, std::move(events), metrics);
  RETURN_IF_ERROR(impl->Build());
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

bool Pipeline::Push(std::span<const uint8_t> bytes) { return impl_->Push(bytes); }

absl::Status Pipeline::Finish(absl::Duration timeout) { return impl_->Finish(timeout); }

absl::StatusOr<std::unique_ptr<Packager>> GstPackagerFactory::Start(PackagerOptions options,
                                                                    LivePlaylist& playlist,
                                                                    PackagerEvents events) {
  ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                   Pipeline::Start(std::move(options), playlist, std::move(events), metrics_));
  return std::unique_ptr<Packager>(std::move(pipeline));
}

}  // namespace shopcast::video_ingest::media
