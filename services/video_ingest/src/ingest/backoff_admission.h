#pragma once

// A PublishAdmission in front of another (the runtime) that applies RefusalBackoff: both the RTMP
// server and the SRT listener are given this one, so every publish attempt passes it. A pair
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

 private:
  PublishAdmission& inner_;
  RefusalBackoff& backoff_;
  prometheus::Counter* backoffs_ = nullptr;
};

}  // namespace shopcast::video_ingest
