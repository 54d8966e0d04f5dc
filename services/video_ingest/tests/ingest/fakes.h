#pragma once

// In-memory stand-ins for the runtime's store and packagers, so the runtime's ending races,
// database faults and shutdown run as unit tests. Both log what was asked of them, in order,
// and let a test wait for a condition on that log (no sleeps).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/packager.h"
#include "streams/store/session_store.h"

namespace shopcast::video_ingest::testing {

namespace vpb = ::shopcast::video_ingest::v1;
namespace cpb = ::shopcast::common::v1;

// One call the runtime made on the store: "claim", "segment", "release", "fail", "heartbeat",
// "orphans".
struct StoreCall {
  std::string op;
  std::string session_id;
  int64_t sequence = -1;                                            // "segment"
  vpb::SessionEndReason why = vpb::SESSION_END_REASON_UNSPECIFIED;  // "release"
  cpb::StreamErrorReason error = cpb::STREAM_ERROR_REASON_UNSPECIFIED;
  bool starting = false;  // "orphans"
};

class FakeSessionStore final : public streams::SessionStore {
 public:
  // Per operation, statuses to return (front first) before succeeding; "segment" and
  // "release"/"fail" count each attempt.
  void FailNext(const std::string& op, std::vector<absl::Status> statuses);

  absl::StatusOr<streams::Claim> ClaimForPublish(std::string_view stream_key,
                                                 IngestProtocol protocol,
                                                 std::string_view remote_address,
                                                 absl::Time now) override;
  absl::Status RecordMediaInfo(std::string_view session_id, const MediaInfo& info) override;
  absl::Status RecordSegment(const streams::Claim& claim, const SegmentInfo& segment,
                             absl::Time now) override;
  absl::Status ReleaseSession(std::string_view session_id, vpb::SessionEndReason why,
                              cpb::StreamErrorReason error, absl::Time now) override;
  absl::Status FailStream(std::string_view session_id, cpb::StreamErrorReason error,
                          absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> ExpireGracePeriods(absl::Time now) override;
  absl::Status Heartbeat(absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> ReleaseOrphanedSessions(absl::Time now,
                                                                   bool starting) override;

  // Successful calls, in order.
  std::vector<StoreCall> calls();
  // Waits until `done(calls())` holds; false after `timeout`.
  bool WaitFor(const std::function<bool(const std::vector<StoreCall>&)>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  // The scripted failure for `op`, if one is due (consumed).
  absl::Status Scripted(const std::string& op);
  void Log(StoreCall call);

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<StoreCall> calls_;
  std::map<std::string, std::deque<absl::Status>> failures_;
  int sessions_ = 0;
};

class FakePackagerFactory;

// A packager the test drives: it appends segments to the real playlist when told, and its
// Finish can be held on a latch to widen race windows deterministically.
class FakePackager final : public media::Packager {
 public:
  FakePackager(class FakePackagerFactory& factory, media::PackagerOptions options,
               media::LivePlaylist& playlist, media::PackagerEvents events)
      : factory_(factory),
        options_(std::move(options)),
        playlist_(playlist),
        events_(std::move(events)) {}
  ~FakePackager() override;

  bool Push(std::span<const uint8_t> bytes) override;
  absl::Status Finish(absl::Duration timeout) override;

  // Closes the next segment: appends it to the playlist and reports it. Returns the playlist's
  // answer (a segment appended after the playlist ended is refused).
  absl::Status CloseSegment();
  void Fail(const absl::Status& why);

  // Finish() calls `on_finish` (if set) before closing its last segment.
  std::function<void()> on_finish;
  int64_t bytes_pushed();

 private:
  FakePackagerFactory& factory_;
  media::PackagerOptions options_;
  media::LivePlaylist& playlist_;
  media::PackagerEvents events_;
  std::mutex mu_;
  int64_t bytes_ = 0;
  bool finished_ = false;
};

class FakePackagerFactory final : public media::PackagerFactory {
 public:
  absl::StatusOr<std::unique_ptr<media::Packager>> Start(media::PackagerOptions options,
                                                         media::LivePlaylist& playlist,
                                                         media::PackagerEvents events) override;

  // Set before Admit: applied to each new packager.
  std::function<void(FakePackager&)> configure;
  // The packager started for `stream_id` (the latest), waiting up to 10 s for it; null if none.
  FakePackager* For(const std::string& stream_id);
  // Every last-segment status the packagers' Finish saw (see FakePackager::CloseSegment).
  std::vector<absl::Status> finish_appends();
  void RecordFinishAppend(const absl::Status& s);
  // Called by packagers as they are destroyed.
  void Forget(FakePackager* p);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, FakePackager*> by_stream_;
  std::vector<absl::Status> finish_appends_;
};

}  // namespace shopcast::video_ingest::testing
