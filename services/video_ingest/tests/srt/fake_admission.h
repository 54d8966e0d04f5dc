#pragma once

// A PublishAdmission for the SRT tests: admits "sk_good" and "sk_other" (one publisher per key
// at a time, like the real one) and records each session's bytes to a file in a folder.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "publish/publish.h"

namespace shopcast::video_ingest::srt::testing {

class RecordingSession final : public MediaSession {
 public:
  RecordingSession(std::string key, std::filesystem::path file, DisconnectFn disconnect);

  bool Write(std::span<const uint8_t> bytes) override;
  void Close(const absl::Status& why) override;

  const std::string& key() const { return key_; }
  const std::filesystem::path& file() const { return file_; }
  uint64_t bytes() const;
  int close_calls() const;
  absl::Status close_status() const;
  bool writes_after_close() const;
  // Cuts the publisher the way the service would (EndStream).
  void Disconnect() const { disconnect_(); }

 private:
  const std::string key_;
  const std::filesystem::path file_;
  const DisconnectFn disconnect_;
  mutable absl::Mutex mu_;
  std::ofstream out_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int close_calls_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status close_status_ ABSL_GUARDED_BY(mu_);
  bool writes_after_close_ ABSL_GUARDED_BY(mu_) = false;
};

class FakeAdmission final : public PublishAdmission {
 public:
  explicit FakeAdmission(std::filesystem::path folder) : folder_(std::move(folder)) {}

  absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& request,
                                                      MediaFormat format,
                                                      DisconnectFn disconnect) override;

  int admit_calls() const;
  std::vector<std::shared_ptr<RecordingSession>> sessions() const;
  // The sessions admitted with `key`, oldest first.
  std::vector<std::shared_ptr<RecordingSession>> sessions(const std::string& key) const;
  // True if any request carried a protocol other than SRT or a format other than MPEG-TS.
  bool saw_wrong_protocol() const;

 private:
  const std::filesystem::path folder_;
  mutable absl::Mutex mu_;
  int admit_calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool saw_wrong_protocol_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<RecordingSession>> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::video_ingest::srt::testing
