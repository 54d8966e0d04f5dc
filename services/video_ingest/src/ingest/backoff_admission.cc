#include "ingest/backoff_admission.h"

#include <string>
#include <utility>

#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest {
namespace {

bool PublishersDoing(const absl::Status& s) {
  return s.code() == absl::StatusCode::kPermissionDenied ||
         s.code() == absl::StatusCode::kFailedPrecondition ||
         s.code() == absl::StatusCode::kInvalidArgument;
}

// Passes everything on, and tells the backoff how the session ended.
class WatchedSession final : public MediaSession {
 public:
  WatchedSession(std::shared_ptr<MediaSession> inner, RefusalBackoff& backoff,
                 PublishRequest request)
      : inner_(std::move(inner)), backoff_(backoff), request_(std::move(request)) {}

  bool Write(std::span<const uint8_t> bytes) override { return inner_->Write(bytes); }
  void Close(const absl::Status& why) override {
    // It published and left: whatever it was refused before no longer says anything.
    backoff_.Forget(request_.stream_key, request_.remote_address);
    inner_->Close(why);
  }
  void Refuse(const absl::Status& why) override {
    backoff_.Refused(request_.stream_key, request_.remote_address);
    inner_->Refuse(why);
  }

 private:
  const std::shared_ptr<MediaSession> inner_;
  RefusalBackoff& backoff_;
  const PublishRequest request_;
};

}  // namespace

BackoffAdmission::BackoffAdmission(PublishAdmission& inner, RefusalBackoff& backoff,
                                   prometheus::Registry* registry)
    : inner_(inner), backoff_(backoff) {
  if (registry == nullptr) return;
  backoffs_ = &prometheus::BuildCounter()
                   .Name("ingest_admission_backoffs_total")
                   .Help(
                       "Publish attempts answered at once because their key and address keep "
                       "being refused")
                   .Register(*registry)
                   .Add({});
}

absl::Status BackoffAdmission::BackingOff(const PublishRequest& request) {
  const std::chrono::milliseconds wait = backoff_.Wait(request.stream_key, request.remote_address);
  if (wait.count() <= 0) return absl::OkStatus();
  if (backoffs_ != nullptr) backoffs_->Increment();
  const int64_t seconds = (wait.count() + 999) / 1000;
  return Error(absl::StatusCode::kResourceExhausted, "PUBLISH_BACKOFF",
               "refused too often; try again in " + std::to_string(seconds) + " s");
}

absl::Status BackoffAdmission::Prescreen(const PublishRequest& request) {
  RETURN_IF_ERROR(BackingOff(request));
  return inner_.Prescreen(request);
}

absl::StatusOr<std::shared_ptr<MediaSession>> BackoffAdmission::Admit(const PublishRequest& request,
                                                                      MediaFormat format,
                                                                      DisconnectFn disconnect) {
  RETURN_IF_ERROR(BackingOff(request));
  absl::StatusOr<std::shared_ptr<MediaSession>> admitted =
      inner_.Admit(request, format, std::move(disconnect));
  if (!admitted.ok()) {
    if (PublishersDoing(admitted.status())) {
      backoff_.Refused(request.stream_key, request.remote_address);
    }
    return admitted;
  }
  if (*admitted == nullptr) return admitted;
  return std::shared_ptr<MediaSession>(
      std::make_shared<WatchedSession>(std::move(*admitted), backoff_, request));
}

}  // namespace shopcast::video_ingest
