#pragma once

// The live side of video-ingest: admits encoders (PublishAdmission, for the RTMP and SRT
// servers), runs one packager per live stream, records every closed segment, moves streams
// through LIVE / RECONNECTING / ENDED as encoders come and go, and stops encoders when the host
// ends the stream (LiveControl, for the gRPC service).
//
// Promises, whoever ends a session and however many end it at once (an encoder's hang-up, the
// host's EndStream, a packager failure, shutdown): the session ends once; every caller returns
// only after it has ended; its last segment is flushed and recorded before its end is, so
// SegmentClosed always precedes StreamReconnecting/StreamEnded. A database fault while
// recording segments is retried in the background without touching the stream; only a hot tier
// that cannot be written fails a stream for good.
//
// Sessions belong to this process instance (StoreOptions::instance_id): at start the runtime
// releases only its own previous run's sessions and those of instances that stopped
// heart-beating, so a rolling update never pushes another replica's live streams off the air.

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "media/live_playlist.h"
#include "media/packager.h"
#include "media/rendition_feed.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "publish/publish.h"
#include "streams/live_control.h"
#include "streams/store/session_store.h"

namespace shopcast::video_ingest {

struct RuntimeOptions {
  std::filesystem::path segment_root;  // Hot tier: <root>/<stream id>/000123.ts + playlists.
  absl::Duration target_duration = absl::Seconds(2);
  int playlist_window = 6;
  // Low-Latency HLS: partial segments of at most this long in every playlist; zero: off.
  absl::Duration part_target = absl::ZeroDuration();
  // HEVC input: packagers take HEVC video (media::PackagerOptions::accept_hevc).
  bool accept_hevc = false;
  size_t max_queued_bytes = 16 * 1024 * 1024;
  absl::Duration stall_timeout = absl::Seconds(10);
  // How long ending a session may wait for its last segment to be written, and again for its
  // segments to be recorded.
  absl::Duration finish_timeout = absl::Seconds(10);
  // Heartbeat, orphan sweep, grace expiry and retries of failed session ends run this often
  // (the service sets it from the lease and the grace).
  absl::Duration housekeeping_interval = absl::Seconds(1);
  // Backoff (jittered) between attempts to record a segment while the database is unavailable.
  absl::Duration record_retry_min = absl::Milliseconds(100);
  absl::Duration record_retry_max = absl::Seconds(5);
  int worker_threads = 2;  // Blocking work: ending sessions, recording segments.
  // How long a stream's in-memory playlist is kept after its encoder left, for a reconnect to
  // continue it. Longer than the reconnect grace: past the grace no claim on the stream can
  // succeed, and whoever ends the stream (this replica or another) may never tell this one.
  absl::Duration idle_stream_ttl = absl::Seconds(90);
  // Hand the allocator's free memory back to the system after each session ends (glibc keeps
  // it in per-thread arenas otherwise; a session's packager, GStreamer and protocol threads
  // free megabytes that the process would hold for good).
  bool return_free_memory = true;
  // Gives each new LivePlaylist its Options::on_written (the HLS origin's PlaylistWatch, for
  // Low-Latency HLS blocking requests): called with the stream id and the media playlist's
  // file name when the playlist object is made. Optional.
  std::function<std::function<void(const media::PlaylistProgress&)>(
      const std::string& stream_id, const std::string& media_playlist_name)>
      playlist_observer;
  // Which versions of each media playlist go to disk (LivePlaylist::Options::playlist_files);
  // kSegments only makes sense with a playlist_observer that serves the rest from memory.
  media::LivePlaylist::Options::PlaylistFiles playlist_files =
      media::LivePlaylist::Options::PlaylistFiles::kEvery;
  // Parts kept in memory for the origin, not written (LivePlaylist::Options::parts_in_memory;
  // only with a playlist_observer that serves them).
  bool parts_in_memory = false;
  // Rendition ladder (media/rendition_ladder.h): makes the rungs of stream `stream_id`, kept
  // beside its playlist (as long, across reconnects) and ended with it; each session of the
  // stream feeds them. Unset: passthrough only.
  std::function<std::shared_ptr<media::StreamRenditions>(const std::string& stream_id)> renditions;
  // Wall clock for the times stored and shown (program date times come from the packager).
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // Called once a session's playlist is live here (in LivePlaylists()), with its stream id, on
  // the admitting thread: the marker feed reads the markers stored before it. Optional.
  std::function<void(const std::string& stream_id)> on_session_started;
};

class IngestRuntime final : public PublishAdmission, public streams::LiveControl {
 public:
  // `store` and `packagers` must outlive the runtime. Metrics go to `registry` when given.
  IngestRuntime(RuntimeOptions options, streams::SessionStore& store,
                media::PackagerFactory& packagers, prometheus::Registry* registry = nullptr);
  ~IngestRuntime() override;  // Stop()s.
  IngestRuntime(const IngestRuntime&) = delete;
  IngestRuntime& operator=(const IngestRuntime&) = delete;

  // Marks this instance alive, releases the sessions its previous run left open (and those of
  // instances that are gone), then starts the housekeeping loop.
  absl::Status Start();

  // Ends every live session, all at once (each last segment is written and recorded; the
  // stream waits for its encoder in RECONNECTING, so another replica can take it), then stops
  // the background work. Idempotent.
  void Stop();

  absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& request,
                                                      MediaFormat format,
                                                      DisconnectFn disconnect) override;

  void StopPublishing(const std::string& stream_id,
                      video_ingest::v1::SessionEndReason why) override;

  // Sessions admitted and not yet ended.
  size_t active_sessions() const;
  // Session ends that could not be recorded yet (the database was unreachable); retried.
  size_t pending_session_ends() const;
  // Streams whose state (a playlist, a session) this runtime holds in memory.
  size_t tracked_streams() const;

  // The playlists of the streams with a live encoder session here: this replica writes them
  // (live timed metadata goes to them; a playlist kept for a reconnect may be another
  // replica's to write by now, so it gets none).
  std::vector<std::pair<std::string, std::shared_ptr<media::LivePlaylist>>> LivePlaylists() const;

 private:
  class Session;
  friend class Session;
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct StreamEntry {
    std::shared_ptr<media::LivePlaylist> playlist;
    std::shared_ptr<media::StreamRenditions> renditions;  // The ladder's rungs, if any.
    std::shared_ptr<Session> session;                     // The live one, if any.
    SteadyTime idle_since;  // When it last had no session (see idle_stream_ttl).
  };
  // How a session ended, which decides what happens to its stream.
  struct Ending {
    video_ingest::v1::SessionEndReason reason;
    common::v1::StreamErrorReason error = common::v1::STREAM_ERROR_REASON_UNSPECIFIED;
    bool flush = true;         // Wait for the packager to write its last segment.
    bool disconnect = true;    // Cut the connection (not when the encoder is leaving anyway).
    bool fail_stream = false;  // The stream goes to ERROR (the host cannot fix it).
  };
  // A session end the store has not taken yet.
  struct PendingEnd {
    std::string session_id;
    Ending ending;
  };

  // What a packager failure means for the stream, by its status code (media/packager.h).
  static Ending EndingForPackagerFailure(const absl::Status& why);

  // Ends `session` once; a caller that finds it already ending waits until it has ended.
  // Blocking: worker, gRPC or shutdown threads only.
  void EndSession(const std::shared_ptr<Session>& session, const Ending& ending);
  // From protocol and packager threads: hands EndSession to the workers.
  void EndSessionLater(std::shared_ptr<Session> session, Ending ending);
  // Records the end of a session in the store; on failure keeps it for the housekeeping loop.
  void RecordEnd(const std::string& session_id, const Ending& ending);
  absl::Status StoreEnd(const std::string& session_id, const Ending& ending);
  // Records `session`'s queued segments in order, retrying transient database errors after a
  // backoff on a timer (no worker sleeps).
  void DrainSegments(std::shared_ptr<Session> session, int failed_attempts);
  void HousekeepingLoop();
  void Housekeep();
  // Forgets streams that have had no session for idle_stream_ttl.
  void ForgetIdleStreams();
  std::shared_ptr<media::LivePlaylist> PlaylistFor(const streams::Claim& claim);
  std::shared_ptr<media::StreamRenditions> RenditionsFor(const std::string& stream_id) const;

  const RuntimeOptions options_;
  streams::SessionStore& store_;
  media::PackagerFactory& packagers_;
  boost::asio::thread_pool workers_;    // Ending sessions (blocking: flushes, the database).
  boost::asio::thread_pool recorders_;  // Recording segments, apart so that an ending session
                                        // waiting for its records never starves them.

  mutable std::mutex mu_;
  std::map<std::string, StreamEntry> streams_;  // By stream id. Guarded by mu_.
  std::vector<PendingEnd> pending_ends_;        // Guarded by mu_.
  size_t active_ = 0;                           // Guarded by mu_.
  bool stopping_ = false;                       // Refuse new sessions. Guarded by mu_.
  bool stopped_ = false;                        // Stop() ran. Guarded by mu_.
  std::condition_variable wake_;
  std::thread housekeeping_;

  prometheus::Gauge* sessions_gauge_ = nullptr;
  prometheus::Family<prometheus::Counter>* admissions_ = nullptr;
  prometheus::Family<prometheus::Counter>* session_ends_ = nullptr;
  prometheus::Counter* segments_ = nullptr;
  prometheus::Histogram* segment_seconds_ = nullptr;
  prometheus::Counter* record_retries_ = nullptr;
  prometheus::Counter* segments_unrecorded_ = nullptr;
  prometheus::Counter* storage_failures_ = nullptr;
  prometheus::Counter* orphans_released_ = nullptr;
};

}  // namespace shopcast::video_ingest
