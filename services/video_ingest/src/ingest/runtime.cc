#include "ingest/runtime.h"

#include <malloc.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>

#include "ingest/session.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::video_ingest {

namespace v1 = video_ingest::v1;
using common::v1::StreamErrorReason;

namespace {

// Database faults that pass: a lost connection, a full pool, a serialization conflict, a slow
// server, a commit whose outcome is unknown. Recording a segment and ending a session are
// idempotent, so they are simply tried again.
bool IsTransient(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable || s.code() == absl::StatusCode::kAborted ||
         s.code() == absl::StatusCode::kDeadlineExceeded;
}

std::chrono::steady_clock::time_point SteadyDeadline(absl::Duration from_now) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(from_now);
}

}  // namespace

IngestRuntime::IngestRuntime(RuntimeOptions options, streams::SessionStore& store,
                             media::PackagerFactory& packagers, prometheus::Registry* registry)
    : options_(std::move(options)),
      store_(store),
      packagers_(packagers),
      workers_(options_.worker_threads),
      recorders_(options_.worker_threads) {
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
  segment_seconds_ =
      &prometheus::BuildHistogram()
           .Name("ingest_segment_duration_seconds")
           .Help("Media duration of closed segments")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 1.5, 2, 3, 4, 6, 8, 12});
  record_retries_ = &prometheus::BuildCounter()
                         .Name("ingest_segment_record_retries_total")
                         .Help("Attempts to record a segment that met a passing database fault")
                         .Register(*registry)
                         .Add({});
  segments_unrecorded_ = &prometheus::BuildCounter()
                              .Name("ingest_segments_unrecorded_total")
                              .Help("Segments written to the hot tier but never recorded")
                              .Register(*registry)
                              .Add({});
  storage_failures_ = &prometheus::BuildCounter()
                           .Name("ingest_storage_failures_total")
                           .Help(
                               "Encoder sessions ended because the segment disk could not be "
                               "written (full or failing)")
                           .Register(*registry)
                           .Add({});
  orphans_released_ = &prometheus::BuildCounter()
                           .Name("ingest_orphaned_sessions_released_total")
                           .Help(
                               "Sessions of gone instances (or of this one's previous run) "
                               "released")
                           .Register(*registry)
                           .Add({});
}

IngestRuntime::~IngestRuntime() { Stop(); }

absl::Status IngestRuntime::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.segment_root, ec);
  if (ec) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "STORAGE_FAILURE",
        "cannot create segment root " + options_.segment_root.string() + ": " + ec.message());
  }
  const absl::Time now = options_.now();
  RETURN_IF_ERROR(store_.Heartbeat(now));
  // At most 100 a call; a crashed replica may have left more.
  for (int round = 0; round < 1000; ++round) {
    ASSIGN_OR_RETURN(std::vector<std::string> released,
                     store_.ReleaseOrphanedSessions(now, /*starting=*/true));
    if (!released.empty()) {
      log::Info("ingest_orphaned_sessions_released").Kv("count", released.size());
      if (orphans_released_ != nullptr) orphans_released_->Increment(released.size());
    }
    if (released.size() < 100) break;
  }
  housekeeping_ = std::thread([this] { HousekeepingLoop(); });
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
  if (housekeeping_.joinable()) housekeeping_.join();
  // All at once: each flush may take up to finish_timeout, and the process has a grace period.
  {
    boost::asio::thread_pool enders(std::clamp<size_t>(live.size(), 1, 32));
    for (const auto& s : live) {
      boost::asio::post(enders, [this, s] {
        EndSession(s, Ending{v1::SESSION_END_REASON_ENCODER_DISCONNECTED});
      });
    }
    enders.join();
  }
  workers_.join();
  // Every session has ended, so its queue is recorded or abandoned; only retry timers of
  // abandoned queues can be left, and they have nothing to do.
  recorders_.stop();
  recorders_.join();
  Housekeep();  // A last try at session ends the database did not take.
}

size_t IngestRuntime::active_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

size_t IngestRuntime::pending_session_ends() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_ends_.size();
}

size_t IngestRuntime::tracked_streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

std::vector<std::pair<std::string, std::shared_ptr<media::LivePlaylist>>>
IngestRuntime::LivePlaylists() const {
  std::vector<std::pair<std::string, std::shared_ptr<media::LivePlaylist>>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, entry] : streams_) {
    if (entry.session && entry.playlist) out.emplace_back(id, entry.playlist);
  }
  return out;
}

std::shared_ptr<media::LivePlaylist> IngestRuntime::PlaylistFor(const streams::Claim& claim) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] = streams_.try_emplace(claim.stream_id);
  StreamEntry& entry = it->second;
  if (added) entry.idle_since = std::chrono::steady_clock::now();  // Until the session registers.
  // A playlist continues across reconnects; after a restart (no playlist in memory) a new one
  // resumes the stream's numbering from the database.
  if (!entry.playlist || entry.playlist->next_sequence() != claim.next_sequence) {
    media::LivePlaylist::Options o;
    o.stream_dir = options_.segment_root / claim.stream_id;
    o.target_duration = options_.target_duration;
    o.window = options_.playlist_window;
    if (options_.playlist_observer) {
      o.on_written = options_.playlist_observer(claim.stream_id, o.media_playlist_name);
    }
    o.playlist_files = options_.playlist_files;
    o.parts_in_memory = options_.parts_in_memory;
    o.part_target = options_.part_target;
    // Rendition ladder: the rungs live beside the playlist, which lists them in its master.
    entry.renditions = options_.renditions ? options_.renditions(claim.stream_id) : nullptr;
    if (entry.renditions) {
      o.renditions = entry.renditions->group();
      o.rendition_path = o.media_playlist_name;
      o.master_variants = [weak = std::weak_ptr<media::StreamRenditions>(entry.renditions)] {
        auto r = weak.lock();
        return r ? r->MasterVariants() : std::string();
      };
    }
    entry.playlist =
        std::make_shared<media::LivePlaylist>(o, claim.next_sequence, claim.media_offset);
  }
  return entry.playlist;
}

std::shared_ptr<media::StreamRenditions> IngestRuntime::RenditionsFor(
    const std::string& stream_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.renditions;
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
  auto claim = store_.ClaimForPublish(request.stream_key, request.protocol, request.remote_address,
                                      options_.now());
  if (admissions_ != nullptr) {
    std::string result = claim.ok() ? "ok" : ReasonOf(claim.status());
    admissions_->Add({{"result", result}}).Increment();
  }
  if (!claim.ok()) return claim.status();

  std::shared_ptr<media::LivePlaylist> playlist = PlaylistFor(*claim);
  // The session keeps the playlist its packager writes to, whatever happens to the map entry.
  auto session = std::make_shared<Session>(*this, *claim, playlist, std::move(disconnect));

  media::PackagerOptions po;
  po.format = format;
  po.stream_dir = options_.segment_root / claim->stream_id;
  po.stream_id = claim->stream_id;
  po.target_duration = options_.target_duration;
  po.part_target = options_.part_target;
  po.accept_hevc = options_.accept_hevc;
  po.max_queued_bytes = options_.max_queued_bytes;
  po.stall_timeout = options_.stall_timeout;
  // Any earlier segment means this session continues a stream: players must reset decoders.
  po.discontinuity = claim->next_sequence > 0;
  const std::shared_ptr<media::StreamRenditions> renditions = RenditionsFor(claim->stream_id);
  if (renditions) po.renditions = renditions->StartSession(*playlist, po.discontinuity);

  std::weak_ptr<Session> weak = session;
  media::PackagerEvents events;
  events.segment_closed = [weak](const SegmentInfo& segment) {
    if (auto s = weak.lock()) s->SegmentClosed(segment);
  };
  events.media_info = [this, weak](const MediaInfo& info) {
    // Off the packager's threads (its bus thread is shared by every session): a database call.
    boost::asio::post(workers_, [this, weak, info] {
      auto s = weak.lock();
      if (!s) return;
      if (absl::Status st = store_.RecordMediaInfo(s->claim().session_id, info); !st.ok()) {
        log::Warn("ingest_media_info_not_recorded").Kv("detail", std::string(st.message()));
      }
    });
  };
  events.failed = [weak](const absl::Status& why) {
    if (auto s = weak.lock()) s->PackagerFailed(why);
  };

  auto packager = packagers_.Start(po, *playlist, std::move(events));
  if (!packager.ok()) {
    log::Error("ingest_packager_start_failed")
        .Kv("stream_id", claim->stream_id)
        .Kv("detail", std::string(packager.status().message()));
    Ending e{v1::SESSION_END_REASON_ERROR};
    e.error = common::v1::STREAM_ERROR_REASON_PACKAGER_FAILURE;
    RecordEnd(claim->session_id, e);
    return Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "cannot start the packager");
  }
  session->SetPackager(std::move(*packager));
  bool registered = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Already failed and ending: the encoder's first Write sees it and hangs up.
    if (!session->ending()) {
      StreamEntry& entry = streams_[claim->stream_id];
      if (!entry.playlist) {  // Grace expiry raced this admission.
        entry.playlist = playlist;
        entry.renditions = renditions;
      }
      entry.session = session;
      session->registered = true;
      registered = true;
      ++active_;
      if (sessions_gauge_ != nullptr) sessions_gauge_->Set(static_cast<double>(active_));
    }
  }
  if (registered && options_.on_session_started) {
    options_.on_session_started(claim->stream_id);
  }
  log::Info("ingest_session_started")
      .Kv("stream_id", claim->stream_id)
      .Kv("session_id", claim->session_id)
      .Kv("protocol", request.protocol == IngestProtocol::kRtmp ? "rtmp" : "srt")
      .Kv("remote", request.remote_address)
      .Kv("resumed", claim->resumed);
  return std::shared_ptr<MediaSession>(session);
}

IngestRuntime::Ending IngestRuntime::EndingForPackagerFailure(const absl::Status& why) {
  Ending e{v1::SESSION_END_REASON_ERROR};
  e.flush = false;
  switch (why.code()) {
    case absl::StatusCode::kInvalidArgument:
      e.reason = v1::SESSION_END_REASON_REJECTED;
      e.error = common::v1::STREAM_ERROR_REASON_UNSUPPORTED_CODEC;
      break;
    case absl::StatusCode::kDeadlineExceeded:
      e.error = common::v1::STREAM_ERROR_REASON_NO_MEDIA;
      break;
    case absl::StatusCode::kDataLoss:
      // A full or failing disk: the encoder is cut and the stream waits in RECONNECTING, its
      // playlist still served. Once space is freed (the mover, an operator) the encoder's
      // reconnect continues the same playlist; a reconnect while the disk is still full ends
      // the same way, and the grace period ends a stream nobody brings back.
      e.error = common::v1::STREAM_ERROR_REASON_STORAGE_FAILURE;
      break;
    default:
      // Most packager errors come from what the encoder sent: a reconnect starts afresh.
      e.error = common::v1::STREAM_ERROR_REASON_PACKAGER_FAILURE;
      break;
  }
  return e;
}

void IngestRuntime::EndSessionLater(std::shared_ptr<Session> session, Ending ending) {
  boost::asio::post(workers_,
                    [this, session = std::move(session), ending] { EndSession(session, ending); });
}

void IngestRuntime::EndSession(const std::shared_ptr<Session>& session, const Ending& ending) {
  if (!session->BeginEnding()) {
    // Someone else is ending it (an encoder's hang-up racing EndStream, say): returning now
    // would let the caller end the stream before this session's last segment is recorded.
    session->WaitEnded();
    return;
  }
  const streams::Claim& claim = session->claim();
  // The encoder first, so nothing more arrives; its Close() then finds the session ending.
  if (ending.disconnect) session->Disconnect();
  std::unique_ptr<media::Packager> packager = session->TakePackager();
  if (ending.flush && packager != nullptr) {
    absl::Status s = packager->Finish(options_.finish_timeout);
    if (!s.ok()) {
      log::Warn("ingest_flush_incomplete")
          .Kv("stream_id", claim.stream_id)
          .Kv("detail", std::string(s.message()));
    }
  }
  packager.reset();  // No packager callback runs after this.

  size_t dropped = 0;
  if (!session->WaitRecorded(SteadyDeadline(options_.finish_timeout), &dropped)) {
    log::Error("ingest_segments_unrecorded")
        .Kv("stream_id", claim.stream_id)
        .Kv("session_id", claim.session_id)
        .Kv("count", dropped);
    if (segments_unrecorded_ != nullptr) segments_unrecorded_->Increment(dropped);
  }
  RecordEnd(claim.session_id, ending);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(claim.stream_id);
    if (it != streams_.end() && it->second.session == session) {
      it->second.session.reset();
      it->second.idle_since = std::chrono::steady_clock::now();
    }
    if (session->registered) {
      session->registered = false;
      --active_;
      if (sessions_gauge_ != nullptr) sessions_gauge_->Set(static_cast<double>(active_));
    }
  }
  if (session_ends_ != nullptr) {
    session_ends_->Add({{"reason", v1::SessionEndReason_Name(ending.reason)}}).Increment();
  }
  if (ending.error == common::v1::STREAM_ERROR_REASON_STORAGE_FAILURE) {
    if (storage_failures_ != nullptr) storage_failures_->Increment();
    log::Error("ingest_storage_failure")
        .Kv("stream_id", claim.stream_id)
        .Kv("session_id", claim.session_id)
        .Kv("segment_root", options_.segment_root.string());
  }
  log::Info("ingest_session_ended")
      .Kv("stream_id", claim.stream_id)
      .Kv("session_id", claim.session_id)
      .Kv("reason", v1::SessionEndReason_Name(ending.reason))
      .Kv("error", common::v1::StreamErrorReason_Name(ending.error));
  session->MarkEnded();
  // After the callers are released: a trim walks every arena and may take milliseconds.
  if (options_.return_free_memory) malloc_trim(0);
}

absl::Status IngestRuntime::StoreEnd(const std::string& session_id, const Ending& ending) {
  const absl::Time now = options_.now();
  return ending.fail_stream ? store_.FailStream(session_id, ending.error, now)
                            : store_.ReleaseSession(session_id, ending.reason, ending.error, now);
}

void IngestRuntime::RecordEnd(const std::string& session_id, const Ending& ending) {
  absl::Status s = StoreEnd(session_id, ending);
  if (s.ok()) return;
  if (!IsTransient(s)) {
    log::Error("ingest_session_end_not_recorded")
        .Kv("session_id", session_id)
        .Kv("code", absl::StatusCodeToString(s.code()))
        .Kv("detail", std::string(s.message()));
    return;
  }
  // Until it is recorded the stream stays claimed in the database (a reconnecting encoder is
  // refused as ALREADY_PUBLISHING), so the housekeeping loop retries every interval.
  log::Warn("ingest_session_end_deferred")
      .Kv("session_id", session_id)
      .Kv("detail", std::string(s.message()));
  std::lock_guard<std::mutex> lock(mu_);
  pending_ends_.push_back(PendingEnd{session_id, ending});
}

void IngestRuntime::DrainSegments(std::shared_ptr<Session> session, int failed_attempts) {
  while (std::optional<SegmentInfo> segment = session->NextToRecord()) {
    const absl::Status s = store_.RecordSegment(session->claim(), *segment, options_.now());
    if (s.ok()) {
      session->Recorded();
      failed_attempts = 0;
      if (segments_ != nullptr) {
        segments_->Increment();
        segment_seconds_->Observe(absl::ToDoubleSeconds(segment->duration));
      }
      continue;
    }
    if (IsTransient(s)) {
      // A brief database fault must not touch the stream: the segment is on the hot tier and in
      // the playlist already; its record waits for the database.
      ++failed_attempts;
      if (record_retries_ != nullptr) record_retries_->Increment();
      log::Warn("ingest_segment_record_retry")
          .Kv("stream_id", session->claim().stream_id)
          .Kv("sequence", segment->sequence)
          .Kv("attempt", failed_attempts)
          .Kv("detail", std::string(s.message()));
      auto timer = std::make_shared<boost::asio::steady_timer>(
          recorders_,
          absl::ToChronoNanoseconds(timing::JitteredBackoff(
              {options_.record_retry_min, options_.record_retry_max}, failed_attempts)));
      timer->async_wait([this, timer, session, failed_attempts](const boost::system::error_code&) {
        DrainSegments(session, failed_attempts);
      });
      return;  // The drain stays open until the retry runs.
    }
    session->Recorded();
    if (ReasonOf(s) == "SESSION_ENDED") {
      // Recorded, but another instance took this one for dead and released the stream: the
      // encoder must reconnect for a fresh claim.
      log::Warn("ingest_session_taken_over").Kv("session_id", session->claim().session_id);
      EndSessionLater(session, Ending{v1::SESSION_END_REASON_ENCODER_DISCONNECTED});
      continue;
    }
    log::Error("ingest_segment_not_recorded")
        .Kv("stream_id", session->claim().stream_id)
        .Kv("sequence", segment->sequence)
        .Kv("code", absl::StatusCodeToString(s.code()))
        .Kv("detail", std::string(s.message()));
    if (segments_unrecorded_ != nullptr) segments_unrecorded_->Increment();
    Ending e{v1::SESSION_END_REASON_ERROR};
    e.flush = false;
    EndSessionLater(session, e);
  }
}

void IngestRuntime::StopPublishing(const std::string& stream_id, v1::SessionEndReason why) {
  std::shared_ptr<Session> session;
  std::shared_ptr<media::LivePlaylist> playlist;
  std::shared_ptr<media::StreamRenditions> renditions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end()) return;
    session = it->second.session;
    playlist = it->second.playlist;
    renditions = it->second.renditions;
  }
  // Returns once the session has ended, whoever ended it: its last segment is recorded.
  if (session) EndSession(session, Ending{why});
  if (why != v1::SESSION_END_REASON_STREAM_ENDED) return;
  // The stream is over: players stop polling once the playlist says so.
  if (playlist) {
    if (absl::Status s = playlist->End(); !s.ok()) {
      log::Warn("ingest_playlist_not_ended")
          .Kv("stream_id", stream_id)
          .Kv("detail", std::string(s.message()));
    }
  }
  if (renditions) renditions->End();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(stream_id);
  if (it != streams_.end() && !it->second.session) streams_.erase(it);
}

void IngestRuntime::HousekeepingLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // A steady clock: a wall-clock step must not stall or hurry the loop.
    wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.housekeeping_interval),
                   [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Housekeep();
    lock.lock();
  }
}

void IngestRuntime::Housekeep() {
  const absl::Time now = options_.now();
  if (absl::Status s = store_.Heartbeat(now); !s.ok()) {
    log::Warn("ingest_heartbeat_failed").Kv("detail", std::string(s.message()));
  }
  if (auto released = store_.ReleaseOrphanedSessions(now, /*starting=*/false); !released.ok()) {
    log::Warn("ingest_orphan_sweep_failed").Kv("detail", std::string(released.status().message()));
  } else if (!released->empty()) {
    log::Warn("ingest_orphaned_sessions_released").Kv("count", released->size());
    if (orphans_released_ != nullptr) orphans_released_->Increment(released->size());
  }

  std::vector<PendingEnd> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(pending_ends_);
  }
  for (const PendingEnd& p : pending) RecordEnd(p.session_id, p.ending);

  auto ended = store_.ExpireGracePeriods(now);
  if (!ended.ok()) {
    log::Warn("ingest_grace_check_failed").Kv("detail", std::string(ended.status().message()));
    return;
  }
  for (const std::string& id : *ended) {
    std::shared_ptr<media::LivePlaylist> playlist;
    std::shared_ptr<media::StreamRenditions> renditions;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = streams_.find(id);
      if (it == streams_.end() || it->second.session) continue;
      playlist = std::move(it->second.playlist);
      renditions = std::move(it->second.renditions);
      streams_.erase(it);
    }
    if (playlist) (void)playlist->End();
    if (renditions) renditions->End();
    log::Info("ingest_stream_grace_expired").Kv("stream_id", id);
  }
  ForgetIdleStreams();
}

void IngestRuntime::ForgetIdleStreams() {
  // Without this, every stream this replica ever served would stay in memory: streams that went
  // to ERROR, never went live, or whose grace another replica expired never come back here.
  // Nothing is written: the playlist may be another replica's now (a shared hot tier).
  const SteadyTime cutoff =
      std::chrono::steady_clock::now() - absl::ToChronoNanoseconds(options_.idle_stream_ttl);
  std::vector<std::shared_ptr<media::LivePlaylist>> forgotten;  // Freed outside the lock.
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (!it->second.session && it->second.idle_since <= cutoff) {
      forgotten.push_back(std::move(it->second.playlist));
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace shopcast::video_ingest
