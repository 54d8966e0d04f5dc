#include "ingest/session.h"

#include <boost/asio/post.hpp>
#include <utility>

#include "shopcast/log/log.h"

namespace shopcast::video_ingest {

namespace v1 = video_ingest::v1;

bool IngestRuntime::Session::Write(std::span<const uint8_t> bytes) {
  // Under the lock: the runtime may be taking the packager away on a worker, and the protocol's
  // hang-up (posted to its I/O thread) may not have happened yet.
  std::lock_guard<std::mutex> lock(packager_mu_);
  if (ending_.load() || !packager_) return false;
  return packager_->Push(bytes);
}

void IngestRuntime::Session::Close(const absl::Status& why) {
  log::Info("ingest_encoder_gone")
      .Kv("stream_id", claim_.stream_id)
      .Kv("session_id", claim_.session_id)
      .Kv("detail", std::string(why.message()));
  Ending e{v1::SESSION_END_REASON_ENCODER_DISCONNECTED};
  // The encoder is leaving: hanging up on it first makes some (GStreamer's rtmp2sink) report an
  // error for a clean unpublish.
  e.disconnect = false;
  runtime_.EndSessionLater(shared_from_this(), e);
}

void IngestRuntime::Session::Refuse(const absl::Status& why) {
  log::Info("ingest_media_refused")
      .Kv("stream_id", claim_.stream_id)
      .Kv("session_id", claim_.session_id)
      .Kv("detail", std::string(why.message()));
  // As when the packager refuses the media: REJECTED with UNSUPPORTED_CODEC (the stream keeps
  // its status), nothing to flush; the protocol server hangs up itself.
  Ending e{v1::SESSION_END_REASON_REJECTED};
  e.error = common::v1::STREAM_ERROR_REASON_UNSUPPORTED_CODEC;
  e.flush = false;
  e.disconnect = false;
  runtime_.EndSessionLater(shared_from_this(), e);
}

void IngestRuntime::Session::PackagerFailed(const absl::Status& why) {
  log::Warn("ingest_packager_failed")
      .Kv("stream_id", claim_.stream_id)
      .Kv("session_id", claim_.session_id)
      .Kv("code", absl::StatusCodeToString(why.code()))
      .Kv("detail", std::string(why.message()));
  runtime_.EndSessionLater(shared_from_this(), EndingForPackagerFailure(why));
}

void IngestRuntime::Session::SegmentClosed(const SegmentInfo& segment) {
  bool start_drain = false;
  {
    std::lock_guard<std::mutex> lock(record_mu_);
    if (abandoned_) return;
    to_record_.push_back(segment);
    start_drain = !draining_;
    draining_ = true;
  }
  if (start_drain) {
    boost::asio::post(runtime_.workers_,
                      [self = shared_from_this()] { self->runtime_.DrainSegments(self, 0); });
  }
}

void IngestRuntime::Session::SetPackager(std::unique_ptr<media::Packager> packager) {
  std::lock_guard<std::mutex> lock(packager_mu_);
  packager_ = std::move(packager);
}

std::unique_ptr<media::Packager> IngestRuntime::Session::TakePackager() {
  std::lock_guard<std::mutex> lock(packager_mu_);
  return std::move(packager_);
}

void IngestRuntime::Session::MarkEnded() {
  {
    std::lock_guard<std::mutex> lock(ended_mu_);
    ended_ = true;
  }
  ended_cv_.notify_all();
}

void IngestRuntime::Session::WaitEnded() {
  std::unique_lock<std::mutex> lock(ended_mu_);
  ended_cv_.wait(lock, [this] { return ended_; });
}

std::optional<SegmentInfo> IngestRuntime::Session::NextToRecord() {
  std::lock_guard<std::mutex> lock(record_mu_);
  if (abandoned_ || to_record_.empty()) {
    draining_ = false;
    recorded_cv_.notify_all();
    return std::nullopt;
  }
  return to_record_.front();
}

void IngestRuntime::Session::Recorded() {
  std::lock_guard<std::mutex> lock(record_mu_);
  if (!to_record_.empty()) to_record_.pop_front();
}

bool IngestRuntime::Session::WaitRecorded(std::chrono::steady_clock::time_point deadline,
                                          size_t* dropped) {
  std::unique_lock<std::mutex> lock(record_mu_);
  *dropped = 0;
  if (recorded_cv_.wait_until(lock, deadline,
                              [this] { return to_record_.empty() && !draining_; })) {
    return true;
  }
  abandoned_ = true;
  *dropped = to_record_.size();
  to_record_.clear();
  return false;
}

bool IngestRuntime::Session::abandoned() {
  std::lock_guard<std::mutex> lock(record_mu_);
  return abandoned_;
}

}  // namespace shopcast::video_ingest
