#include "hls/playlist_watch.h"

#include <memory>
#include <vector>

namespace shopcast::video_ingest::hls {
namespace {

// A part not listed yet may wait only when it is the one the playlist hints (the next part of
// the segment in progress), or one step past it: a client can read the playlist file a moment
// before its writer reports the write here, so it may already know one more part.
bool PartWithinReach(const media::PlaylistProgress& p, int64_t msn, int part) {
  if (msn == p.next_msn) return part <= p.next_parts + 1;
  if (msn == p.next_msn + 1) return part == 0;
  return false;
}

}  // namespace

// Shared by the copies of one feeder function; its end is the playlist object's end.
class PlaylistWatch::FeedHandle {
 public:
  FeedHandle(PlaylistWatch& watch, Key key, uint64_t generation)
      : watch_(watch), key_(std::move(key)), generation_(generation) {}
  ~FeedHandle() { watch_.Detach(key_, generation_); }
  FeedHandle(const FeedHandle&) = delete;
  FeedHandle& operator=(const FeedHandle&) = delete;

  void Publish(const Progress& progress) { watch_.Publish(key_, generation_, progress); }

 private:
  PlaylistWatch& watch_;
  const Key key_;
  const uint64_t generation_;
};

PlaylistWatch::~PlaylistWatch() = default;

std::function<void(const PlaylistWatch::Progress&)> PlaylistWatch::Feeder(
    std::string stream_id, std::string playlist_name) {
  Key key{std::move(stream_id), std::move(playlist_name)};
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    generation = next_generation_++;
    Entry& entry = entries_[key];
    // The newest playlist object owns the entry; waiters carry over (the sequence continues).
    entry.generation = generation;
  }
  auto handle = std::make_shared<FeedHandle>(*this, std::move(key), generation);
  return [handle](const Progress& progress) { handle->Publish(progress); };
}

void PlaylistWatch::Publish(const Key& key, uint64_t generation, const Progress& progress) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation) return;
  Entry& entry = it->second;
  entry.known = true;
  entry.progress = progress;
  for (auto w = entry.waiters.begin(); w != entry.waiters.end();) {
    if (media::Satisfies(progress, w->second.wanted.msn, w->second.wanted.part)) {
      w->second.wake(true);
      w = entry.waiters.erase(w);
      --parked_;
    } else {
      ++w;
    }
  }
}

void PlaylistWatch::Detach(const Key& key, uint64_t generation) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.generation != generation) return;
  for (auto& [id, waiter] : it->second.waiters) {
    waiter.wake(false);
    --parked_;
  }
  entries_.erase(it);
}

std::optional<PlaylistWatch::Progress> PlaylistWatch::Current(
    const std::string& stream_id, const std::string& playlist_name) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(Key{stream_id, playlist_name});
  if (it == entries_.end() || !it->second.known) return std::nullopt;
  return it->second.progress;
}

PlaylistWatch::WatchResult PlaylistWatch::Watch(const std::string& stream_id,
                                                const std::string& playlist_name,
                                                const Wanted& wanted, bool part_file, Wake wake) {
  absl::MutexLock lock(&mu_);
  WatchResult result;
  auto it = entries_.find(Key{stream_id, playlist_name});
  if (it == entries_.end() || !it->second.known) return result;
  Entry& entry = it->second;
  result.target_seconds = entry.target_seconds;
  const Progress& p = entry.progress;
  if (media::Satisfies(p, wanted.msn, wanted.part)) {
    result.outcome = Outcome::kReady;
    return result;
  }
  const bool too_far = part_file ? !PartWithinReach(p, wanted.msn, wanted.part.value_or(0))
                                 : media::TooFarAhead(p, wanted.msn, wanted.part);
  if (too_far) {
    result.outcome = Outcome::kTooFarAhead;
    return result;
  }
  result.outcome = Outcome::kParked;
  result.id = next_id_++;
  entry.waiters.emplace(result.id, Waiter{wanted, std::move(wake)});
  ++parked_;
  return result;
}

void PlaylistWatch::Unwatch(const std::string& stream_id, const std::string& playlist_name,
                            uint64_t id) {
  Wake dropped;  // destroyed outside the lock
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(Key{stream_id, playlist_name});
  if (it == entries_.end()) return;
  auto w = it->second.waiters.find(id);
  if (w == it->second.waiters.end()) return;
  dropped = std::move(w->second.wake);
  it->second.waiters.erase(w);
  --parked_;
}

void PlaylistWatch::NoteTargetSeconds(const std::string& stream_id,
                                      const std::string& playlist_name, int64_t seconds) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(Key{stream_id, playlist_name});
  if (it != entries_.end()) it->second.target_seconds = seconds;
}

size_t PlaylistWatch::parked() const {
  absl::MutexLock lock(&mu_);
  return parked_;
}

size_t PlaylistWatch::playlists() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace shopcast::video_ingest::hls
