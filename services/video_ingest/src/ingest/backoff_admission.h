#pragma once

// A PublishAdmission in front of another (the runtime) that applies RefusalBackoff: both the RTMP
// server and the SRT listener are given this one, so every publish attempt passes it (the SRT
// listener asks Prescreen in the handshake, so a backing-off encoder is rejected with a code
// it can show rather than connected and cut). A pair
// (key, address) that is backing off is answered RESOURCE_EXHAUSTED/PUBLISH_BACKOFF at once,
// without the database, a log line per attempt or a PublishRejected event. Refusals that count:
// the publisher's own doing (PERMISSION_DENIED, FAILED_PRECONDITION, INVALID_ARGUMENT — a bad
// key, a stream in use or over, and media refused by the protocol server through
// MediaSession::Refuse); never our faults (UNAVAILABLE, INTERNAL, shutting down).

#include <memory>

#include "ingest/refusal_backoff.h"
#include "publish/publish.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest {

class BackoffAdmission final : public PublishAdmission {
 public:
  // `inner` and `backoff` must outlive this. Counts ingest_admission_backoffs_total in
  // `registry` when given.
  BackoffAdmission(PublishAdmission& inner, RefusalBackoff& backoff,
                   prometheus::Registry* registry = nullptr);

  absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& request,
                                                      MediaFormat format,
                                                      DisconnectFn disconnect) override;
  // PUBLISH_BACKOFF while the pair is backing off, then the inner admission's Prescreen.
  absl::Status Prescreen(const PublishRequest& request) override;

 private:
  // PUBLISH_BACKOFF while `request`'s pair must wait, counted; OK otherwise.
  absl::Status BackingOff(const PublishRequest& request);

  PublishAdmission& inner_;
  RefusalBackoff& backoff_;
  prometheus::Counter* backoffs_ = nullptr;
};

}  // namespace shopcast::video_ingest
