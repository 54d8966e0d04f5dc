#include "fakes.h"

#include <filesystem>

#include "absl/strings/str_format.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::testing {

void FakeSessionStore::FailNext(const std::string& op, std::vector<absl::Status> statuses) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : statuses) failures_[op].push_back(std::move(s));
}

absl::Status FakeSessionStore::Scripted(const std::string& op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(op);
  if (it == failures_.end() || it->second.empty()) return absl::OkStatus();
  absl::Status s = it->second.front();
  it->second.pop_front();
  return s;
}

void FakeSessionStore::Log(StoreCall call) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(std::move(call));
  }
  changed_.notify_all();
}

absl::StatusOr<streams::Claim> FakeSessionStore::ClaimForPublish(std::string_view stream_key,
                                                                 IngestProtocol, std::string_view,
                                                                 absl::Time) {
  RETURN_IF_ERROR(Scripted("claim"));
  streams::Claim c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    c.session_id = absl::StrFormat("ses_%d", ++sessions_);
  }
  // The key names the stream in these tests.
  c.stream_id = std::string(stream_key);
  c.host_id = "usr_host";
  Log(StoreCall{"claim", c.session_id});
  return c;
}

absl::Status FakeSessionStore::RecordMediaInfo(std::string_view, const MediaInfo&) {
  return absl::OkStatus();
}

absl::Status FakeSessionStore::RecordSegment(const streams::Claim& claim,
                                             const SegmentInfo& segment, absl::Time) {
  RETURN_IF_ERROR(Scripted("segment"));
  StoreCall call{"segment", claim.session_id};
  call.sequence = segment.sequence;
  Log(call);
  return absl::OkStatus();
}

absl::Status FakeSessionStore::ReleaseSession(std::string_view session_id,
                                              vpb::SessionEndReason why,
                                              cpb::StreamErrorReason error, absl::Time) {
  RETURN_IF_ERROR(Scripted("release"));
  StoreCall call{"release", std::string(session_id)};
  call.why = why;
  call.error = error;
  Log(call);
  return absl::OkStatus();
}

absl::Status FakeSessionStore::FailStream(std::string_view session_id, cpb::StreamErrorReason error,
                                          absl::Time) {
  RETURN_IF_ERROR(Scripted("fail"));
  StoreCall call{"fail", std::string(session_id)};
  call.error = error;
  Log(call);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FakeSessionStore::ExpireGracePeriods(absl::Time) {
  return std::vector<std::string>{};
}

absl::Status FakeSessionStore::Heartbeat(absl::Time) {
  RETURN_IF_ERROR(Scripted("heartbeat"));
  Log(StoreCall{"heartbeat", ""});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FakeSessionStore::ReleaseOrphanedSessions(absl::Time,
                                                                                   bool starting) {
  RETURN_IF_ERROR(Scripted("orphans"));
  StoreCall call{"orphans", ""};
  call.starting = starting;
  Log(call);
  return std::vector<std::string>{};
}

std::vector<StoreCall> FakeSessionStore::calls() {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

bool FakeSessionStore::WaitFor(const std::function<bool(const std::vector<StoreCall>&)>& done,
                               std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return done(calls_); });
}

FakePackager::~FakePackager() { factory_.Forget(this); }

bool FakePackager::Push(std::span<const uint8_t> bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return false;
  bytes_ += static_cast<int64_t>(bytes.size());
  return true;
}

int64_t FakePackager::bytes_pushed() {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

absl::Status FakePackager::CloseSegment() {
  SegmentInfo s;
  s.sequence = playlist_.next_sequence();
  s.program_date_time = absl::FromUnixSeconds(1900000000) + absl::Seconds(s.sequence);
  s.duration = absl::Seconds(1);
  s.media_offset = playlist_.media_offset();
  s.size_bytes = 1000;
  s.sha256 = std::string(64, 'a');
  s.path = absl::StrFormat("%s/%06d.ts", options_.stream_id, s.sequence);
  RETURN_IF_ERROR(playlist_.Append(s, MediaInfo{}));
  if (events_.segment_closed) events_.segment_closed(s);
  return absl::OkStatus();
}

void FakePackager::Fail(const absl::Status& why) {
  if (events_.failed) events_.failed(why);
}

absl::Status FakePackager::Finish(absl::Duration) {
  if (on_finish) on_finish();
  // The last segment, as a real packager closes it at the end of the input.
  factory_.RecordFinishAppend(CloseSegment());
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<media::Packager>> FakePackagerFactory::Start(
    media::PackagerOptions options, media::LivePlaylist& playlist, media::PackagerEvents events) {
  std::filesystem::create_directories(options.stream_dir);
  const std::string stream_id = options.stream_id;
  auto p = std::make_unique<FakePackager>(*this, std::move(options), playlist, std::move(events));
  if (configure) configure(*p);
  {
    std::lock_guard<std::mutex> lock(mu_);
    by_stream_[stream_id] = p.get();
  }
  changed_.notify_all();
  return std::unique_ptr<media::Packager>(std::move(p));
}

FakePackager* FakePackagerFactory::For(const std::string& stream_id) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, std::chrono::seconds(10),
                    [&] { return by_stream_.count(stream_id) != 0; });
  auto it = by_stream_.find(stream_id);
  return it == by_stream_.end() ? nullptr : it->second;
}

std::vector<absl::Status> FakePackagerFactory::finish_appends() {
  std::lock_guard<std::mutex> lock(mu_);
  return finish_appends_;
}

void FakePackagerFactory::RecordFinishAppend(const absl::Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  finish_appends_.push_back(s);
}

void FakePackagerFactory::Forget(FakePackager* p) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = by_stream_.begin(); it != by_stream_.end(); ++it) {
    if (it->second == p) {
      by_stream_.erase(it);
      return;
    }
  }
}

}  // namespace shopcast::video_ingest::testing
