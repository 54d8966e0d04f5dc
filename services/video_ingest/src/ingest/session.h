#pragma once

// One admitted encoder (private to the runtime): its claim on the stream, its packager and the
// queue of segments still to be recorded. The protocol server writes into it from an I/O
// thread, the packager reports from its own thread, the runtime ends it from a worker; `ending_`
// makes the end happen once, and `ended_` lets every other caller wait for it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <span>

#include "ingest/runtime.h"

namespace shopcast::video_ingest {

class IngestRuntime::Session final : public MediaSession,
                                     public std::enable_shared_from_this<Session> {
 public:
  Session(IngestRuntime& runtime, streams::Claim claim,
          std::shared_ptr<media::LivePlaylist> playlist, DisconnectFn disconnect)
      : runtime_(runtime),
        claim_(std::move(claim)),
        playlist_(std::move(playlist)),
        disconnect_(std::move(disconnect)) {}

  // MediaSession, for the protocol server.
  bool Write(std::span<const uint8_t> bytes) override;
  void Close(const absl::Status& why) override;
  void Refuse(const absl::Status& why) override;

  // Packager events.
  void PackagerFailed(const absl::Status& why);
  void SegmentClosed(const SegmentInfo& segment);

  const streams::Claim& claim() const { return claim_; }
  void SetPackager(std::unique_ptr<media::Packager> packager);
  // Takes the packager away: Write refuses from now on. Only the ending caller does this.
  std::unique_ptr<media::Packager> TakePackager();
  void Disconnect() {
    if (disconnect_) disconnect_();
  }

  // True for the one caller that gets to end the session.
  bool BeginEnding() { return !ending_.exchange(true); }
  bool ending() const { return ending_.load(); }
  void MarkEnded();
  void WaitEnded();

  // The segment recording queue (see IngestRuntime::DrainSegments).
  // The oldest unrecorded segment, if any; otherwise marks the drain finished.
  std::optional<SegmentInfo> NextToRecord();
  void Recorded();  // The front segment is recorded (or given up): pop it.
  // Waits until every queued segment is recorded, up to `deadline`; false on timeout, after
  // which the queue is abandoned (what remains is counted and dropped).
  bool WaitRecorded(std::chrono::steady_clock::time_point deadline, size_t* dropped);
  bool abandoned();

  // In the runtime's map and count. Guarded by the runtime's mu_: a packager can fail (and the
  // session end) before Admit has registered it.
  bool registered = false;

 private:
  IngestRuntime& runtime_;
  const streams::Claim claim_;
  // What the packager writes to: kept alive for the session even if the runtime forgets the
  // stream (grace expiry racing an admission).
  const std::shared_ptr<media::LivePlaylist> playlist_;
  const DisconnectFn disconnect_;

  std::mutex packager_mu_;
  std::unique_ptr<media::Packager> packager_;  // Guarded by packager_mu_.

  std::atomic<bool> ending_{false};
  std::mutex ended_mu_;
  std::condition_variable ended_cv_;
  bool ended_ = false;  // Guarded by ended_mu_.

  std::mutex record_mu_;
  std::condition_variable recorded_cv_;
  std::deque<SegmentInfo> to_record_;  // Guarded by record_mu_.
  bool draining_ = false;              // A drain task is scheduled or running. Guarded.
  bool abandoned_ = false;             // Guarded by record_mu_.
};

}  // namespace shopcast::video_ingest
