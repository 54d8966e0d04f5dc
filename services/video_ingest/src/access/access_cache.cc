#include "access/access_cache.h"

#include <chrono>

#include "shopcast/log/log.h"

namespace shopcast::video_ingest::access {
namespace {

absl::Duration SteadyNow() {
  return absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

AccessCache::AccessCache(AccessSource& source, AccessCacheOptions options,
                         std::function<absl::Duration()> now)
    : source_(source), options_(options), now_(now ? std::move(now) : SteadyNow) {}

AccessCache::~AccessCache() { Stop(); }

absl::StatusOr<StreamGate> AccessCache::Gate(const std::string& stream_id) {
  const absl::Duration now = now_();
  {
    absl::MutexLock lock(&mu_);
    auto it = gates_.find(stream_id);
    if (it != gates_.end() && now - it->second.loaded_at <= options_.max_age) {
      it->second.used_at = now;
      MarkUsed();
      return it->second.value;
    }
  }
  absl::StatusOr<std::map<std::string, StreamGate>> loaded = source_.Gates({stream_id});
  if (!loaded.ok()) {
    // A stream's gate outlives an outage: ungated streams keep playing (they did without any
    // database before gating existed) and gated ones keep asking for tokens. Only a stream
    // never seen cannot be answered.
    absl::MutexLock lock(&mu_);
    auto it = gates_.find(stream_id);
    if (it == gates_.end()) return loaded.status();
    it->second.used_at = now;
    MarkUsed();
    return it->second.value;
  }
  StreamGate gate;
  if (auto found = loaded->find(stream_id); found != loaded->end()) gate = found->second;
  absl::MutexLock lock(&mu_);
  gates_[stream_id] = Entry<StreamGate>{gate, now, now};
  MarkUsed();
  return gate;
}

absl::StatusOr<bool> AccessCache::HasPass(const std::string& viewer_id,
                                          const std::string& stream_id) {
  const absl::Duration now = now_();
  const ViewerStream key{viewer_id, stream_id};
  {
    absl::MutexLock lock(&mu_);
    auto it = passes_.find(key);
    if (it != passes_.end() && now - it->second.loaded_at <= options_.max_age) {
      it->second.used_at = now;
      MarkUsed();
      return it->second.value;
    }
  }
  absl::StatusOr<std::set<ViewerStream>> loaded = source_.ActivePasses({key});
  if (!loaded.ok()) return loaded.status();
  const bool has = loaded->count(key) > 0;
  absl::MutexLock lock(&mu_);
  passes_[key] = Entry<bool>{has, now, now};
  MarkUsed();
  return has;
}

absl::Status AccessCache::Refresh() { return RunRound().status; }

AccessCache::Round AccessCache::RunRound() {
  const absl::Duration started = now_();
  std::vector<std::string> streams;
  std::vector<ViewerStream> pairs;
  {
    absl::MutexLock lock(&mu_);
    used_ = false;
    // Reloaded while in use: asked for within max_age (a player asks several times a
    // second). A key idle longer is kept until forget_after but not reloaded (the database is
    // not asked twice a second for streams nobody watches); if asked again, it is stale and
    // loaded on the spot, as a new key is.
    for (auto it = gates_.begin(); it != gates_.end();) {
      const absl::Duration idle = started - it->second.used_at;
      if (idle > options_.forget_after) {
        it = gates_.erase(it);
        continue;
      }
      if (idle <= options_.max_age) streams.push_back(it->first);
      ++it;
    }
    for (auto it = passes_.begin(); it != passes_.end();) {
      const absl::Duration idle = started - it->second.used_at;
      if (idle > options_.forget_after) {
        it = passes_.erase(it);
        continue;
      }
      if (idle <= options_.max_age) pairs.push_back(it->first);
      ++it;
    }
  }
  // Loaded outside the lock: requests keep being answered meanwhile. A value is stamped with
  // the time the round started, so it is never taken for fresher than it is.
  Round round;
  round.reloaded = !streams.empty() || !pairs.empty();
  if (!streams.empty()) {
    absl::StatusOr<std::map<std::string, StreamGate>> gates = source_.Gates(streams);
    if (!gates.ok()) {
      round.status = gates.status();
      return round;
    }
    absl::MutexLock lock(&mu_);
    for (const std::string& id : streams) {
      auto it = gates_.find(id);
      if (it == gates_.end() || it->second.loaded_at > started) continue;
      auto found = gates->find(id);
      it->second.value = found == gates->end() ? StreamGate{} : found->second;
      it->second.loaded_at = started;
    }
  }
  if (!pairs.empty()) {
    absl::StatusOr<std::set<ViewerStream>> active = source_.ActivePasses(pairs);
    if (!active.ok()) {
      round.status = active.status();
      return round;
    }
    absl::MutexLock lock(&mu_);
    for (const ViewerStream& key : pairs) {
      auto it = passes_.find(key);
      if (it == passes_.end() || it->second.loaded_at > started) continue;
      it->second.value = active->count(key) > 0;
      it->second.loaded_at = started;
    }
  }
  return round;
}

void AccessCache::Start() {
  refresher_ = std::thread([this] {
    bool failing = false;
    absl::MutexLock lock(&mu_);
    while (true) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.refresh_interval);
      if (stopping_) return;
      ++background_rounds_;
      mu_.Unlock();
      const Round round = RunRound();
      // One line when refreshing starts failing and one when it recovers, not one a round.
      if (!round.status.ok() && !failing) {
        log::Warn("playback_access_refresh_failed")
            .Kv("code", absl::StatusCodeToString(round.status.code()))
            .Kv("detail", std::string(round.status.message()));
      } else if (round.status.ok() && failing) {
        log::Info("playback_access_refresh_recovered");
      }
      failing = !round.status.ok();
      mu_.Lock();
      // Nothing was in use and no request has used a key since: rest until one does (it loads
      // that key itself, so the next reload is one interval later), or until what is left is
      // old enough to forget.
      if (!round.reloaded && !used_) {
        const absl::Condition wake(this, &AccessCache::WakeFromRest);
        if (gates_.empty() && passes_.empty()) {
          mu_.Await(wake);
        } else {
          mu_.AwaitWithTimeout(wake, options_.forget_after);
        }
        if (stopping_) return;
      }
    }
  });
}

void AccessCache::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (refresher_.joinable()) refresher_.join();
}

int64_t AccessCache::background_rounds() const {
  absl::MutexLock lock(&mu_);
  return background_rounds_;
}

}  // namespace shopcast::video_ingest::access
