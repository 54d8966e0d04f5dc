#include "media/native_packager.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "media/date_time_anchor.h"
#include "media/flv_feed.h"
#include "media/flv_remux.h"
#include "media/fragment_tracker.h"
#include "media/media_facts.h"
#include "media/media_watchdog.h"
#include "media/segment_writer.h"
#include "media/steady_clock.h"
#include "media/timestamp_normalizer.h"
#include "media/tracks.h"
#include "media/ts_muxer.h"
#include "rtmp/video_tag.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// How often each session's media facts and stall check run (on its worker) until its media
// facts are reported (they are wanted soon after the first frames), and from then on, when only
// the stall check is left (stall timeouts are seconds). No session: the timer thread sleeps.
constexpr auto kStartTickInterval = std::chrono::milliseconds(100);
constexpr auto kSteadyTickInterval = std::chrono::seconds(1);
// Muxed bytes held in memory before they go to the files even without a cut (a segment of a
// long GOP without parts, or video that never starts a segment): bounds a session's memory.
constexpr size_t kFlushBytes = 512 * 1024;
// Shared worker threads for every native session of the process.
constexpr int kWorkerThreads = 2;

constexpr int kFlvAudio = 8;
constexpr int kFlvVideo = 9;
constexpr int kSoundFormatAac = 10;

absl::Status ReasonStatus(absl::string_view reason, absl::string_view message) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (reason == "UNSUPPORTED_CODEC") code = absl::StatusCode::kInvalidArgument;
  if (reason == "MEDIA_STALLED") code = absl::StatusCode::kDeadlineExceeded;
  if (reason == "STORAGE_FAILURE") code = absl::StatusCode::kDataLoss;
  return Error(code, reason, message);
}

// Hand-offs: the input side (the RTMP connection's I/O thread) wakes the session's worker only
// when the bytes it queues may close a part or a segment, or hold enough to flush; everything
// else waits for that wake-up or for the next tick (kSteadyTickInterval), so a worker takes a
// part's worth of messages at once instead of one per message (a futex wake each: ~75 per
// stream-second). FlvTagPeek (flv_feed.h) sees each tag's type, timestamp and first byte as
// the bytes are queued; anything it does not understand turns the batching off for the session
// (every Push wakes the worker, as before).
// Queued bytes that wake the worker even without a cut ahead (well under kFlushBytes, so a long
// GOP without parts is still written as it goes).
constexpr size_t kWakeBytes = 256 * 1024;
// Tags this much (ms) before the computed part boundary already wake the worker: the boundary
// is computed in the encoder's milliseconds, the cutter's in normalised nanoseconds.
constexpr int64_t kWakeMarginMs = 20;
// No boundary known (before the first reference frame, or none ahead): wake for every tag.
constexpr int64_t kWakeAlways = 0;
constexpr int64_t kWakeNever = std::numeric_limits<int64_t>::max();

class Session;

// The shared workers and the tick timer (process-wide, started with the first session, never
// stopped: its threads wait on a condition variable when there is nothing to do).
class Engine {
 public:
  static Engine& Get() {
    static Engine* engine = new Engine();  // Never destroyed: sessions may outlive statics.
    return *engine;
  }

  void Schedule(std::shared_ptr<Session> session) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(session));
    }
    cv_.notify_one();
  }

  void Register(std::weak_ptr<Session> session) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sessions_.push_back(std::move(session));
    }
    time_cv_.notify_one();
  }

 private:
  Engine() {
    for (int i = 0; i < kWorkerThreads; ++i) std::thread([this] { Work(); }).detach();
    std::thread([this] { Time(); }).detach();
  }

  void Work();
  void Time();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable time_cv_;  // Wakes the timer thread for a new session.
  std::deque<std::shared_ptr<Session>> queue_;
  std::vector<std::weak_ptr<Session>> sessions_;
};

// One session; see native_packager.h. Push and Finish come from any thread; everything else
// runs on one worker at a time (run_mu_).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(PackagerOptions options, LivePlaylist& playlist, PackagerEvents events,
          PackagerMetrics* metrics)
      : options_(std::move(options)),
        playlist_(playlist),
        events_(std::move(events)),
        metrics_(metrics),
        first_sequence_(playlist.next_sequence()),
        parts_(options_.part_target > absl::ZeroDuration()),
        writer_(options_.stream_dir, first_sequence_, parts_, playlist.parts_in_memory()),
        tracker_(options_.target_duration, options_.part_target),
        watchdog_(options_.stall_timeout) {}

  bool Push(std::span<const uint8_t> bytes);
  absl::Status Finish(absl::Duration timeout);
  void Teardown();
  // Asks the worker for a tick (the timer thread).
  void RequestTick();
  // Until its media facts are out, a session is ticked every kStartTickInterval.
  bool wants_start_ticks() const { return start_ticks_.load(std::memory_order_relaxed); }
  // The worker's turn: everything queued so far.
  void Run();

 private:
  // Whether the bytes just queued should wake the worker now (see FlvTagPeek). in_mu_ held.
  bool WakeFor(std::span<const uint8_t> bytes);
  // Where the next cut may come, for WakeFor (worker side, after each reference frame).
  void UpdateWakeAt(bool audio_only, bool cut, int64_t dts_ms);

  void ScheduleLocked() {  // in_mu_ held.
    if (scheduled_) return;
    scheduled_ = true;
    Engine::Get().Schedule(shared_from_this());
  }

  // Worker side.
  void Process(std::span<const uint8_t> bytes);
  void HandleTag(const FlvTagView& tag);
  void HandleVideo(const FlvTagView& tag);
  void HandleAudio(const FlvTagView& tag);
  void Frame(int track, int64_t pts_ms, int64_t dts_ms, std::optional<int64_t> duration_ns,
             bool sync_point, std::span<const uint8_t> data);
  void Flush();
  void EndOfInput();
  void Tick();
  void Publish(absl::StatusOr<std::optional<SegmentWriter::Closed>> closed);
  void FinalizeSegment(const SegmentWriter::Closed& closed);
  void PublishPart(absl::StatusOr<std::optional<SegmentWriter::ClosedPart>> closed);
  absl::Time SegmentDateTime(int64_t sequence, int64_t start_ns);
  void MaybeEmitMediaInfo(bool force);
  bool TracksSettled() const;
  void Fail(const absl::Status& status);
  void Complete(const absl::Status& status);

  const PackagerOptions options_;
  LivePlaylist& playlist_;
  const PackagerEvents events_;
  PackagerMetrics* const metrics_;
  const int64_t first_sequence_;
  const bool parts_;

  std::atomic<bool> accepting_{true};
  std::atomic<bool> aborting_{false};
  std::atomic<bool> start_ticks_{true};  // Cleared once media facts are out or it ended.

  // Input (Push, Finish, the timer).
  std::mutex in_mu_;
  std::vector<uint8_t> in_;  // Guarded by in_mu_.
  bool scheduled_ = false;   // In the run queue or running; guarded by in_mu_.
  bool input_ended_ = false;
  bool tick_ = false;
  FlvTagPeek peek_;                   // Guarded by in_mu_.
  bool wake_when_whole_ = false;      // The last tag peeked wakes the worker once it is whole.
  int64_t last_peek_ms_[2] = {0, 0};  // Video, audio. Guarded by in_mu_.
  // The encoder timestamp (ms) from which a tag may close the open part or segment (written by
  // the worker, read by WakeFor): kWakeAlways until the worker knows.
  std::atomic<int64_t> wake_at_ms_{kWakeAlways};
  // The FLV tag type whose tags are the reference track's (kFlvVideo, or kFlvAudio when audio
  // only): written with wake_at_ms_; 0 until known (any tag may end a part).
  std::atomic<int> wake_track_{0};

  // The worker (run_mu_ held while it runs; Teardown takes it to wait for a run to end).
  std::mutex run_mu_;
  bool aborted_ = false;
  bool end_handled_ = false;
  std::vector<uint8_t> work_;
  FlvTagSplitter splitter_;
  std::vector<FlvTagView> tags_;  // Views into work_ (or the splitter), for one Process.
  std::optional<bool> video_announced_;
  bool audio_announced_ = false;
  std::optional<AvcConfig> avc_;
  std::optional<AacConfig> aac_;
  std::vector<uint8_t> frame_;    // One access unit or ADTS frame, reused.
  std::vector<uint8_t> pending_;  // Muxed bytes not yet written (the open part).
  std::optional<TsMuxer> muxer_;
  bool tables_written_ = false;
  int64_t frames_dropped_ = 0;
  SegmentWriter writer_;
  TimestampNormalizer normalizer_{kTrackCount};
  FragmentTracker tracker_;
  MediaWatchdog watchdog_;
  DateTimeAnchor anchor_;
  MediaFacts facts_;
  bool facts_video_ = false;  // A video configuration was read.
  int video_width_ = 0;       // From its SPS.
  int video_height_ = 0;
  double video_frame_rate_ = 0;
  bool facts_audio_ = false;
  std::optional<std::pair<int64_t, absl::Time>> open_segment_date_time_;
  std::optional<absl::Duration> cut_steady_;  // When the frame that made the last cut arrived.
  bool terminal_ = false;
  bool segments_failed_ = false;
  bool media_info_sent_ = false;
  MediaInfo media_info_;
  std::atomic<bool> torn_down_{false};
  // The reference track in encoder milliseconds, for wake_at_ms_.
  std::optional<int64_t> ref_last_ms_;
  int64_t ref_step_ms_ = 0;
  int64_t part_start_ms_ = 0;
  int64_t segment_start_ms_ = 0;

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  absl::Status result_;
};

void Engine::Work() {
  for (;;) {
    std::shared_ptr<Session> session;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty(); });
      session = std::move(queue_.front());
      queue_.pop_front();
    }
    session->Run();
  }
}

void Engine::Time() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_steady_tick = Clock::now();
  std::vector<std::shared_ptr<Session>> live;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    time_cv_.wait(lock, [this] { return !sessions_.empty(); });
    const Clock::time_point now = Clock::now();
    const bool steady_due = now >= next_steady_tick;
    if (steady_due) next_steady_tick = now + kSteadyTickInterval;
    bool starting = false;
    std::erase_if(sessions_, [&live](const std::weak_ptr<Session>& w) {
      std::shared_ptr<Session> s = w.lock();
      if (!s) return true;
      live.push_back(std::move(s));  // Kept, so no session is destroyed under mu_.
      return false;
    });
    lock.unlock();
    for (const auto& s : live) {
      const bool wants_start = s->wants_start_ticks();
      starting = starting || wants_start;
      if (steady_due || wants_start) s->RequestTick();
    }
    live.clear();  // Released outside mu_: a session's last reference may go here.
    lock.lock();
    const Clock::time_point wake =
        starting ? std::min(now + kStartTickInterval, next_steady_tick) : next_steady_tick;
    // A new session (Register) wakes it early, for its start ticks.
    time_cv_.wait_until(lock, wake);
  }
}

// ---- Input -----------------------------------------------------------------------------------

bool Session::Push(std::span<const uint8_t> bytes) {
  if (!accepting_.load()) return false;
  if (bytes.empty()) return true;
  std::lock_guard<std::mutex> lock(in_mu_);
  if (in_.size() + bytes.size() > options_.max_queued_bytes) return false;
  in_.insert(in_.end(), bytes.begin(), bytes.end());
  if (WakeFor(bytes)) ScheduleLocked();
  return true;
}

bool Session::WakeFor(std::span<const uint8_t> bytes) {
  const int64_t at = wake_at_ms_.load(std::memory_order_relaxed);
  bool wake = false;
  peek_.Feed(bytes, [&](const FlvTagPeek::Tag& tag) {
    // A waking tag seen before is whole once the next one starts.
    if (std::exchange(wake_when_whole_, false)) wake = true;
    const auto ms = static_cast<int64_t>(tag.timestamp_ms);
    if (tag.type == kFlvVideo || tag.type == kFlvAudio) {
      // A keyframe may end a segment; a reference track's tag at or past the boundary may end
      // a part (the other track's would wake the worker for nothing, once more each part);
      // times that went back are the normaliser's to sort out.
      int64_t& last = last_peek_ms_[tag.type == kFlvVideo ? 0 : 1];
      const int track = wake_track_.load(std::memory_order_relaxed);
      const bool may_cut = ms >= at && (track == 0 || tag.type == track);
      if ((tag.type == kFlvVideo && ((tag.first >> 4) & 0x7) == 1) || may_cut || ms < last) {
        wake_when_whole_ = true;
      }
      last = ms;
    }
  });
  // The worker can only take whole tags: one whose body is still coming (bytes pushed in
  // pieces; the RTMP server pushes whole tags) wakes it with the Push that completes it.
  if (wake_when_whole_ && peek_.body_complete()) {
    wake_when_whole_ = false;
    wake = true;
  }
  return wake || peek_.broken() || in_.size() >= kWakeBytes;
}

void Session::UpdateWakeAt(bool audio_only, bool cut, int64_t dts_ms) {
  if (!ref_last_ms_ || cut) part_start_ms_ = dts_ms;
  if (!ref_last_ms_) segment_start_ms_ = dts_ms;
  if (ref_last_ms_ && dts_ms > *ref_last_ms_) ref_step_ms_ = dts_ms - *ref_last_ms_;
  ref_last_ms_ = dts_ms;
  wake_track_.store(audio_only ? kFlvAudio : kFlvVideo, std::memory_order_relaxed);
  int64_t at = kWakeNever;  // Video segments end at keyframes, which always wake.
  // The cutters' conditions (part_cutter.cc, segment_cutter.cc) in encoder milliseconds.
  if (parts_) {
    at = part_start_ms_ + absl::ToInt64Milliseconds(options_.part_target) - ref_step_ms_;
  }
  if (audio_only) {
    at = std::min(
        at, segment_start_ms_ + absl::ToInt64Milliseconds(options_.target_duration) - ref_step_ms_);
  }
  // Times that jumped (the normaliser smooths them, so the boundary is not known here): every
  // tag wakes until the next cut.
  if (dts_ms < part_start_ms_ || dts_ms < segment_start_ms_) at = kWakeAlways;
  wake_at_ms_.store(at == kWakeNever ? at : std::max<int64_t>(at - kWakeMarginMs, kWakeAlways),
                    std::memory_order_relaxed);
}

void Session::RequestTick() {
  if (aborting_.load()) return;
  std::lock_guard<std::mutex> lock(in_mu_);
  tick_ = true;
  ScheduleLocked();
}

void Session::Run() {
  std::lock_guard<std::mutex> run(run_mu_);
  for (;;) {
    bool tick = false;
    bool ended = false;
    {
      std::lock_guard<std::mutex> lock(in_mu_);
      work_.clear();
      work_.swap(in_);
      tick = tick_;
      tick_ = false;
      ended = input_ended_;
      if (work_.empty() && !tick && (!ended || end_handled_)) {
        scheduled_ = false;
        return;
      }
    }
    if (aborted_ || aborting_.load()) {  // Drains the queue; nothing is touched.
      end_handled_ = end_handled_ || ended;
      continue;
    }
    if (!terminal_ && !work_.empty()) Process(work_);
    if (tick && !terminal_) Tick();
    if (ended && !end_handled_) {
      end_handled_ = true;
      if (!terminal_) EndOfInput();
    }
  }
}

void Session::Process(std::span<const uint8_t> bytes) {
  watchdog_.InputArrived(SteadyNow());
  tags_.clear();
  if (absl::Status s = splitter_.FeedViews(bytes, tags_); !s.ok()) {
    Fail(ReasonStatus("PACKAGER_FAILURE", absl::StrCat("the input is not FLV: ", s.message())));
    return;
  }
  if (!video_announced_ && splitter_.track_flags()) {
    const uint8_t flags = *splitter_.track_flags();
    video_announced_ = (flags & 0x01) != 0;
    audio_announced_ = (flags & 0x04) != 0;
    if (!*video_announced_ && !audio_announced_) {
      Fail(ReasonStatus("UNSUPPORTED_CODEC", "the stream has neither H.264 video nor AAC audio"));
      return;
    }
    // A host with the camera off: audio-only HLS, cut on audio frames from the first one.
    if (!*video_announced_) tracker_.SetAudioOnly();
    // The PMT lists a track once its configuration came (SetTracks at each segment start): a
    // header may announce audio that never comes.
    muxer_.emplace(false, false);
  }
  for (const FlvTagView& tag : tags_) {
    if (terminal_ || aborting_.load()) return;
    HandleTag(tag);
  }
}

void Session::HandleTag(const FlvTagView& tag) {
  if (tag.body.empty() || !muxer_) return;
  if (tag.type == kFlvVideo && *video_announced_) {
    HandleVideo(tag);
  } else if (tag.type == kFlvAudio && audio_announced_) {
    HandleAudio(tag);
  }
  // Script data (onMetaData) and tracks the header did not announce carry nothing to package.
}

void Session::HandleVideo(const FlvTagView& tag) {
  absl::StatusOr<rtmp::VideoTagHeader> header = rtmp::ParseVideoTagHeader(tag.body);
  if (!header.ok()) {
    Fail(ReasonStatus("PACKAGER_FAILURE", header.status().message()));
    return;
  }
  if (header->packet == rtmp::VideoPacket::kCommand ||
      header->packet == rtmp::VideoPacket::kMetadata ||
      header->packet == rtmp::VideoPacket::kSequenceEnd) {
    return;
  }
  if (header->codec != rtmp::VideoCodec::kAvc) {
    Fail(ReasonStatus(
        "UNSUPPORTED_CODEC",
        header->codec == rtmp::VideoCodec::kHevc
            ? "HEVC (H.265) video is accepted only with the rendition ladder on; send H.264 "
              "video with AAC audio"
            : "only H.264 video and AAC audio are accepted"));
    return;
  }
  const std::span<const uint8_t> data =
      std::span<const uint8_t>(tag.body).subspan(std::min(header->body_offset, tag.body.size()));
  if (header->packet == rtmp::VideoPacket::kSequenceStart) {
    absl::StatusOr<AvcConfig> config = ParseAvcConfig(data);
    if (!config.ok()) {
      Fail(ReasonStatus("PACKAGER_FAILURE", config.status().message()));
      return;
    }
    if (std::optional<SpsFacts> sps = ParseAvcSps(config->sps.front())) {
      MediaFacts::Video v;
      v.width = sps->width;
      v.height = sps->height;
      v.frame_rate = sps->frame_rate;
      facts_.SetVideo(v);
      video_width_ = sps->width;
      video_height_ = sps->height;
      video_frame_rate_ = sps->frame_rate;
    }
    if (facts_.needs_sps()) {
      std::vector<uint8_t> annex_b = {0, 0, 0, 1};
      annex_b.insert(annex_b.end(), config->sps.front().begin(), config->sps.front().end());
      facts_.ObserveVideoBuffer(annex_b);
    }
    avc_ = std::move(*config);
    facts_video_ = true;
    return;
  }
  if (header->packet != rtmp::VideoPacket::kCodedFrames &&
      header->packet != rtmp::VideoPacket::kCodedFramesX) {
    return;
  }
  if (!avc_ || data.empty()) return;  // Frames before their configuration decode to nothing.
  frame_.clear();
  if (absl::Status s = AppendAnnexB(*avc_, data, header->keyframe(), frame_); !s.ok()) {
    // A frame whose NAL lengths lie is dropped (the decoder recovers at the next keyframe).
    if (metrics_ != nullptr) metrics_->frames_dropped().Increment();
    if (frames_dropped_++ == 0) {
      log::Warn("media_frame_dropped")
          .Kv("stream_id", options_.stream_id)
          .Kv("error", std::string(s.message()));
    }
    return;
  }
  const int64_t dts = tag.timestamp_ms;
  const int64_t pts = std::max<int64_t>(dts + header->composition_time_ms, 0);
  // A frame lasts one frame interval, as h264parse says from the SPS's timing (in decode order
  // with B-frames, presentation steps say nothing about it).
  std::optional<int64_t> duration;
  if (video_frame_rate_ > 0) duration = static_cast<int64_t>(1e9 / video_frame_rate_ + 0.5);
  Frame(kVideoTrack, pts, dts, duration, header->keyframe(), frame_);
}

void Session::HandleAudio(const FlvTagView& tag) {
  if ((tag.body[0] >> 4) != kSoundFormatAac) {
    Fail(ReasonStatus("UNSUPPORTED_CODEC",
                      absl::StrCat("only H.264 video and AAC audio are accepted, got FLV sound "
                                   "format ",
                                   tag.body[0] >> 4)));
    return;
  }
  if (tag.body.size() < 2) return;
  const std::span<const uint8_t> data = std::span<const uint8_t>(tag.body).subspan(2);
  if (tag.body[1] == 0) {
    absl::StatusOr<AacConfig> config = ParseAacConfig(data);
    if (!config.ok()) {
      Fail(ReasonStatus("UNSUPPORTED_CODEC", config.status().message()));
      return;
    }
    MediaFacts::Audio a;
    a.sample_rate = config->sample_rate;
    a.channels = config->channels;
    a.object_type = config->object_type;
    facts_.SetAudio(a);
    aac_ = *config;
    facts_audio_ = true;
    return;
  }
  if (!aac_ || data.empty()) return;
  frame_.clear();
  if (!AppendAdts(*aac_, data, frame_).ok()) {
    if (metrics_ != nullptr) metrics_->frames_dropped().Increment();
    ++frames_dropped_;
    return;
  }
  const int64_t t = tag.timestamp_ms;
  Frame(kAudioTrack, t, t, int64_t{1024} * 1'000'000'000 / aac_->sample_rate, true, frame_);
}

void Session::Frame(int track, int64_t pts_ms, int64_t dts_ms, std::optional<int64_t> duration_ns,
                    bool sync_point, std::span<const uint8_t> data) {
  const absl::Duration steady = SteadyNow();
  watchdog_.MediaParsed(steady);
  TimestampNormalizer::Times in;
  in.pts = pts_ms * 1'000'000;
  in.dts = dts_ms * 1'000'000;
  in.duration = duration_ns;
  const TimestampNormalizer::Times out = normalizer_.Normalize(track, in);
  const int64_t pts = out.pts.value_or(0);
  const int64_t dts = out.dts.value_or(pts);
  anchor_.Observe(absl::Now(), pts);
  const FragmentTracker::Cuts cuts =
      tracker_.ObserveCuts(track, out.pts, out.dts, out.duration, sync_point);
  const bool audio_only = tracker_.audio_only();
  if ((track == kVideoTrack) != audio_only) {
    if (cuts.segment) segment_start_ms_ = dts_ms;
    UpdateWakeAt(audio_only, cuts.segment.has_value() || cuts.part.has_value(), dts_ms);
  }
  if (cuts.segment) {
    Flush();
    cut_steady_ = steady;
    Publish(writer_.Cut(*cuts.segment, tracker_.first_start_ns(), /*prefix_tables=*/false));
    if (terminal_) return;
    muxer_->SetTracks(avc_.has_value(), aac_.has_value());
    muxer_->WriteTables(pending_);  // Every segment starts with the PAT and PMT.
    tables_written_ = true;
  } else if (cuts.part) {
    Flush();
    cut_steady_ = steady;
    // Every part starts with the PAT and PMT (in the part file only): mpegtsmux repeats them
    // every 100 ms, so each of its parts carried them somewhere; ours come only at segment
    // starts, and a part a client reads alone (ffprobe, a player tuning in) must name its
    // streams.
    PublishPart(writer_.CutPart(cuts.part->at_ns, tracker_.first_start_ns(), cuts.part->independent,
                                /*prefix_tables=*/true));
    if (terminal_) return;
  }
  if (!tables_written_) {
    muxer_->SetTracks(avc_.has_value(), aac_.has_value());
    muxer_->WriteTables(pending_);
    tables_written_ = true;
  }
  if (track == kVideoTrack) {
    muxer_->WriteVideo(data, pts, dts, sync_point, pending_);
    if (sync_point && options_.keyframes) {
      options_.keyframes->OfferH264Keyframe(pts, video_width_, video_height_, data);
    }
  } else {
    muxer_->WriteAudio(data, pts, pending_);
  }
  // The reference track's media reached the muxed output (an announced track that never comes
  // leaves the other one unwritten, and the watchdog ends the session as the GStreamer muxer
  // waiting for it would).
  if ((track == kVideoTrack) != audio_only) watchdog_.MediaWritten(steady);
  if (pending_.size() >= kFlushBytes) Flush();
}

void Session::Flush() {
  if (pending_.empty() || terminal_) return;
  absl::Status s = writer_.Write(pending_);
  pending_.clear();
  if (!s.ok()) Fail(ReasonStatus(ReasonOf(s), s.message()));
}

void Session::EndOfInput() {
  Flush();
  if (terminal_) return;
  Publish(writer_.Finish(tracker_.end_ns(), tracker_.first_start_ns()));
  if (!terminal_) {
    terminal_ = true;
    Complete(absl::OkStatus());
  }
}

void Session::Tick() {
  MaybeEmitMediaInfo(/*force=*/false);
  if (std::optional<std::string> stalled = watchdog_.Check(SteadyNow())) {
    Fail(ReasonStatus("MEDIA_STALLED", *stalled));
  }
}

// ---- Publication -----------------------------------------------------------------------------

void Session::Publish(absl::StatusOr<std::optional<SegmentWriter::Closed>> closed) {
  if (!closed.ok()) {
    Fail(ReasonStatus(ReasonOf(closed.status()), closed.status().message()));
  } else if (closed->has_value()) {
    FinalizeSegment(**closed);
  }
}

void Session::FinalizeSegment(const SegmentWriter::Closed& closed) {
  MaybeEmitMediaInfo(/*force=*/true);
  if (terminal_ || segments_failed_) return;
  SegmentInfo segment;
  segment.sequence = closed.sequence;
  segment.program_date_time = SegmentDateTime(closed.sequence, closed.start_ns);
  open_segment_date_time_.reset();
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
  const int64_t over_before = playlist_.segments_over_target();
  if (absl::Status s = playlist_.Append(segment, media_info_, last_part); !s.ok()) {
    segments_failed_ = true;
    Fail(ReasonStatus(
        s.code() == absl::StatusCode::kDataLoss ? "STORAGE_FAILURE" : "PACKAGER_FAILURE",
        s.message()));
    return;
  }
  if (playlist_.segments_over_target() > over_before) {
    log::Warn("hls_segment_over_target")
        .Kv("stream_id", options_.stream_id)
        .Kv("sequence", segment.sequence)
        .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
        .Kv("target_s", playlist_.target_duration_s());
  }
  if (metrics_ != nullptr) {
    if (cut_steady_) {
      metrics_->segment_publish().Observe(absl::ToDoubleSeconds(SteadyNow() - *cut_steady_));
    }
    if (last_part) metrics_->parts_written().Increment();
  }
  log::Info("hls_segment_closed")
      .Kv("stream_id", options_.stream_id)
      .Kv("sequence", segment.sequence)
      .Kv("duration_ms", absl::ToDoubleMilliseconds(segment.duration))
      .Kv("size_bytes", segment.size_bytes);
  if (events_.segment_closed) events_.segment_closed(segment);
}

void Session::PublishPart(absl::StatusOr<std::optional<SegmentWriter::ClosedPart>> closed) {
  if (!closed.ok()) {
    Fail(ReasonStatus(ReasonOf(closed.status()), closed.status().message()));
    return;
  }
  if (!closed->has_value() || terminal_ || segments_failed_) return;
  const SegmentWriter::ClosedPart& part = **closed;
  LivePlaylist::PartInfo info;
  info.sequence = part.sequence;
  info.index = part.index;
  info.duration = absl::Nanoseconds(part.end_ns - part.start_ns);
  info.independent = part.independent;
  info.data = part.data;
  if (part.index == 0) open_segment_date_time_.reset();
  info.program_date_time = SegmentDateTime(part.sequence, part.start_ns);
  if (absl::Status s = playlist_.AppendPart(info); !s.ok()) {
    segments_failed_ = true;
    Fail(ReasonStatus(
        s.code() == absl::StatusCode::kDataLoss ? "STORAGE_FAILURE" : "PACKAGER_FAILURE",
        s.message()));
    return;
  }
  if (metrics_ != nullptr) {
    if (cut_steady_) {
      metrics_->part_publish().Observe(absl::ToDoubleSeconds(SteadyNow() - *cut_steady_));
    }
    metrics_->parts_written().Increment();
  }
}

absl::Time Session::SegmentDateTime(int64_t sequence, int64_t start_ns) {
  if (open_segment_date_time_ && open_segment_date_time_->first == sequence) {
    return open_segment_date_time_->second;
  }
  const absl::Time t = anchor_.SegmentStart(start_ns, sequence == first_sequence_,
                                            playlist_.end_program_date_time(), absl::Now());
  open_segment_date_time_ = std::make_pair(sequence, t);
  return t;
}

bool Session::TracksSettled() const {
  if (!video_announced_) return false;
  return (!*video_announced_ || facts_video_) && (!audio_announced_ || facts_audio_);
}

void Session::MaybeEmitMediaInfo(bool force) {
  if (media_info_sent_ || terminal_) return;
  std::optional<MediaInfo> info = facts_.Report(facts_video_, facts_audio_, TracksSettled(), force);
  if (!info) return;
  media_info_ = *info;
  media_info_sent_ = true;
  start_ticks_.store(false, std::memory_order_relaxed);
  log::Info("media_info")
      .Kv("stream_id", options_.stream_id)
      .Kv("codecs", info->codecs)
      .Kv("width", info->width)
      .Kv("height", info->height)
      .Kv("frame_rate", info->frame_rate);
  if (events_.media_info) events_.media_info(*info);
}

void Session::Fail(const absl::Status& status) {
  if (terminal_) return;
  terminal_ = true;
  accepting_.store(false);
  pending_.clear();
  log::Warn("media_pipeline_failed")
      .Kv("stream_id", options_.stream_id)
      .Kv("engine", "native")
      .Kv("reason", ReasonOf(status))
      .Kv("message", std::string(status.message()));
  if (events_.failed) events_.failed(status);
  Complete(status);
}

void Session::Complete(const absl::Status& status) {
  start_ticks_.store(false, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(done_mu_);
  if (done_) return;
  done_ = true;
  result_ = status;
  done_cv_.notify_all();
}

// ---- Finish and teardown (the session's owner) -----------------------------------------------

absl::Status Session::Finish(absl::Duration timeout) {
  accepting_.store(false);
  {
    std::lock_guard<std::mutex> lock(in_mu_);
    if (!input_ended_) {
      input_ended_ = true;
      ScheduleLocked();
    }
  }
  bool finished = false;
  absl::Status result;
  {
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

void Session::Teardown() {
  accepting_.store(false);
  aborting_.store(true);
  {
    std::lock_guard<std::mutex> run(run_mu_);  // A run in progress stops at its next tag.
    aborted_ = true;
  }
  if (parts_ && !torn_down_.exchange(true)) {
    // A segment this session left unfinished is never listed, so neither are its parts.
    if (absl::Status s = playlist_.DropPendingParts(); !s.ok()) {
      log::Warn("hls_parts_drop_failed")
          .Kv("stream_id", options_.stream_id)
          .Kv("error", std::string(s.message()));
    }
  }
  if (options_.keyframes) options_.keyframes->Finish();
  if (frames_dropped_ > 0) {
    log::Warn("media_frames_dropped")
        .Kv("stream_id", options_.stream_id)
        .Kv("frames", frames_dropped_);
  }
}

// The Packager the runtime holds: the session lives on while a worker still has it queued.
class NativePackager final : public Packager {
 public:
  explicit NativePackager(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~NativePackager() override { session_->Teardown(); }
  bool Push(std::span<const uint8_t> bytes) override { return session_->Push(bytes); }
  absl::Status Finish(absl::Duration timeout) override { return session_->Finish(timeout); }

 private:
  std::shared_ptr<Session> session_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Packager>> StartNativePackager(PackagerOptions options,
                                                              LivePlaylist& playlist,
                                                              PackagerEvents events,
                                                              PackagerMetrics* metrics) {
  if (options.format != MediaFormat::kFlv) {
    return Error(absl::StatusCode::kInvalidArgument, "INVALID_PIPELINE_OPTIONS",
                 "the native packager takes FLV only");
  }
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
  if (options.discontinuity) playlist.MarkDiscontinuity();
  const std::string stream_id = options.stream_id;
  auto session =
      std::make_shared<Session>(std::move(options), playlist, std::move(events), metrics);
  Engine::Get().Register(session);
  log::Info("media_pipeline_started")
      .Kv("stream_id", stream_id)
      .Kv("format", "flv")
      .Kv("engine", "native")
      .Kv("first_sequence", playlist.next_sequence());
  return std::unique_ptr<Packager>(new NativePackager(std::move(session)));
}

bool NativePackagerFactory::Takes(const PackagerOptions& options) {
  return options.format == MediaFormat::kFlv && !options.accept_hevc && !options.renditions;
}

absl::StatusOr<std::unique_ptr<Packager>> NativePackagerFactory::Start(PackagerOptions options,
                                                                       LivePlaylist& playlist,
                                                                       PackagerEvents events) {
  if (!Takes(options)) return fallback_.Start(std::move(options), playlist, std::move(events));
  return StartNativePackager(std::move(options), playlist, std::move(events), metrics_);
}

}  // namespace shopcast::video_ingest::media
