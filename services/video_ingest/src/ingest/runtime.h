#pragma once

// The live side of video-ingest: admits encoders (PublishAdmission, for the RTMP and SRT
// servers), runs one packaging pipeline per live stream, records every closed segment, moves
// streams through LIVE / RECONNECTING / ENDED as encoders come and go, and stops encoders when
// the host ends the stream (LiveControl, for the gRPC service).

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/thread_pool.hpp>

#include "absl/time/time.h"
#include "publish/publish.h"
#include "media/live_playlist.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "streams/live_control.h"
#include "streams/store/stream_store.h"

namespace shopcast::video_ingest {

struct RuntimeOptions {
  std::filesystem::path segment_root;  // Hot tier: <root>/<stream id>/000123.ts + playlists.
  absl::Duration target_duration = absl::Seconds(2);
  int playlist_window = 6;
  size_t max_queued_bytes = 16 * 1024 * 1024;
  absl::Duration stall_timeout = absl::Seconds(10);
  // How long ending a session may wait for its last segment to be written and recorded.
  absl::Duration finish_timeout = absl::Seconds(10);
  absl::Duration grace_check_interval = absl::Seconds(1);
  int worker_threads = 2;  // Blocking work: flushing pipelines, database updates.
};

class IngestRuntime final : public PublishAdmission, public streams::LiveControl {
 public:
  // `store` must outlive the runtime. Metrics go to `registry` when given.
  IngestRuntime(RuntimeOptions options, streams::StreamStore& store,
                prometheus::Registry* registry = nullptr);
  ~IngestRuntime() override;  // Stop()s.
  IngestRuntime(const IngestRuntime&) = delete;
  IngestRuntime& operator=(const IngestRuntime&) = delete;

  // Releases sessions a previous process left open, then starts ending streams whose
  // reconnect grace period ran out.
  absl::Status Start();

  // Ends every live session (its last segment is written and recorded; the stream waits for
  // its encoder in RECONNECTING, so a restarted replica can take it back), then stops the
  // background work. Idempotent.
  void Stop();

  absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& request,
                                                      MediaFormat format,
                                                      DisconnectFn disconnect) override;

  void StopPublishing(const std::string& stream_id,
                      video_ingest::v1::SessionEndReason why) override;

  // Sessions admitted and not yet ended.
  size_t active_sessions() const;

 private:
  class Session;
  friend class Session;
  struct StreamEntry {
    std::shared_ptr<media::LivePlaylist> playlist;
    std::shared_ptr<Session> session;  // The live one, if any.
  };
  // How a session ended, which decides what happens to its stream.
  struct Ending {
    video_ingest::v1::SessionEndReason reason;
    common::v1::StreamErrorReason error = common::v1::STREAM_ERROR_REASON_UNSPECIFIED;
    bool flush = true;        // Wait for the pipeline to write its last segment.
    bool disconnect = true;   // Cut the connection (not when the encoder is leaving anyway).
    bool fail_stream = false;  // The stream goes to ERROR (the host cannot fix it).
  };

  // Ends `session` once (later calls return at once): cuts the encoder, flushes or drops the
  // pipeline, records the end. Blocking: worker or gRPC threads only.
  void EndSession(const std::shared_ptr<Session>& session, const Ending& ending);
  // Called by sessions from protocol and pipeline threads: hands EndSession to the workers.
  void EndSessionLater(std::shared_ptr<Session> session, Ending ending);
  void ExpireGracePeriodsLoop();
  std::shared_ptr<media::LivePlaylist> PlaylistFor(const streams::Claim& claim);

  const RuntimeOptions options_;
  streams::StreamStore& store_;
  boost::asio::thread_pool workers_;

  mutable std::mutex mu_;
  std::map<std::string, StreamEntry> streams_;  // By stream id. Guarded by mu_.
  size_t active_ = 0;                           // Guarded by mu_.
  bool stopping_ = false;                       // Refuse new sessions. Guarded by mu_.
  bool stopped_ = false;                        // Stop() ran. Guarded by mu_.
  std::condition_variable wake_;
  std::thread grace_thread_;

  prometheus::Gauge* sessions_gauge_ = nullptr;
  prometheus::Family<prometheus::Counter>* admissions_ = nullptr;
  prometheus::Family<prometheus::Counter>* session_ends_ = nullptr;
  prometheus::Counter* segments_ = nullptr;
  prometheus::Histogram* segment_seconds_ = nullptr;
};

}  // namespace shopcast::video_ingest
