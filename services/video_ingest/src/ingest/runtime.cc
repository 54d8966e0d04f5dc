#include "ingest/runtime.h"

#include <atomic>
#include <utility>

#include <boost/asio/post.hpp>

#include "media/pipeline.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest {

namespace v1 = video_ingest::v1;
using common::v1::StreamErrorReason;

// One admitted encoder: its claim on the stream and its pipeline. The protocol server writes
// into it from an I/O thread; the pipeline reports from its own thread; the runtime ends it
// from a worker. `ending_` makes the end happen once whoever notices first.
class IngestRuntime::Session final : public MediaSession,
                                     public std::enable_shared_from_this<Session> {
 public:
  Session(IngestRuntime& runtime, streams::Claim claim, DisconnectFn disconnect)
      : runtime_(runtime), claim_(std::move(claim)), disconnect_(std::move(disconnect)) {}

  bool Write(std::span<const uint8_t> bytes) override {
    // Under the lock: the runtime may be tearing the pipeline down on a worker, and the
    // protocol's hang-up (posted to its I/O thread) may not have happened yet.
    std::lock_guard<std::mutex> lock(pipeline_mu_);
    if (ending_.load() || !pipeline_) return false;
    return pipeline_->Push(bytes);
  }

  void Close(const absl::Status& why) override {
    log::Info("ingest_encoder_gone")
        .Kv("stream_id", claim_.stream_id)
        .Kv("session_id", claim_.session_id)
        .Kv("detail", std::string(why.message()));
    Ending e{v1::SESSION_END_REASON_ENCODER_DISCONNECTED};
    // The encoder is leaving: hanging up on it first makes some (GStreamer's rtmp2sink)
    // report an error for a clean unpublish.
    e.disconnect = false;
    runtime_.EndSessionLater(shared_from_this(), e);
  }

  // The pipeline gave up: decide what the stream becomes from the reason it gave.
  void PipelineFailed(const absl::Status& why) {
    std::string reason = ReasonOf(why);
    log::Warn("ingest_pipeline_failed")
        .Kv("stream_id", claim_.stream_id)
        .Kv("session_id", claim_.session_id)
        .Kv("reason", reason)
        .Kv("detail", std::string(why.message()));
    Ending e{v1::SESSION_END_REASON_ERROR};
    e.flush = false;
    if (reason == "STORAGE_FAILURE") {
      // The host cannot fix a full or failing disk by reconnecting.
      e.error = common::v1::STREAM_ERROR_REASON_STORAGE_FAILURE;
      e.fail_stream = true;
    } else if (reason == "UNSUPPORTED_CODEC") {
      e.reason = v1::SESSION_END_REASON_REJECTED;
      e.error = common::v1::STREAM_ERROR_REASON_UNSUPPORTED_CODEC;
    } else if (reason == "MEDIA_STALLED") {
      e.error = common::v1::STREAM_ERROR_REASON_NO_MEDIA;
    } else {
      // Most packager errors come from what the encoder sent: a reconnect starts afresh.
      e.error = common::v1::STREAM_ERROR_REASON_PACKAGER_FAILURE;
    }
    runtime_.EndSessionLater(shared_from_this(), e);
  }

  const streams::Claim& claim() const { return claim_; }
  void SetPipeline(std::unique_ptr<media::Pipeline> pipeline) {
    std::lock_guard<std::mutex> lock(pipeline_mu_);
    pipeline_ = std::move(pipeline);
  }
  // The pipeline, for Finish (thread-safe against Push); only EndSession takes it away.
  media::Pipeline* pipeline() {
    std::lock_guard<std::mutex> lock(pipeline_mu_);
    return pipeline_.get();
  }
  std::unique_ptr<media::Pipeline> TakePipeline() {
    std::lock_guard<std::mutex> lock(pipeline_mu_);
    return std::move(pipeline_);
  }
  bool BeginEnding() { return !ending_.exchange(true); }
  bool ending() const { return ending_.load(); }
  // In the runtime's map and count. Guarded by the runtime's mu_: a pipeline can fail (and the
  // session end) before Admit has registered it.
  bool registered = false;
  void Disconnect() {
    if (disconnect_) disconnect_();
  }

 private:
  IngestRuntime& runtime_;
  const streams::Claim claim_;
  const DisconnectFn disconnect_;
  std::mutex pipeline_mu_;
  std::unique_ptr<media::Pipeline> pipeline_;  // Guarded by pipeline_mu_.
  std::atomic<bool> ending_{false};
};

IngestRuntime::IngestRuntime(RuntimeOptions options, streams::StreamStore& store,
                             prometheus::Registry* registry)
    : options_(std::move(options)), store_(store), workers_(options_.worker_threads) {
  if (registry == nullptr) return;
  sessions_gauge_ = &prometheus::BuildGauge()
                         .Name("ingest_sessions_active")
                         .Help("Encoder sessions admitted and not yet ended")
                         .Register(*registry)
                         .Add({});
  admissions_ = &prometheus::BuildCounter()
                     .Name("ingest_admissions_total")
                     .Help("Publish attempts by result (ok or the refusal reason)")
                     .Register(*registry);
  session_ends_ = &prometheus::BuildCounter()
                       .Name("ingest_session_ends_total")
                       .Help("Ended encoder sessions by why they ended")
                       .Register(*registry);
  segments_ = &prometheus::BuildCounter()
                   .Name("ingest_segments_closed_total")
                   .Help("Live HLS segments written and recorded")
                   .Register(*registry)
                   .Add({});
  segment_seconds_ = &prometheus::BuildHistogram()
                          .Name("ingest_segment_duration_seconds")
                          .Help("Media duration of closed segments")
                          .Register(*registry)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.5, 1, 1.5, 2, 3, 4, 6, 8, 12});
}

IngestRuntime::~IngestRuntime() { Stop(); }

absl::Status IngestRuntime::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.segment_root, ec);
  if (ec) {
    return Error(absl::StatusCode::kFailedPrecondition, "STORAGE_FAILURE",
                 "cannot create segment root " + options_.segment_root.string() + ": " +
                     ec.message());
  }
  RETURN_IF_ERROR(store_.RecoverOpenSessions(absl::Now()));
  grace_thread_ = std::thread([this] { ExpireGracePeriodsLoop(); });
  return absl::OkStatus();
}

void IngestRuntime::Stop() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
    for (auto& [id, entry] : streams_) {
      if (entry.session) live.push_back(entry.session);
    }
  }
  wake_.notify_all();
  if (grace_thread_.joinable()) grace_thread_.join();
  for (const auto& s : live) EndSession(s, Ending{v1::SESSION_END_REASON_ENCODER_DISCONNECTED});
  workers_.join();
}

size_t IngestRuntime::active_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

std::shared_ptr<media::LivePlaylist> IngestRuntime::PlaylistFor(const streams::Claim& claim) {
  std::lock_guard<std::mutex> lock(mu_);
  StreamEntry& entry = streams_[claim.stream_id];
  // A playlist continues across reconnects; after a restart (no playlist in memory) a new one
  // resumes the stream's numbering from the database.
  if (!entry.playlist || entry.playlist->next_sequence() != claim.next_sequence) {
    media::LivePlaylist::Options o;
    o.stream_dir = options_.segment_root / claim.stream_id;
    o.target_duration = options_.target_duration;
    o.window = options_.playlist_window;
    entry.playlist =
        std::make_shared<media::LivePlaylist>(o, claim.next_sequence, claim.media_offset);
  }
  return entry.playlist;
}

absl::StatusOr<std::shared_ptr<MediaSession>> IngestRuntime::Admit(const PublishRequest& request,
                                                                   MediaFormat format,
                                                                   DisconnectFn disconnect) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return Error(absl::StatusCode::kUnavailable, "SHUTTING_DOWN", "server is shutting down");
    }
  }
  auto claim = store_.ClaimForPublish(request.stream_key, request.protocol,
                                      request.remote_address, absl::Now());
  if (admissions_ != nullptr) {
    std::string result = claim.ok() ? "ok" : ReasonOf(claim.status());
    admissions_->Add({{"result", result}}).Increment();
  }
  if (!claim.ok()) return claim.status();

  auto session = std::make_shared<Session>(*this, *claim, std::move(disconnect));
  std::shared_ptr<media::LivePlaylist> playlist = PlaylistFor(*claim);

  media::PipelineOptions po;
  po.format = format;
  po.stream_dir = options_.segment_root / claim->stream_id;
  po.stream_id = claim->stream_id;
  po.target_duration = options_.target_duration;
  po.max_queued_bytes = options_.max_queued_bytes;
  po.stall_timeout = options_.stall_timeout;
  // Any earlier segment means this session continues a stream: players must reset decoders.
  po.discontinuity = claim->next_sequence > 0;

  std::weak_ptr<Session> weak = session;
  media::PipelineEvents events;
  events.segment_closed = [this, weak](const SegmentInfo& segment) -> absl::Status {
    auto s = weak.lock();
    if (!s) return absl::OkStatus();
    RETURN_IF_ERROR(store_.RecordSegment(s->claim(), segment, absl::Now()));
    if (segments_ != nullptr) {
      segments_->Increment();
      segment_seconds_->Observe(absl::ToDoubleSeconds(segment.duration));
    }
    return absl::OkStatus();
  };
  events.media_info = [this, weak](const MediaInfo& info) {
    auto s = weak.lock();
    if (!s) return;
    if (absl::Status st = store_.RecordMediaInfo(s->claim().session_id, info); !st.ok()) {
      log::Warn("ingest_media_info_not_recorded").Kv("detail", std::string(st.message()));
    }
  };
  events.failed = [weak](const absl::Status& why) {
    if (auto s = weak.lock()) s->PipelineFailed(why);
  };

  auto pipeline = media::Pipeline::Start(po, *playlist, std::move(events));
  if (!pipeline.ok()) {
    log::Error("ingest_pipeline_start_failed")
        .Kv("stream_id", claim->stream_id)
        .Kv("detail", std::string(pipeline.status().message()));
    (void)store_.ReleaseSession(claim->session_id, v1::SESSION_END_REASON_ERROR,
                                common::v1::STREAM_ERROR_REASON_PACKAGER_FAILURE, absl::Now());
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "cannot start the packager");
  }
  session->SetPipeline(std::move(*pipeline));
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Already failed and ending: the encoder's first Write sees it and hangs up.
    if (!session->ending()) {
      streams_[claim->stream_id].session = session;
      session->registered = true;
      ++active_;
      if (sessions_gauge_ != nullptr) sessions_gauge_->Set(static_cast<double>(active_));
    }
  }
  log::Info("ingest_session_started")
      .Kv("stream_id", claim->stream_id)
      .Kv("session_id", claim->session_id)
      .Kv("protocol", request.protocol == IngestProtocol::kRtmp ? "rtmp" : "srt")
      .Kv("remote", request.remote_address)
      .Kv("resumed", claim->resumed);
  return std::shared_ptr<MediaSession>(session);
}

void IngestRuntime::EndSessionLater(std::shared_ptr<Session> session, Ending ending) {
  boost::asio::post(workers_, [this, session = std::move(session), ending] {
    EndSession(session, ending);
  });
}

void IngestRuntime::EndSession(const std::shared_ptr<Session>& session, const Ending& ending) {
  if (!session->BeginEnding()) return;
  const streams::Claim& claim = session->claim();
  // The encoder first, so nothing more arrives; its Close() then finds the session ending.
  if (ending.disconnect) session->Disconnect();
  media::Pipeline* pipeline = session->pipeline();
  if (ending.flush && pipeline != nullptr) {
    absl::Status s = pipeline->Finish(options_.finish_timeout);
    if (!s.ok()) {
      log::Warn("ingest_flush_incomplete")
          .Kv("stream_id", claim.stream_id)
          .Kv("detail", std::string(s.message()));
    }
  }
  // Stops the pipeline thread: no segment callback runs after this.
  session->TakePipeline().reset();

  absl::Time now = absl::Now();
  absl::Status recorded =
      ending.fail_stream ? store_.FailStream(claim.session_id, ending.error, now)
                         : store_.ReleaseSession(claim.session_id, ending.reason, ending.error, now);
  if (!recorded.ok()) {
    // The session stays open in the database; RecoverOpenSessions at the next start ends it.
    log::Error("ingest_session_end_not_recorded")
        .Kv("stream_id", claim.stream_id)
        .Kv("session_id", claim.session_id)
        .Kv("detail", std::string(recorded.message()));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(claim.stream_id);
    if (it != streams_.end() && it->second.session == session) it->second.session.reset();
    if (session->registered) {
      session->registered = false;
      --active_;
      if (sessions_gauge_ != nullptr) sessions_gauge_->Set(static_cast<double>(active_));
    }
  }
  if (session_ends_ != nullptr) {
    session_ends_->Add({{"reason", v1::SessionEndReason_Name(ending.reason)}}).Increment();
  }
  log::Info("ingest_session_ended")
      .Kv("stream_id", claim.stream_id)
      .Kv("session_id", claim.session_id)
      .Kv("reason", v1::SessionEndReason_Name(ending.reason))
      .Kv("error", common::v1::StreamErrorReason_Name(ending.error));
}

void IngestRuntime::StopPublishing(const std::string& stream_id, v1::SessionEndReason why) {
  std::shared_ptr<Session> session;
  std::shared_ptr<media::LivePlaylist> playlist;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end()) return;
    session = it->second.session;
    playlist = it->second.playlist;
  }
  if (session) EndSession(session, Ending{why});
  if (why != v1::SESSION_END_REASON_STREAM_ENDED) return;
  // The stream is over: players stop polling once the playlist says so.
  if (playlist) {
    if (absl::Status s = playlist->End(); !s.ok()) {
      log::Warn("ingest_playlist_not_ended").Kv("stream_id", stream_id).Kv(
          "detail", std::string(s.message()));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(stream_id);
}

void IngestRuntime::ExpireGracePeriodsLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.grace_check_interval),
                   [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    auto ended = store_.ExpireGracePeriods(absl::Now());
    lock.lock();
    if (!ended.ok()) {
      log::Warn("ingest_grace_check_failed").Kv("detail", std::string(ended.status().message()));
      continue;
    }
    for (const std::string& id : *ended) {
      auto it = streams_.find(id);
      if (it == streams_.end()) continue;
      if (it->second.playlist) (void)it->second.playlist->End();
      streams_.erase(it);
      log::Info("ingest_stream_grace_expired").Kv("stream_id", id);
    }
  }
}

}  // namespace shopcast::video_ingest
