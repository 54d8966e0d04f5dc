#include "fake_admission.h"

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt::testing {

RecordingSession::RecordingSession(std::string key, std::filesystem::path file,
                                   DisconnectFn disconnect)
    : key_(std::move(key)),
      file_(std::move(file)),
      disconnect_(std::move(disconnect)),
      out_(file_, std::ios::binary) {}

bool RecordingSession::Write(std::span<const uint8_t> bytes) {
  absl::MutexLock lock(&mu_);
  if (close_calls_ > 0) writes_after_close_ = true;
  out_.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  out_.flush();
  bytes_ += bytes.size();
  return true;
}

void RecordingSession::Close(const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  if (++close_calls_ == 1) close_status_ = why;
  out_.close();
}

uint64_t RecordingSession::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

int RecordingSession::close_calls() const {
  absl::MutexLock lock(&mu_);
  return close_calls_;
}

absl::Status RecordingSession::close_status() const {
  absl::MutexLock lock(&mu_);
  return close_status_;
}

bool RecordingSession::writes_after_close() const {
  absl::MutexLock lock(&mu_);
  return writes_after_close_;
}

absl::StatusOr<std::shared_ptr<MediaSession>> FakeAdmission::Admit(const PublishRequest& request,
                                                                   MediaFormat format,
                                                                   DisconnectFn disconnect) {
  absl::MutexLock lock(&mu_);
  ++admit_calls_;
  if (request.protocol != IngestProtocol::kSrt || format != MediaFormat::kMpegTs) {
    saw_wrong_protocol_ = true;
  }
  if (request.stream_key != "sk_good" && request.stream_key != "sk_other") {
    return PermissionDenied("STREAM_KEY_INVALID", "unknown stream key");
  }
  for (const auto& session : sessions_) {
    if (session->key() == request.stream_key && session->close_calls() == 0) {
      return Error(absl::StatusCode::kFailedPrecondition, "ALREADY_PUBLISHING",
                   "another encoder is live on this stream");
    }
  }
  auto file = folder_ / (request.stream_key + "-" + std::to_string(sessions_.size()) + ".ts");
  auto session =
      std::make_shared<RecordingSession>(request.stream_key, file, std::move(disconnect));
  sessions_.push_back(session);
  return session;
}

int FakeAdmission::admit_calls() const {
  absl::MutexLock lock(&mu_);
  return admit_calls_;
}

std::vector<std::shared_ptr<RecordingSession>> FakeAdmission::sessions() const {
  absl::MutexLock lock(&mu_);
  return sessions_;
}

std::vector<std::shared_ptr<RecordingSession>> FakeAdmission::sessions(
    const std::string& key) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<RecordingSession>> matching;
  for (const auto& session : sessions_) {
    if (session->key() == key) matching.push_back(session);
  }
  return matching;
}

bool FakeAdmission::saw_wrong_protocol() const {
  absl::MutexLock lock(&mu_);
  return saw_wrong_protocol_;
}

}  // namespace shopcast::video_ingest::srt::testing
