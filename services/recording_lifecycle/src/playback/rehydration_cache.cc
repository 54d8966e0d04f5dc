#include "playback/rehydration_cache.h"

#include <system_error>

#include "absl/strings/str_replace.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::playback {

std::string CacheFileName(const std::string& key) { return absl::StrReplaceAll(key, {{"/", "!"}}); }

absl::StatusOr<std::unique_ptr<RehydrationCache>> RehydrationCache::Open(
    std::filesystem::path dir, uint64_t max_bytes, absl::Duration fetch_timeout) {
  if (dir.empty() || max_bytes == 0) {
    return InvalidArgument("rehydration_cache", "VOD_CACHE_INVALID",
                           "the rehydration cache needs a folder and a size");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error(absl::StatusCode::kFailedPrecondition, "VOD_CACHE_INVALID",
                 "cannot create the rehydration cache folder " + dir.string());
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
  }
  return std::unique_ptr<RehydrationCache>(
      new RehydrationCache(std::move(dir), max_bytes, fetch_timeout));
}

uint64_t RehydrationCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

size_t RehydrationCache::files() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void RehydrationCache::Touch(const std::string& name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
}

void RehydrationCache::EvictLocked(const std::string& keep) {
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    const std::string victim = lru_.back();
    if (victim == keep) break;  // the one just fetched is needed now, even if alone too big
    lru_.pop_back();
    auto it = entries_.find(victim);
    bytes_ -= it->second.size;
    entries_.erase(it);
    std::error_code ec;
    std::filesystem::remove(dir_ / victim, ec);
  }
}

absl::StatusOr<std::string> RehydrationCache::Get(storage::StorageProvider& provider,
                                                  const std::string& key, bool* fetched) {
  const std::string name = CacheFileName(key);
  if (fetched != nullptr) *fetched = false;
  {
    absl::MutexLock lock(&mu_);
    // Another request is fetching it: wait for that one.
    struct Waiting {
      const std::set<std::string>* fetching;
      const std::string* name;
    } waiting{&fetching_, &name};
    mu_.Await(absl::Condition(
        +[](Waiting* w) { return w->fetching->count(*w->name) == 0; }, &waiting));
    if (entries_.count(name) > 0) {
      Touch(name);
      return name;
    }
    fetching_.insert(name);
  }
  const absl::Status got = provider.GetToFile(
      key, dir_ / name,
      storage::CallOptions::WithTimeout(absl::ToChronoNanoseconds(fetch_timeout_)));
  std::error_code ec;
  const uint64_t size = got.ok() ? std::filesystem::file_size(dir_ / name, ec) : 0;
  absl::MutexLock lock(&mu_);
  fetching_.erase(name);
  if (!got.ok()) return got;
  if (ec) return Error(absl::StatusCode::kInternal, "STORAGE_IO_ERROR", "rehydrated file vanished");
  lru_.push_front(name);
  entries_[name] = Entry{size, lru_.begin()};
  bytes_ += size;
  EvictLocked(name);
  if (fetched != nullptr) *fetched = true;
  log::Info("vod_rehydrated").Kv("key", key).Kv("bytes", static_cast<int64_t>(size));
  return name;
}

}  // namespace shopcast::recording_lifecycle::playback
